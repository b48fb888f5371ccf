import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { Cache } from './cache.js';

/**
 * The node families a Global Datastore accepts, each in size large and above (ElastiCache User
 * Guide, "Prerequisites and limitations" of global datastores).
 */
export const globalDatastoreNodeFamilies = ['m5', 'm6g', 'm7g', 'r5', 'r6g', 'r6gd', 'r7g', 'c7gn'] as const;
const tooSmall = new Set(['nano', 'micro', 'small', 'medium']);

/** Why a cache node type cannot be in a Global Datastore, or undefined when it can. */
export function globalDatastoreNodeTypeProblem(nodeType: string): string | undefined {
  const [, family = '', size = ''] = nodeType.split('.');
  if (!(globalDatastoreNodeFamilies as readonly string[]).includes(family)) {
    return `${nodeType}: a Global Datastore takes only the ${globalDatastoreNodeFamilies.join(', ')} families`;
  }
  if (tooSmall.has(size)) return `${nodeType}: a Global Datastore takes only nodes of size large and above`;
  return undefined;
}

export interface GlobalDatastoreProps {
  /** The primary region's cache (Data stack): it becomes the Global Datastore's primary, keeping its data. */
  readonly cache: Cache;
  readonly stackPrefix: string;
}

/**
 * Makes the primary region's cache the primary of a Global Datastore (ElastiCache User Guide,
 * "Replication across AWS Regions using global datastores"). An existing cluster can only be the
 * primary: adding one as a secondary would erase it. The secondary is made in the recovery region
 * (CacheSecondary) and only ever reads until the promotion takes it out of the datastore.
 */
export class GlobalDatastore extends Construct {
  public readonly globalReplicationGroup: elasticache.CfnGlobalReplicationGroup;
  /** The datastore's id: ElastiCache prefixes the suffix with one of its own per region. */
  public readonly globalReplicationGroupId: string;

  constructor(scope: Construct, id: string, props: GlobalDatastoreProps) {
    super(scope, id);
    this.globalReplicationGroup = new elasticache.CfnGlobalReplicationGroup(this, 'Resource', {
      globalReplicationGroupIdSuffix: `${props.stackPrefix.toLowerCase()}-cache`,
      globalReplicationGroupDescription: 'Evermall cache: the primary region writes, the recovery region reads until a promotion',
      members: [{ replicationGroupId: props.cache.replicationGroup.ref, replicationGroupRegion: props.cache.replicationGroup.stack.region, role: 'PRIMARY' }],
    });
    // Its Tags property is newer than cfn-lint's CloudFormation schema (like the types evermall.ts
    // leaves out of tagging); a datastore costs nothing beyond its clusters, which are tagged.
    this.globalReplicationGroup.addPropertyDeletionOverride('Tags');
    this.globalReplicationGroupId = this.globalReplicationGroup.ref;
  }
}

export interface CacheSecondaryProps {
  readonly vpc: ec2.IVpc;
  /** SecurityGroups.cache of the recovery network: the cache port from its app group only. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The Global Datastore's id (GlobalDatastore, primary region). */
  readonly globalReplicationGroupId: string;
  /** Read replicas besides the secondary's primary node, as in the primary region (each cluster may differ). */
  readonly replicas: number;
}

/**
 * The recovery region's member of the Global Datastore. The engine, its version, the node type, the
 * port, the parameter group, the AUTH token, Multi-AZ and automatic failover come from the
 * datastore's primary, so they are left out here (the secondary inherits them; all clusters of a
 * datastore share node type, engine version and primary count). Encryption at rest uses a key of
 * this region: a KMS key does not leave its region.
 */
export class CacheSecondary extends Construct {
  public readonly replicationGroup: elasticache.CfnReplicationGroup;
  public readonly key: kms.Key;
  /** Read-only until the promotion takes the secondary out of the datastore; the same name afterwards. */
  public readonly primaryEndpointAddress: string;

  constructor(scope: Construct, id: string, props: CacheSecondaryProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', { description: 'Encrypts the Evermall cache of the recovery region at rest', enableKeyRotation: true });
    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'Subnets', {
      description: 'Evermall cache (recovery region): the isolated subnets of both zones',
      subnetIds: props.vpc.isolatedSubnets.map((s) => s.subnetId),
    });
    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: 'Evermall cache, recovery region: the Global Datastore secondary',
      globalReplicationGroupId: props.globalReplicationGroupId,
      numCacheClusters: 1 + props.replicas,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [props.securityGroup.securityGroupId],
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      kmsKeyId: this.key.keyArn,
      snapshotRetentionLimit: 0,
    });
    this.primaryEndpointAddress = this.replicationGroup.attrPrimaryEndPointAddress;
  }
}
