import { ArnFormat, Aws, Duration, Lazy, RemovalPolicy, Stack, type CfnElement } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as efs from 'aws-cdk-lib/aws-efs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { autoScaling, warmPool } from '@evermall/topology';
import type { FlashSale } from '../parameters.js';
import { grantBackupSiteUpload } from './backup-site-upload.js';
import { grantShopMediaAccess } from './shop-media-access.js';
import { launchReadyHookName, launchReadyTimeoutSeconds, renderShopUserData } from './user-data.js';

export interface AppFleetProps {
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly instanceType: string;
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  readonly bundle: s3assets.Asset;
  readonly fileSystem: efs.FileSystem;
  readonly accessPoint: efs.AccessPoint;
  /** The AMI: the image ShopImage baked, or parameter shopImageId. */
  readonly imageId: string;
  /** The shop's own login (evermall_app, alternating users) and the migration role's. */
  readonly appDatabaseSecret: secretsmanager.ISecret;
  readonly migratorDatabaseSecret: secretsmanager.ISecret;
  /** The boot migrates (a first deploy) instead of only checking the schema (parameter bootMigrates). */
  readonly bootMigrates: boolean;
  readonly readerHost?: string;
  readonly sessionSecret: secretsmanager.ISecret;
  /** The Toss Payments keys, written into the service's environment by the env step. */
  readonly paymentSecret: secretsmanager.ISecret;
  /** The cache's AUTH token (Cache, Data stack), written into the service's environment by the env step. */
  readonly cacheAuthSecret: secretsmanager.ISecret;
  /** The cache's primary endpoint, which follows a failover. */
  readonly cacheHost: string;
  /** The fixed name of the shop's Cognito app client secret (Identity stack, deployed after this one). */
  readonly shopClientSecretName: string;
  readonly backupBucket: s3.IBucket;
  readonly allowedOrigins: string;
  /** A planned flash sale: scheduled actions raise min and desired before it and lower min after (parameter flashSale). */
  readonly flashSale?: FlashSale;
  /** The order events topic's ARN, the shop's EVENT_BROKER_URL (the role's sns:Publish is OrderEvents.grantPublish). */
  readonly eventBrokerUrl: string;
  /** The media bucket (MediaPipeline), the shop's MEDIA_BUCKET: uploads go there and images are served from there. */
  readonly mediaBucket: s3.IBucket;
}

/**
 * How long before a planned sale the fleet is raised: taking instances from the warm pool, starting
 * them, completing their launch hook and passing the ALB's initial health checks takes minutes at
 * worst, and launches beyond the pool boot from scratch; shoppers arrive at the start.
 */
export const flashSaleLeadMinutes = 15;

/** A CloudFormation ScheduledAction StartTime: ISO 8601 in UTC to the second. */
export function scheduledActionTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The shop's EC2 fleet: an Auto Scaling group over the private subnets of both zones, with a
 * launch template on the shop's own image (Amazon Linux 2023 with the packages its boot uses,
 * ShopImage), IMDSv2 only, no key pair and no SSH: operators use SSM Session Manager. The instances
 * never read the master database secret: the shop's roles are created at deploy (DatabaseRoles).
 */
