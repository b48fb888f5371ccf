import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { database as topologyDatabase, databasePort } from '@evermall/topology';
import { databaseParameters } from './database.js';

export interface CrossRegionDatabaseReplicaProps {
  readonly vpc: ec2.IVpc;
  /** The recovery region's app group: the only peer admitted, on the DB port. */
  readonly appSecurityGroup: ec2.ISecurityGroup;
  /** The primary region's database (Data stack). Its stack must allow cross-region references. */
  readonly source: rds.DatabaseInstance;
  /** e.g. m7g.large, the primary's class: after a promotion it carries the whole shop. */
  readonly instanceType: string;
  /** Off for a first deploy only (parameter deletionProtection). */
  readonly deletionProtection: boolean;
}

/**
 * An RDS cross-region read replica of the primary database (RDS User Guide, "Creating a read replica
 * in a different AWS Region"): asynchronous streaming replication, so its lag (the ReplicaLag
 * metric, seconds under a normal write load) is what a regional failover can lose. It is promoted
 * to a standalone instance by `npm run dr -- promote` (PromoteReadReplica, which reboots it and
 * takes minutes); until then it only reads, and nothing uses it.
 *
 * - Its source is the primary's ARN (a cross-region replica must name its source by ARN); aws-cdk-lib
 *   renders it as one, imported through the stacks' cross-region references.
 * - Encrypted with a key of this region: an encrypted source's KMS key does not leave its region,
 *   so RDS re-encrypts the copy with KmsKeyId. StorageEncrypted is removed from the template:
 *   CloudFormation refuses it next to SourceDBInstanceIdentifier (encryption follows KmsKeyId).
 * - Multi-AZ, like the primary: once promoted it is the shop's only writer.
 * - The primary's parameter group settings, in a group of this region.
 */
export class CrossRegionDatabaseReplica extends Construct {
  public readonly replica: rds.DatabaseInstanceReadReplica;
  public readonly key: kms.Key;
  public readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: CrossRegionDatabaseReplicaProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', { description: 'Encrypts the Evermall database replica in the recovery region', enableKeyRotation: true });
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'RDS PostgreSQL replica (recovery region): the DB port from the shop instances only',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(props.appSecurityGroup, ec2.Port.tcp(databasePort), 'from the shop instances');
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine: props.source.engine ?? failNoEngine(),
      description: 'Evermall (recovery region): TLS only, slow statements logged',
      parameters: { ...databaseParameters },
    });
    this.replica = new rds.DatabaseInstanceReadReplica(this, 'Replica', {
      sourceDatabaseInstance: props.source,
      instanceType: new ec2.InstanceType(props.instanceType),
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [this.securityGroup],
      port: databasePort,
      multiAz: topologyDatabase.multiAz,
      storageType: rds.StorageType.GP3,
      storageEncryptionKey: this.key,
      parameterGroup,
      deletionProtection: props.deletionProtection,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      enablePerformanceInsights: true,
      monitoringInterval: Duration.seconds(60),
      cloudwatchLogsExports: ['postgresql'],
      autoMinorVersionUpgrade: false,
    });
    (this.replica.node.defaultChild as rds.CfnDBInstance).addPropertyDeletionOverride('StorageEncrypted');
  }
}

function failNoEngine(): never {
  throw new Error('The primary database has no engine to copy into the replica parameter group');
}
