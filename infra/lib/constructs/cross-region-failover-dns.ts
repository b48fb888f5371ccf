import { CfnCondition, Duration, Fn, type CfnParameter } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

export interface EntryPointAlarmProps {
  /** The region's shop target group, behind its ALB. */
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** A fixed name (entryPointAlarmName): the Route 53 health check in the other region's stack names it. */
  readonly alarmName: string;
}

/**
 * "This region's ALB has no healthy shop instance": in ALARM when the target group's fewest healthy
 * hosts in a minute is below one, and when there is no datapoint at all (a group with no target, a
 * region whose CloudWatch does not answer). A Route 53 health check reads it (RegionalFailoverDns):
 * Route 53 supports alarms on a standard-resolution metric with a plain statistic (Route 53
 * Developer Guide, "Monitoring a CloudWatch alarm").
 */
export class EntryPointAlarm extends Construct {
  public readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: EntryPointAlarmProps) {
    super(scope, id);
    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmName: props.alarmName,
      alarmDescription: 'Evermall: no healthy shop instance behind this region’s ALB (read by the api origin’s Route 53 failover)',
      metric: props.targetGroup.metrics.healthyHostCount({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MINIMUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }
}

/** One region's entry point: its ALB and the EntryPointAlarm of that region. */
export interface RegionEntryPoint {
  readonly region: string;
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly alarmName: string;
}

export interface RegionalFailoverDnsProps {
  readonly hostedZoneId: string;
  /** The name api.<domain> aliases (apiOriginName). */
  readonly recordName: string;
  readonly primary: RegionEntryPoint;
  readonly recovery: RegionEntryPoint;
  /** The stack parameter naming the active region (recoveryAppParameters.activeRegion); the promotion sets it. */
  readonly activeRegion: CfnParameter;
}

/**
 * Route 53 failover between the two regions' ALBs, behind the name api.<domain> aliases (so
 * CloudFront's API origin and the apex follow it):
 *
 * - While the primary region is active: PRIMARY → its ALB, SECONDARY → the recovery region's ALB.
 *   Each has a health check on its region's EntryPointAlarm and evaluates the ALB's target health.
 *   Before a promotion the recovery fleet has no instance, so its record is unhealthy and Route 53
 *   keeps answering with the primary even when that is unhealthy too (when every record of a
 *   failover pair is unhealthy, Route 53 answers with the primary): a failed primary region never
 *   sends traffic to a standby that cannot serve. Once the promotion has scaled the recovery fleet
 *   up, its record turns healthy and Route 53 fails over by itself.
 * - After the promotion (stack parameter ActiveRegion = the recovery region): PRIMARY → the
 *   recovery region's ALB, and no SECONDARY. Health checks alone would fail back to the old
 *   primary region as soon as its ALB answered again, with its old database taking writes (a split
 *   brain); naming the active region in the records fences it until a failback sets it back.
 */
export class RegionalFailoverDns extends Construct {
  public readonly healthChecks: Record<'primary' | 'recovery', route53.CfnHealthCheck>;
  public readonly primaryRecord: route53.CfnRecordSet;
  public readonly secondaryRecord: route53.CfnRecordSet;
  public readonly recoveryActive: CfnCondition;

  constructor(scope: Construct, id: string, props: RegionalFailoverDnsProps) {
    super(scope, id);
    const healthCheck = (name: string, entry: RegionEntryPoint) =>
      new route53.CfnHealthCheck(this, name, {
        healthCheckConfig: {
          type: 'CLOUDWATCH_METRIC',
          alarmIdentifier: { name: entry.alarmName, region: entry.region },
          // A region whose CloudWatch cannot say is not one to send shoppers to.
          insufficientDataHealthStatus: 'Unhealthy',
        },
        healthCheckTags: [{ key: 'Name', value: `Evermall shop in ${entry.region}` }],
      });
    this.healthChecks = { primary: healthCheck('PrimaryRegionCheck', props.primary), recovery: healthCheck('RecoveryRegionCheck', props.recovery) };

    this.recoveryActive = new CfnCondition(this, 'RecoveryActive', { expression: Fn.conditionEquals(props.activeRegion.valueAsString, props.recovery.region) });
    const primaryActive = new CfnCondition(this, 'PrimaryActive', { expression: Fn.conditionNot(this.recoveryActive) });
    const active = <T>(whenRecovery: T, whenPrimary: T): string => Fn.conditionIf(this.recoveryActive.logicalId, whenRecovery, whenPrimary).toString();
    // An alias to an ALB names its dualstack name and canonical hosted zone (as aws-route53-targets' LoadBalancerTarget does).
    const dnsName = (entry: RegionEntryPoint) => `dualstack.${entry.loadBalancer.loadBalancerDnsName}`;
    const zoneId = (entry: RegionEntryPoint) => entry.loadBalancer.loadBalancerCanonicalHostedZoneId;
    const name = `${props.recordName}.`;

    this.primaryRecord = new route53.CfnRecordSet(this, 'Primary', {
      hostedZoneId: props.hostedZoneId,
      name,
      type: 'A',
      failover: 'PRIMARY',
      setIdentifier: 'active-region',
      healthCheckId: active(this.healthChecks.recovery.attrHealthCheckId, this.healthChecks.primary.attrHealthCheckId),
      aliasTarget: {
        dnsName: active(dnsName(props.recovery), dnsName(props.primary)),
        hostedZoneId: active(zoneId(props.recovery), zoneId(props.primary)),
        evaluateTargetHealth: true,
      },
    });
    this.secondaryRecord = new route53.CfnRecordSet(this, 'Secondary', {
      hostedZoneId: props.hostedZoneId,
      name,
      type: 'A',
      failover: 'SECONDARY',
      setIdentifier: 'standby-region',
      healthCheckId: this.healthChecks.recovery.attrHealthCheckId,
      aliasTarget: { dnsName: dnsName(props.recovery), hostedZoneId: zoneId(props.recovery), evaluateTargetHealth: true },
    });
    this.secondaryRecord.cfnOptions.condition = primaryActive;
  }
}
