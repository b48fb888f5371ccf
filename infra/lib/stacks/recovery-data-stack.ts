import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { CacheSecondary } from '../constructs/cross-region-cache.js';
import { CrossRegionDatabaseReplica } from '../constructs/cross-region-database.js';
import { replicaSecretArn } from '../constructs/cross-region-secrets.js';
import type { Database } from '../constructs/database.js';
import { recoveryDataOutputs } from '../recovery-names.js';

export interface RecoveryDataStackProps extends StackProps {
  readonly vpc: ec2.IVpc;
  readonly appSecurityGroup: ec2.ISecurityGroup;
  readonly cacheSecurityGroup: ec2.ISecurityGroup;
  /** The primary region's database and its logins (Data stack); their secrets are replicated here. */
  readonly primaryDatabase: Database;
  /** The Global Datastore's id (GlobalDatastore, primary region's Data stack). */
  readonly globalDatastoreId: string;
  readonly cacheReplicas: number;
  /** The primary's database class: the replica carries the shop after a promotion. */
  readonly databaseInstanceType: string;
  readonly deletionProtection: boolean;
}

/**
 * The recovery region's copies of the stateful tiers, fed by the primary region: the database's
 * cross-region read replica and the cache's Global Datastore secondary. Its outputs are what the
 * promotion (scripts/dr.ts) acts on: the replica, the cache group, and the replicas of the
 * database logins it points at the promoted database.
 */
export class RecoveryDataStack extends Stack {
  public readonly database: CrossRegionDatabaseReplica;
  public readonly cache: CacheSecondary;
  /** The replicas (in this region) of the shop's, the migration role's and the master user's logins. */
  public readonly loginArns: { readonly app: string; readonly migrator: string; readonly master: string };

  constructor(scope: Construct, id: string, props: RecoveryDataStackProps) {
    super(scope, id, { ...props, crossRegionReferences: true });
    this.database = new CrossRegionDatabaseReplica(this, 'Database', {
      vpc: props.vpc,
      appSecurityGroup: props.appSecurityGroup,
      source: props.primaryDatabase.instance,
      instanceType: props.databaseInstanceType,
      deletionProtection: props.deletionProtection,
    });
    this.cache = new CacheSecondary(this, 'Cache', {
      vpc: props.vpc,
      securityGroup: props.cacheSecurityGroup,
      globalReplicationGroupId: props.globalDatastoreId,
      replicas: props.cacheReplicas,
    });
    const replica = (arn: string) => replicaSecretArn(arn, this.region);
    this.loginArns = {
      app: replica(props.primaryDatabase.appSecret.secretArn),
      migrator: replica(props.primaryDatabase.migratorSecret.secretArn),
      master: replica(props.primaryDatabase.masterSecret.secretArn),
    };

    const output = (name: string, value: string, description: string) => new CfnOutput(this, name, { value, description });
    output(recoveryDataOutputs.primaryRegion, props.primaryDatabase.instance.stack.region, 'The region this one stands by for');
    output(recoveryDataOutputs.replicaIdentifier, this.database.replica.instanceIdentifier, 'The cross-region read replica the promotion promotes');
    output(recoveryDataOutputs.replicaEndpoint, this.database.replica.dbInstanceEndpointAddress, 'Its endpoint: the host the promotion writes into the logins');
    output(recoveryDataOutputs.cacheReplicationGroupId, this.cache.replicationGroup.ref, 'The cache secondary the promotion takes out of the Global Datastore');
    output(recoveryDataOutputs.globalDatastoreId, props.globalDatastoreId, 'The Global Datastore');
    output(recoveryDataOutputs.appSecretArn, this.loginArns.app, 'The shop login (replica secret)');
    output(recoveryDataOutputs.migratorSecretArn, this.loginArns.migrator, 'The migration role login (replica secret)');
    output(recoveryDataOutputs.masterSecretArn, this.loginArns.master, 'The master user login (replica secret)');
  }
}
