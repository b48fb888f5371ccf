import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { consumerRole } from '@evermall/shop/db-roles';
import { databaseRoles } from '@evermall/shop/release';
import { database as topologyDatabase, databasePort } from '@evermall/topology';

export interface DatabaseProps {
  readonly vpc: ec2.IVpc;
  /** The only peer admitted, on the DB port (besides the rotation function). */
  readonly appSecurityGroup: ec2.ISecurityGroup;
  /** The DatabaseRoles function's group: the shop's roles are created at deploy, as the master user. */
  readonly databaseRolesSecurityGroup: ec2.ISecurityGroup;
  /** The order event consumers' group (OrderEvents): they write the notifications' and the analytics' rows. */
  readonly eventConsumersSecurityGroup: ec2.ISecurityGroup;
  /** e.g. m7g.large; the `db.` prefix is added by RDS. */
  readonly instanceType: string;
  readonly readReplica: boolean;
  readonly allocatedStorageGiB: number;
  readonly maxAllocatedStorageGiB: number;
  readonly iamAuthentication: boolean;
  readonly rotationDays: number;
  /** Off for a first deploy only, so a failed one can roll back (parameter deletionProtection). */
  readonly deletionProtection: boolean;
}

/**
 * The full engine version is pinned so a deploy never upgrades the database by surprise;
 * minor upgrades are a reviewed change here. The major version comes from topology/.
 */
const engineVersions: Record<number, rds.PostgresEngineVersion> = {
  15: rds.PostgresEngineVersion.VER_15_17,
  16: rds.PostgresEngineVersion.VER_16_13,
};

/** Database name the shop connects to. */
export const databaseName = 'evermall';

/** The parameter group's settings, the same on the recovery region's replica (cross-region-database.ts). */
export const databaseParameters = {
  // Refuse unencrypted connections (RDS User Guide, "Using SSL with a PostgreSQL DB instance").
  'rds.force_ssl': '1',
  log_min_duration_statement: '500',
} as const;

/**
 * RDS for PostgreSQL, Multi-AZ: a synchronous standby in the other zone takes over on failure
 * and the endpoint's DNS name moves to it (RDS User Guide, "Multi-AZ DB instance deployments").
 * The read replica is asynchronous and only serves catalog reads; it is never a failover target.
 */