export class AppFleet extends Construct {
  public readonly group: autoscaling.AutoScalingGroup;
  public readonly role: iam.Role;
  public readonly events: sns.Topic;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AppFleetProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Evermall shop instances: DB secret, bundle, media, backup site, logs, Session Manager',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'), iam.ManagedPolicy.fromAwsManagedPolicyName('CloudWatchAgentServerPolicy')],
    });
    // The shop's logins, its session key, the payment keys and the cache's AUTH token; never the master user's.
    for (const secret of [props.appDatabaseSecret, props.migratorDatabaseSecret, props.sessionSecret, props.paymentSecret, props.cacheAuthSecret]) secret.grantRead(this.role);
    // The shop's sign-in client, by name: the Identity stack creating it comes after this one. `-??????`
    // is the suffix Secrets Manager appends to every secret's ARN, so no other secret matches; in
    // particular not the social providers' secrets (`<prefix>/identity-providers/*`), which only Cognito uses.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [
          stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${props.shopClientSecretName}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        ],
      }),
    );
    // Exactly the bundle object, not the whole asset bucket.
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.bundle.bucket.arnForObjects(props.bundle.s3ObjectKey)] }));
    props.fileSystem.grantReadWrite(this.role);
    grantBackupSiteUpload(this.role, props.backupBucket, { metric: false });
    grantShopMediaAccess(this.role, props.mediaBucket);

    // The group's name is fixed so that the instances' permission to complete their launch
    // hook can name the group without depending on it (the group depends on the role).
    const groupName = `${Aws.STACK_NAME}-shop`;
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['autoscaling:CompleteLifecycleAction'],
        resources: [
          stack.formatArn({
            service: 'autoscaling',
            resource: 'autoScalingGroup',
            resourceName: `*:autoScalingGroupName/${groupName}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.logGroup.grantWrite(this.role);

    const eventsKey = new kms.Key(this, 'EventsKey', {
      description: 'Encrypts the fleet events topic',
      enableKeyRotation: true,
    });
    // Auto Scaling publishes its notifications with its service-linked role, which must be able to use the key.
    eventsKey.grantEncryptDecrypt(new iam.ServicePrincipal('autoscaling.amazonaws.com'));
    this.events = new sns.Topic(this, 'Events', { displayName: 'Evermall fleet events', masterKey: eventsKey, enforceSSL: true });

    const userData = ec2.UserData.forLinux();
    const launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      machineImage: { getImage: () => ({ imageId: props.imageId, osType: ec2.OperatingSystemType.LINUX, userData }) },
      instanceType: new ec2.InstanceType(props.instanceType),
      securityGroup: props.securityGroup,
      role: this.role,
      userData,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(16, { volumeType: ec2.EbsDeviceVolumeType.GP3, encrypted: true, deleteOnTermination: true }),
        },
      ],
    });

    this.group = new autoscaling.AutoScalingGroup(this, 'Group', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      autoScalingGroupName: groupName,
      launchTemplate,
      minCapacity: autoScaling.minCapacity,
      maxCapacity: autoScaling.maxCapacity,
      // DesiredCapacity is left out of the template on purpose: CloudFormation would reset the
      // group to it on every deploy, undoing a scale-out in the middle of a peak. The group starts
      // at MinSize, which topology keeps equal to desiredCapacity (the parity test checks it).
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod: Duration.seconds(autoScaling.healthCheckGracePeriodSeconds),
      }),
      defaultInstanceWarmup: Duration.seconds(autoScaling.instanceWarmupSeconds),
      groupMetrics: [autoscaling.GroupMetrics.all()],
      notifications: [{ topic: this.events }],
      // Creation waits until min capacity instances signal a healthy shop.
      signals: autoscaling.Signals.waitForMinCapacity({ timeout: Duration.minutes(15) }),
      // A new launch template version (new bundle, new AMI) is rolled out by an instance
      // refresh that keeps topology's share of capacity healthy.
      updatePolicy: autoscaling.UpdatePolicy.instanceRefresh({
        strategy: autoscaling.InstanceRefreshStrategy.ROLLING,
        minHealthyPercentage: autoScaling.minHealthyPercentage,
        maxHealthyPercentage: autoScaling.minHealthyPercentage + 100,
        instanceWarmup: Duration.seconds(autoScaling.instanceWarmupSeconds),
        skipMatching: true,
      }),
      terminationPolicies: [autoscaling.TerminationPolicy.OLDEST_LAUNCH_TEMPLATE, autoscaling.TerminationPolicy.DEFAULT],
    });
    // cfn-lint 1.51's schema predates the AutoScalingInstanceRefresh update policy (CloudFormation
    // User Guide, "UpdatePolicy attribute"), so it reports E3016 for it; nothing else is ignored.
    (this.group.node.defaultChild as autoscaling.CfnAutoScalingGroup).addMetadata('cfn-lint', { config: { ignore_checks: ['E3016'] } });
    this.group.attachToApplicationTargetGroup(props.targetGroup);
    // A new instance stays Pending:Wait, unregistered and outside the health-check grace
    // period, until its bootstrap reports the shop healthy: a slow boot cannot be mistaken for
    // a failed instance, and an instance refresh waits for real readiness (EC2 Auto Scaling
    // User Guide, "Amazon EC2 Auto Scaling lifecycle hooks"). The hook is part of the group
    // itself so that it also holds the very first instances.
    (this.group.node.defaultChild as autoscaling.CfnAutoScalingGroup).lifecycleHookSpecificationList = [
      {
        lifecycleHookName: launchReadyHookName,
        lifecycleTransition: autoscaling.LifecycleTransition.INSTANCE_LAUNCHING,
        heartbeatTimeout: launchReadyTimeoutSeconds,
        defaultResult: autoscaling.DefaultResult.ABANDON,
      },
    ];
    this.group.scaleOnCpuUtilization('CpuTarget', {
      targetUtilizationPercent: autoScaling.cpuTargetPercent,
    });
    // The warm pool (topology's warmPool): instances that ran the whole bootstrap once, stopped. A
    // scale-out starts one instead of launching and bootstrapping a new one. The launch hook holds
    // each instance twice, in Warmed:Pending:Wait and again in Pending:Wait when it leaves the pool
    // (EC2 Auto Scaling User Guide, "Use lifecycle hooks with a warm pool"); the user data completes
    // the first, the evermall-launch-ready unit the second (user-data.ts). Stopped instances are billed
    // for their EBS volume only.
    this.group.addWarmPool({
      minSize: warmPool.minSize,
      maxGroupPreparedCapacity: warmPool.maxGroupPreparedCapacity,
      poolState: autoscaling.PoolState.STOPPED,
      reuseOnScaleIn: warmPool.reuseOnScaleIn,
    });
    if (props.flashSale) this.scheduleFlashSale(props.flashSale);

    userData.addCommands(
      renderShopUserData({
        region: Aws.REGION,
        stackName: Aws.STACK_NAME,
        autoScalingGroupLogicalId: Lazy.string({ produce: () => stack.getLogicalId(this.group.node.defaultChild as CfnElement) }),
        autoScalingGroupName: groupName,
        bundleBucket: props.bundle.s3BucketName,
        bundleKey: props.bundle.s3ObjectKey,
        fileSystemId: props.fileSystem.fileSystemId,
        accessPointId: props.accessPoint.accessPointId,
        appSecretArn: props.appDatabaseSecret.secretArn,
        migratorSecretArn: props.migratorDatabaseSecret.secretArn,
        ...(props.readerHost ? { readerHost: props.readerHost } : {}),
        sessionSecretArn: props.sessionSecret.secretArn,
        paymentSecretArn: props.paymentSecret.secretArn,
        cacheAuthSecretArn: props.cacheAuthSecret.secretArn,
        cacheHost: props.cacheHost,
        shopClientSecretName: props.shopClientSecretName,
        backupBucket: props.backupBucket.bucketName,
        logGroupName: this.logGroup.logGroupName,
        allowedOrigins: props.allowedOrigins,
        vpcCidr: props.vpc.vpcCidrBlock,
        bootMigrates: props.bootMigrates,
        eventBrokerUrl: props.eventBrokerUrl,
        mediaBucket: props.mediaBucket.bucketName,
      }),
    );
  }

  /**
   * One-time scheduled actions (no recurrence) around a planned sale (EC2 Auto Scaling User Guide,
   * "Scheduled scaling"): min and desired go up flashSaleLeadMinutes before it, so target tracking
   * cannot scale the fleet back in before shoppers arrive; at its end only min comes down, and target
   * tracking lowers desired as the load goes, after its scale-in cooldown, not in one cut.
   */
  private scheduleFlashSale(sale: FlashSale): void {
    const groupName = this.group.autoScalingGroupName;
    new autoscaling.CfnScheduledAction(this, 'FlashSaleScaleOut', {
      autoScalingGroupName: groupName,
      startTime: scheduledActionTime(Date.parse(sale.start) - flashSaleLeadMinutes * 60_000),
      minSize: sale.capacity,
      desiredCapacity: sale.capacity,
    });
    new autoscaling.CfnScheduledAction(this, 'FlashSaleScaleIn', {
      autoScalingGroupName: groupName,
      startTime: scheduledActionTime(Date.parse(sale.end)),
      minSize: autoScaling.minCapacity,
    });
  }
}
