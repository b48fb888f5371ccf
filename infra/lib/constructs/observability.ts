import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as efs from 'aws-cdk-lib/aws-efs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { autoScaling, frontDoorFailover } from '@evermall/topology';

export interface ObservabilityProps {
  readonly alarmEmail?: string;
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  /**
   * The EC2 fleet: its Auto Scaling group (capacity, and the instances' own disk and backup-site
   * metrics) and its launch/terminate events, which the alarm email subscribes to too. Absent with
   * compute=eks, whose nodes publish neither (the pods' backup-site uploads do publish: see backupSiteMetricDimension).
   */
  readonly fleet?: { readonly autoScalingGroupName: string; readonly events: sns.ITopic };
  /** The dimension of the shop's BackupSiteUploaded datapoints: the group's name on EC2, the cluster's on EKS (AppStack). */
  readonly backupSiteMetricDimension: { readonly name: string; readonly value: string };
  readonly database: rds.IDatabaseInstance;
  readonly readReplica?: rds.IDatabaseInstance;
  readonly allocatedStorageGiB: number;
  readonly fileSystem: efs.IFileSystem;
  /** The cache's nodes (Cache.nodeIds): which one is the primary changes with every failover, so each alarm reads all of them. */
  readonly cacheNodeIds: readonly string[];
  /**
   * The order events' consumers (OrderEvents): an alarm on any message in a dead-letter queue (an
   * event a consumer failed its queue's maxDeliveries times), and one on a queue whose oldest event
   * waits too long (the consumer failing, throttled, or not deployed).
   */
  readonly eventConsumers: readonly { readonly name: string; readonly queue: sqs.IQueue; readonly deadLetterQueue: sqs.IQueue }[];
  /** The resize function's failed events (MediaPipeline): an alarm on any. */
  readonly resizeFailures: sqs.IQueue;
}

/**
 * Connections the fleet may open at most: every instance has a writer and a reader pool of
 * DATABASE_POOL_MAX (10 by default, shop/.env.example). Past that, something leaks.
 */
const connectionsPerInstance = 2 * 10;

/**
 * What the instances publish themselves (user-data.ts): the CloudWatch agent's root-volume use,
 * aggregated per Auto Scaling group, and one datapoint per successful upload of the static
 * backup site to its bucket.
 */
export const instanceMetrics = {
  namespace: 'Evermall/Instances',
  diskUsedPercent: 'disk_used_percent',
  backupSiteUploaded: 'BackupSiteUploaded',
} as const;

/** The backup site is stale once this many export intervals pass without an upload (issue 11). */
export const backupSiteStaleAfterIntervals = 3;

/** Alarm thresholds that are operational judgement, not architecture (so not in topology/). */
const thresholds = {
  /** Of the 16 GiB root volume; the shop's log is rotated (user-data.ts), so growth means something else. */
  diskUsedPercent: 80,
  errorRatePercent: 1,
  p99Seconds: 1,
  databaseCpuPercent: 80,
  freeStorageShare: 0.1,
  replicaLagSeconds: 60,
  efsIoLimitPercent: 90,
  /** Valkey runs commands on one thread: past this its node is the bottleneck (EngineCPUUtilization is that thread's share). */
  cacheEngineCpuPercent: 80,
  /**
   * Of maxmemory. With allkeys-lru a full cache is not an outage, it evicts; sustained fullness
   * means the working set outgrows the node (raise cacheNodeType), together with the evictions alarm.
   */
  cacheMemoryPercent: 90,
  /** Keys evicted per minute, sustained: catalog pages and sessions go back to PostgreSQL. */
  cacheEvictionsPerMinute: 100,
  /**
   * A healthy replica is well under a second behind; writes within the lag are lost in a failover,
   * invalidations among them, so a stale catalog entry could then outlive its invalidation until
   * its TTL.
   */
  cacheReplicationLagSeconds: 10,
  /** An order confirmation this late is one a shopper notices; a healthy consumer keeps its queue seconds old. */
  eventBacklogSeconds: 15 * 60,
} as const;