export class Database extends Construct {
  public readonly instance: rds.DatabaseInstance;
  public readonly readReplica?: rds.DatabaseInstanceReadReplica;
  public readonly securityGroup: ec2.SecurityGroup;
  /** The master user's login: the DatabaseRoles custom resource creates the shop's roles with it, and the rotation functions act as it. Never the instances'. */
  public readonly masterSecret: secretsmanager.ISecret;
  /** What every instance logs in as (`evermall_app`, alternating with `evermall_app_clone`): rows only, no DDL. */
  public readonly appSecret: secretsmanager.ISecret;
  /** What migrations run as (`evermall_migrator`): owns the schema. */
  public readonly migratorSecret: secretsmanager.ISecret;
  /**
   * What the order event consumers log in as (`evermall_consumer`, alternating users): the columns a
   * notification needs, their inbox and the analytics store (shop/src/db/roles.ts). Never the instances'.
   */
  public readonly consumerSecret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const version = engineVersions[topologyDatabase.engineMajorVersion];
    if (!version) throw new Error(`No pinned PostgreSQL version for major ${topologyDatabase.engineMajorVersion}`);
    const engine = rds.DatabaseInstanceEngine.postgres({ version });

    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: 'Evermall: TLS only, slow statements logged',
      parameters: { ...databaseParameters },
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      // Unchanged since the first deploy: a new description would replace the group.
      description: 'RDS PostgreSQL: the DB port from the shop instances only',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(props.appSecurityGroup, ec2.Port.tcp(databasePort), 'from the shop instances');
    this.securityGroup.addIngressRule(props.databaseRolesSecurityGroup, ec2.Port.tcp(databasePort), 'from the database-roles function (deploy time)');
    this.securityGroup.addIngressRule(props.eventConsumersSecurityGroup, ec2.Port.tcp(databasePort), 'from the order event consumer functions');
    const instanceType = new ec2.InstanceType(props.instanceType);
    const vpcSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      engine,
      instanceType,
      vpc: props.vpc,
      vpcSubnets,
      securityGroups: [this.securityGroup],
      port: databasePort,
      databaseName,
      credentials: rds.Credentials.fromGeneratedSecret('evermall_admin'),
      multiAz: topologyDatabase.multiAz,
      storageType: rds.StorageType.GP3,
      allocatedStorage: props.allocatedStorageGiB,
      maxAllocatedStorage: props.maxAllocatedStorageGiB,
      storageEncrypted: true,
      backupRetention: Duration.days(topologyDatabase.backupRetentionDays),
      preferredBackupWindow: '17:00-18:00',
      preferredMaintenanceWindow: 'sun:18:30-sun:19:30',
      deletionProtection: props.deletionProtection,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      enablePerformanceInsights: true,
      monitoringInterval: Duration.seconds(60),
      cloudwatchLogsExports: ['postgresql', 'upgrade'],
      iamAuthentication: props.iamAuthentication,
      autoMinorVersionUpgrade: false,
      parameterGroup,
      copyTagsToSnapshot: true,
    });

    const masterSecret = this.instance.secret;
    if (!masterSecret) throw new Error('The database has no generated master secret');
    this.masterSecret = masterSecret;
    // The shop's own logins (shop/src/db/roles.ts). Attached to the instance, so each secret also
    // holds host, port, dbname and engine, as the rotation functions and the env step need (Secrets
    // Manager User Guide, "AWS Secrets Manager rotation function templates", Amazon RDS PostgreSQL;
    // aws-rds README, "Rotating credentials": rotate the attached secret).
    this.appSecret = new rds.DatabaseSecret(this, 'AppSecret', { username: databaseRoles.app, masterSecret }).attach(this.instance);
    this.migratorSecret = new rds.DatabaseSecret(this, 'MigratorSecret', { username: databaseRoles.migrator, masterSecret }).attach(this.instance);
    this.consumerSecret = new rds.DatabaseSecret(this, 'ConsumerSecret', { username: consumerRole, masterSecret }).attach(this.instance);

    // The rotation functions run in the app subnets and share one security group, the only peer
    // the database admits besides the shop instances.
    const rotationSecurityGroup = new ec2.SecurityGroup(this, 'RotationFunctions', {
      vpc: props.vpc,
      description: 'Secrets Manager rotation functions of the Evermall database logins',
    });
    const rotation = {
      automaticallyAfter: Duration.days(props.rotationDays),
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroup: rotationSecurityGroup,
    };
    this.instance.addRotationSingleUser(rotation);
    // The app's login alternates between two users (Secrets Manager User Guide, "Rotation by
    // alternating users"): each rotation gives the user not in the secret a new password and
    // flips the secret to it, so the user the fleet's open connections logged in as keeps working
    // until the next rotation, and instances pick the new one up on their next connection
    // (DATABASE_CREDENTIALS_FILE). The clone is created as a member of evermall_app, inheriting
    // its privileges. Not rotated at deploy: a rotation function first logs in with the current
    // user, which the DatabaseRoles custom resource creates later in the same deploy.
    this.instance.addRotationMultiUser('AppRotation', { ...rotation, secret: this.appSecret, rotateImmediatelyOnUpdate: false });
    // The consumers' login alternates too: a function reads it once per execution environment, and
    // the user it read keeps working until the rotation after next.
    this.instance.addRotationMultiUser('ConsumerRotation', { ...rotation, secret: this.consumerSecret, rotateImmediatelyOnUpdate: false });
    // The migration role rotates as a single user: migrations run once per boot and read the secret
    // then, and objects it creates must stay owned by one role (a clone would own them).
    new secretsmanager.SecretRotation(this, 'MigratorRotation', {
      ...rotation,
      application: secretsmanager.SecretRotationApplication.POSTGRES_ROTATION_SINGLE_USER,
      secret: this.migratorSecret,
      target: this.instance,
      vpc: props.vpc,
      rotateImmediatelyOnUpdate: false,
    });

    if (props.readReplica) {
      this.readReplica = new rds.DatabaseInstanceReadReplica(this, 'ReadReplica', {
        sourceDatabaseInstance: this.instance,
        instanceType,
        vpc: props.vpc,
        vpcSubnets,
        securityGroups: [this.securityGroup],
        port: databasePort,
        // Encryption is inherited from the source (the template may not repeat it).
        storageType: rds.StorageType.GP3,
        parameterGroup,
        deletionProtection: props.deletionProtection,
        removalPolicy: RemovalPolicy.SNAPSHOT,
        enablePerformanceInsights: true,
        monitoringInterval: Duration.seconds(60),
        cloudwatchLogsExports: ['postgresql'],
        iamAuthentication: props.iamAuthentication,
        autoMinorVersionUpgrade: false,
      });
    }
  }
}
