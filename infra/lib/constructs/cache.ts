import { cache } from '@evermall/topology';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/**
 * The cache listens on a non-default port, as the database does, so a scan for 6379 finds nothing
 * (cdk-nag AwsSolutions-AEC5 asks the same of Redis OSS).
 */
export const cachePort = 6380;

/**
 * Valkey 7.2 is the Redis OSS 7.2 code base under the Linux Foundation: the same protocol, commands,
 * AUTH and replication the twin's Debian `redis-server` (7.0) speaks, so a shop that runs against
 * the twin runs against this. ElastiCache prices Valkey nodes below Redis OSS nodes of the same
 * type, and Valkey is where its new engine versions go (ElastiCache User Guide, "Comparing Valkey,
 * Memcached, and Redis OSS"). The version is pinned like the database's: an upgrade is a reviewed change.
 */
export const cacheEngine = { engine: 'valkey', version: '7.2', parameterGroupFamily: 'valkey7' } as const;

/**
 * Every key the shop keeps here can be rebuilt from PostgreSQL (catalog entries, sessions written
 * through, rate-limit counters), so a full cache evicts the least recently used key of any kind
 * rather than refusing writes (ElastiCache's default, volatile-lru, evicts only keys with a TTL).
 */
export const cacheParameters = { 'maxmemory-policy': cache.maxMemoryPolicy } as const;

/** The engine's logs this tier ships to CloudWatch Logs (ElastiCache User Guide, "Log delivery"). */
export const cacheLogTypes = ['slow-log', 'engine-log'] as const;

export interface CacheProps {
  readonly vpc: ec2.IVpc;
  /** SecurityGroups.cache: the cache port from the app group only. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** e.g. cache.t4g.small (parameter cacheNodeType or the profile's). */
  readonly nodeType: string;
  /** Replicas besides the primary (parameter cacheReplicas, topology's by default); at least 1 for automatic failover. */
  readonly replicas: number;
}

/**
 * An ElastiCache (Valkey) replication group with cluster mode off: one primary in the first zone
 * and the replicas spread over the zones starting with the other one, Multi-AZ with automatic
 * failover, so the primary endpoint's DNS name moves to a promoted replica when the primary or its
 * zone fails (ElastiCache User Guide, "Minimizing downtime in ElastiCache by using Multi-AZ"). The
 * shop always talks to the primary endpoint, the twin's HAProxy `role:master` endpoint's counterpart.
 *
 * TLS is required and the AUTH token comes from a secret this construct generates; CloudFormation
 * reads it through a dynamic reference, so no template holds it. Data at rest (and in any
 * snapshot) is encrypted with a key of its own. No automatic backups: it is a cache.
 */
export class Cache extends Construct {
  public readonly replicationGroup: elasticache.CfnReplicationGroup;
  /** The AUTH token (a plain string, 64 letters and digits): the instances read it, the shop sends it. */
  public readonly authSecret: secretsmanager.Secret;
  public readonly key: kms.Key;
  /** Where the writer is: follows a failover. */
  public readonly primaryEndpointAddress: string;
  /** The member clusters (nodes) in creation order: `<group>-001` is the first primary; a failover swaps roles, not ids. */
  public readonly nodeIds: string[];
  public readonly logGroups: Record<(typeof cacheLogTypes)[number], logs.LogGroup>;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    if (!Number.isInteger(props.replicas) || props.replicas < 1 || props.replicas > 5) {
      throw new Error(`The cache needs 1 to 5 replicas for automatic failover (ElastiCache allows 5), not ${props.replicas}`);
    }
    this.key = new kms.Key(this, 'Key', { description: 'Encrypts the Evermall cache at rest', enableKeyRotation: true });
    this.authSecret = new secretsmanager.Secret(this, 'AuthToken', {
      description: 'Evermall: the cache AUTH token (ElastiCache Valkey), read by the shop instances',
      // AUTH tokens are 16–128 printable characters without / " @ (ElastiCache User Guide,
      // "Authenticating with the Valkey and Redis OSS AUTH command"); letters and digits only also keep
      // the environment file safe.
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });

    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'Subnets', {
      description: 'Evermall cache: the isolated subnets of both zones',
      subnetIds: props.vpc.isolatedSubnets.map((s) => s.subnetId),
    });
    const parameterGroup = new elasticache.CfnParameterGroup(this, 'Parameters', {
      cacheParameterGroupFamily: cacheEngine.parameterGroupFamily,
      description: 'Evermall cache: evict any least recently used key when full',
      properties: { ...cacheParameters },
    });

    const logGroup = (type: (typeof cacheLogTypes)[number]) =>
      new logs.LogGroup(this, type === 'slow-log' ? 'SlowLog' : 'EngineLog', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.RETAIN });
    this.logGroups = { 'slow-log': logGroup('slow-log'), 'engine-log': logGroup('engine-log') };

    const zones = props.vpc.isolatedSubnets.map((s) => s.availabilityZone);
    const nodeCount = 1 + props.replicas;
    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: 'Evermall cache: catalog reads, sessions, rate limits',
      engine: cacheEngine.engine,
      engineVersion: cacheEngine.version,
      cacheNodeType: props.nodeType,
      port: cachePort,
      numCacheClusters: nodeCount,
      // The primary in the first zone, the first replica in the other; more replicas alternate.
      preferredCacheClusterAZs: Array.from({ length: nodeCount }, (_, i) => zones[i % zones.length]!),
      multiAzEnabled: true,
      automaticFailoverEnabled: true,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [props.securityGroup.securityGroupId],
      cacheParameterGroupName: parameterGroup.ref,
      transitEncryptionEnabled: true,
      // TLS only: no client may talk to the cache in the clear.
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      kmsKeyId: this.key.keyArn,
      // Resolved by CloudFormation at deploy ({{resolve:secretsmanager:...}}), never written into the template.
      authToken: this.authSecret.secretValue.unsafeUnwrap(),
      // Nothing here is worth restoring: the cache refills from PostgreSQL. No snapshot also means no
      // fork of the primary for a backup, the pause a snapshot costs a busy node.
      snapshotRetentionLimit: 0,
      // After the database's window (sun 18:30–19:30 UTC), so the two never change at once; Monday
      // 04:30–05:30 in Seoul.
      preferredMaintenanceWindow: 'sun:19:30-sun:20:30',
      autoMinorVersionUpgrade: false,
      logDeliveryConfigurations: cacheLogTypes.map((logType) => ({
        logType,
        logFormat: 'json',
        destinationType: 'cloudwatch-logs',
        destinationDetails: { cloudWatchLogsDetails: { logGroup: this.logGroups[logType].logGroupName } },
      })),
    });
    this.primaryEndpointAddress = this.replicationGroup.attrPrimaryEndPointAddress;
    // ElastiCache names a replication group's member clusters <group id>-001, -002, … in creation
    // order (as describe-replication-group lists them; from memory, not checked on AWS from here),
    // and Ref of the group is its id. The alarms read each node by that name (observability.ts).
    this.nodeIds = Array.from({ length: nodeCount }, (_, i) => `${this.replicationGroup.ref}-${String(i + 1).padStart(3, '0')}`);
  }
}