/** CloudWatch alarms to an SNS topic, and one dashboard with the same metrics. */
export class Observability extends Construct {
  public readonly topic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  /** 5xx responses above 1 % of requests: shoppers are being hurt (the FIS experiments' stop condition). */
  public readonly errorRateAlarm: cloudwatch.Alarm;
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const key = new kms.Key(this, 'AlarmsKey', { description: 'Encrypts the alarms topic', enableKeyRotation: true });
    this.topic = new sns.Topic(this, 'Alarms', { displayName: 'Evermall alarms', masterKey: key, enforceSSL: true });
    // CloudWatch publishes alarm notifications itself, so it must be able to use the topic's key.
    key.grantEncryptDecrypt(new iam.ServicePrincipal('cloudwatch.amazonaws.com'));
    if (props.alarmEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      props.fleet?.events.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
    const period = Duration.minutes(1);
    const lb = props.loadBalancer.metrics;
    const tg = props.targetGroup.metrics;

    const requests = lb.requestCount({ period, statistic: 'Sum' });
    const errorRate = new cloudwatch.MathExpression({
      label: '5xx rate (%)',
      expression: '100 * (elb5xx + target5xx) / MAX([requests, 1])',
      usingMetrics: {
        elb5xx: lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period, statistic: 'Sum' }),
        target5xx: lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period, statistic: 'Sum' }),
        requests,
      },
      period,
    });
    const unhealthy = tg.unhealthyHostCount({ period, statistic: 'Maximum' });
    const p99 = lb.targetResponseTime({ period, statistic: 'p99' });
    const { fleet } = props;
    const inService =
      fleet &&
      new cloudwatch.Metric({
        namespace: 'AWS/AutoScaling',
        metricName: 'GroupInServiceInstances',
        dimensionsMap: { AutoScalingGroupName: fleet.autoScalingGroupName },
        period,
        statistic: 'Maximum',
      });
    const dbCpu = props.database.metricCPUUtilization({ period, statistic: 'Average' });
    const freeStorage = props.database.metricFreeStorageSpace({ period, statistic: 'Minimum' });
    const connections = props.database.metricDatabaseConnections({ period, statistic: 'Maximum' });
    const replicaLag = props.readReplica?.metric('ReplicaLag', { period, statistic: 'Maximum' });
    const efsIo = new cloudwatch.Metric({
      namespace: 'AWS/EFS',
      metricName: 'PercentIOLimit',
      dimensionsMap: { FileSystemId: props.fileSystem.fileSystemId },
      period,
      statistic: 'Maximum',
    });
    const instanceMetric = (autoScalingGroupName: string, metricName: string, statistic: string, metricPeriod: Duration) =>
      new cloudwatch.Metric({
        namespace: instanceMetrics.namespace,
        metricName,
        dimensionsMap: { AutoScalingGroupName: autoScalingGroupName },
        period: metricPeriod,
        statistic,
      });
    // The fullest root volume of the fleet.
    const diskUsed = fleet && instanceMetric(fleet.autoScalingGroupName, instanceMetrics.diskUsedPercent, 'Maximum', period);
    const backupExportInterval = Duration.seconds(frontDoorFailover.backupExportIntervalSeconds);
    const backupUploads = new cloudwatch.Metric({
      namespace: instanceMetrics.namespace,
      metricName: instanceMetrics.backupSiteUploaded,
      dimensionsMap: { [props.backupSiteMetricDimension.name]: props.backupSiteMetricDimension.value },
      period: backupExportInterval,
      statistic: 'Sum',
    });
    const efsThroughput = new cloudwatch.Metric({
      namespace: 'AWS/EFS',
      metricName: 'MeteredIOBytes',
      dimensionsMap: { FileSystemId: props.fileSystem.fileSystemId },
      period,
      statistic: 'Sum',
    });

    // The cache's metrics are per node (dimension CacheClusterId: ElastiCache User Guide, "Metrics for
    // Valkey and Redis OSS"); the worst node is the one that hurts, whichever is primary now.
    const cacheWorst = (label: string, metricName: string, statistic: string) =>
      new cloudwatch.MathExpression({
        label,
        expression: `MAX([${props.cacheNodeIds.map((_, i) => `n${i}`).join(', ')}])`,
        usingMetrics: Object.fromEntries(
          props.cacheNodeIds.map((nodeId, i) => [
            `n${i}`,
            new cloudwatch.Metric({ namespace: 'AWS/ElastiCache', metricName, dimensionsMap: { CacheClusterId: nodeId }, period, statistic }),
          ]),
        ),
        period,
      });
    const cacheCpu = cacheWorst('Cache engine CPU (%), busiest node', 'EngineCPUUtilization', 'Average');
    const cacheMemory = cacheWorst('Cache memory (% of maxmemory), fullest node', 'DatabaseMemoryUsagePercentage', 'Maximum');
    const cacheEvictions = cacheWorst('Cache evictions per minute', 'Evictions', 'Sum');
    // Only replicas publish ReplicationLag; the primary's missing series drops out of MAX.
    const cacheReplicationLag = cacheWorst('Cache replication lag (s), furthest replica', 'ReplicationLag', 'Maximum');

    this.errorRateAlarm = this.alarm('Alb5xxRate', errorRate, thresholds.errorRatePercent, 3, '5xx responses above 1 % of requests for 3 minutes');
    this.alarm('UnhealthyHosts', unhealthy, 1, 3, 'At least one target failed the /healthz check for 3 minutes');
    this.alarm('TargetP99', p99, thresholds.p99Seconds, 5, 'p99 target response time above 1 s for 5 minutes');
    if (inService) this.alarm('FleetAtMax', inService, autoScaling.maxCapacity, 15, 'The fleet has been at max capacity for 15 minutes: raise max or investigate');
    this.alarm('DatabaseCpu', dbCpu, thresholds.databaseCpuPercent, 5, 'Writer CPU above 80 % for 5 minutes');
    this.alarm(
      'DatabaseFreeStorage',
      freeStorage,
      props.allocatedStorageGiB * 1024 ** 3 * thresholds.freeStorageShare,
      5,
      'Writer free storage below 10 % of the allocated size',
      cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
    );
    this.alarm('DatabaseConnections', connections, autoScaling.maxCapacity * connectionsPerInstance, 5, 'More connections than the full fleet’s pools can open');
    if (replicaLag) this.alarm('ReplicaLag', replicaLag, thresholds.replicaLagSeconds, 5, 'The read replica is more than 60 s behind');
    this.alarm('CacheEngineCpu', cacheCpu, thresholds.cacheEngineCpuPercent, 5, 'A cache node’s engine thread above 80 % CPU for 5 minutes');
    this.alarm('CacheMemory', cacheMemory, thresholds.cacheMemoryPercent, 15, 'A cache node above 90 % of maxmemory for 15 minutes: the working set outgrows the node');
    this.alarm('CacheEvictions', cacheEvictions, thresholds.cacheEvictionsPerMinute, 15, 'The cache evicted 100 or more keys a minute for 15 minutes');
    this.alarm('CacheReplicationLag', cacheReplicationLag, thresholds.cacheReplicationLagSeconds, 5, 'A cache replica more than 10 s behind for 5 minutes');
    this.alarm('EfsIoLimit', efsIo, thresholds.efsIoLimitPercent, 5, 'EFS is close to its I/O limit');
    // Nothing retries a dead-lettered event: one is enough to look at (then redrive it, infra/README.md).
    // The graphs label each line with its consumer; the alarms read the plain metric.
    const deadLetters = props.eventConsumers.map(({ name, deadLetterQueue }) => {
      const visible = deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' });
      this.alarm(`DeadLetters-${name}`, visible, 1, 1, `Order events the ${name} consumer failed every delivery of are in its dead-letter queue`);
      return visible.with({ label: name });
    });
    const backlogs = props.eventConsumers.map(({ name, queue }) => {
      const age = queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' });
      this.alarm(
        `EventBacklog-${name}`,
        age,
        thresholds.eventBacklogSeconds,
        5,
        `The ${name} queue's oldest event has waited over 15 minutes for 5 minutes: its consumer is failing, throttled or not deployed`,
      );
      return age.with({ label: name });
    });
    const resizeFailures = props.resizeFailures.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' });
    this.alarm('ResizeFailures', resizeFailures, 1, 1, 'The resize function failed an uploaded image three times (its failure queue holds the event and the error)');
    if (diskUsed) this.alarm('InstanceDiskUsed', diskUsed, thresholds.diskUsedPercent, 5, 'An instance’s root volume is more than 80 % full for 5 minutes');
    // No upload at all (no datapoint) is the failure this alarm exists for, so missing data breaches.
    this.alarm(
      'BackupSiteStale',
      backupUploads,
      1,
      backupSiteStaleAfterIntervals,
      `No static backup site reached its bucket for ${backupSiteStaleAfterIntervals} export intervals (${backupSiteStaleAfterIntervals} × ${frontDoorFailover.backupExportIntervalSeconds} s)`,
      cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      cloudwatch.TreatMissingData.BREACHING,
    );

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.GraphWidget({ title: 'Requests and 5xx rate', left: [requests], right: [errorRate], width: 8 }),
          new cloudwatch.GraphWidget({ title: 'Target p99 (s)', left: [p99], width: 8 }),
          new cloudwatch.GraphWidget({ title: 'Targets unhealthy / in service', left: [unhealthy], right: inService ? [inService] : [], width: 8 }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'DB CPU (%)', left: [dbCpu], width: 6 }),
          new cloudwatch.GraphWidget({ title: 'DB connections', left: [connections], width: 6 }),
          new cloudwatch.GraphWidget({ title: 'DB free storage (bytes)', left: [freeStorage], width: 6 }),
          new cloudwatch.GraphWidget({ title: 'Replica lag (s)', left: replicaLag ? [replicaLag] : [], width: 6 }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'EFS I/O limit (%)', left: [efsIo], width: 6 }),
          new cloudwatch.GraphWidget({ title: 'EFS metered I/O (bytes)', left: [efsThroughput], width: 6 }),
          ...(diskUsed ? [new cloudwatch.GraphWidget({ title: 'Fullest root volume (%)', left: [diskUsed], width: 6 })] : []),
          new cloudwatch.GraphWidget({ title: 'Backup site uploads', left: [backupUploads], width: 6 }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'Cache engine CPU (%)', left: [cacheCpu], width: 6 }),
          new cloudwatch.GraphWidget({ title: 'Cache memory (% of maxmemory)', left: [cacheMemory], width: 6 }),
          new cloudwatch.GraphWidget({ title: 'Cache evictions', left: [cacheEvictions], width: 6 }),
          new cloudwatch.GraphWidget({ title: 'Cache replication lag (s)', left: [cacheReplicationLag], width: 6 }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'Order events: oldest waiting (s)', left: backlogs, width: 8 }),
          new cloudwatch.GraphWidget({ title: 'Order events dead-lettered', left: deadLetters, width: 8 }),
          new cloudwatch.GraphWidget({ title: 'Image resizes failed', left: [resizeFailures], width: 8 }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
      ],
    });
  }

  /** An alarm after `periods` consecutive breaching periods of the metric (one minute unless the metric says otherwise). */
  private alarm(
    id: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    periods: number,
    description: string,
    comparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: periods,
      datapointsToAlarm: periods,
      comparisonOperator,
      treatMissingData,
      alarmDescription: description,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }
}
