import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { databasePort } from '@evermall/topology';
import { AccessLogs } from '../constructs/access-logs.js';
import { AppFleet } from '../constructs/app-fleet.js';
import { BackupSite } from '../constructs/backup-site.js';
import type { Cache } from '../constructs/cache.js';
import { databaseName, type Database } from '../constructs/database.js';
import { LoadBalancer } from '../constructs/load-balancer.js';
import { MediaPipeline } from '../constructs/media-pipeline.js';
import { OrderEvents } from '../constructs/order-events.js';
import { OriginVerify } from '../constructs/origin-verify.js';
import type { SharedMedia } from '../constructs/shared-media.js';
import { ShopBundle } from '../constructs/shop-bundle.js';
import { ShopCluster } from '../constructs/shop-cluster.js';
import { ShopImage } from '../constructs/shop-image.js';
import { ShopRelease, clusterMetricDimension } from '../constructs/shop-release.js';
import type { DomainParameters, EksParameters, FlashSale, ProfileSettings } from '../parameters.js';

export interface AppStackProps extends StackProps {
  readonly vpc: ec2.IVpc;
  readonly loadBalancerSecurityGroup: ec2.ISecurityGroup;
  readonly appSecurityGroup: ec2.ISecurityGroup;
  /** The order event consumers' group (SecurityGroups.eventConsumers), which the database admits. */
  readonly eventConsumersSecurityGroup: ec2.ISecurityGroup;
  /** The order notifier's sender (parameter mailFrom, or orders@<domainName>); without it the notifier is not deployed. */
  readonly mailFrom?: string;
  readonly database: Database;
  readonly media: SharedMedia;
  /** The Toss Payments keys (Data stack, filled by the operator), read by the instances besides the shop's login, its session key and the cache's AUTH token. */
  readonly paymentSecret: secretsmanager.ISecret;
  /** The cache (Data stack): the env step writes its primary endpoint and AUTH token for the shop. */
  readonly cache: Cache;
  /** The fixed name of the shop's Cognito app client secret, made later by the Identity stack. */
  readonly shopClientSecretName: string;
  /** An existing AMI instead of the image this stack bakes (parameter shopImageId). */
  readonly shopImageId?: string;
  readonly settings: ProfileSettings;
  readonly domain?: DomainParameters;
  /** A rotation of the CloudFront origin secret is under way (parameter originVerifyRotation). */
  readonly originVerifyRotation: boolean;
  /** The ALB's deletion protection and the website bucket's retention (parameter deletionProtection). */
  readonly deletionProtection: boolean;
  /** The boot migrates as the migration role instead of only checking the schema (parameter bootMigrates). */
  readonly bootMigrates: boolean;
  /** A planned flash sale the EC2 fleet is scaled up for (parameter flashSale). */
  readonly flashSale?: FlashSale;
  /** With compute=eks: the image to run, its repository (Data stack) and the RDS bundle; otherwise the EC2 fleet. */
  readonly eks?: EksParameters & { readonly repository: ecr.IRepository };
}

/**
 * The ALB, the bucket the shop exports the static backup site into, and the shop itself: the EC2
 * fleet and its baked image, or (compute=eks) the EKS cluster and the chart's release on it, behind
 * the same ALB. Beside it what the shop's work is handed to: the order events with their consumer
 * functions, and the media bucket with its resize function.
 */
export class AppStack extends Stack {
  public readonly loadBalancer: LoadBalancer;
  /** Only with compute=ec2. */
  public readonly fleet?: AppFleet;
  /** Only with compute=eks. */
  public readonly shopCluster?: ShopCluster;
  /** Only with compute=eks. */
  public readonly shopRelease?: ShopRelease;
  /** The tag that marks every instance the shop runs on, and only those (the fault-injection experiments' targets). */
  public readonly shopInstanceTag: { readonly key: string; readonly value: string };
  /** The dimension the shop's BackupSiteUploaded datapoints carry: the Auto Scaling group's name on EC2, the cluster's on EKS. */
  public readonly backupSiteMetricDimension: { readonly name: string; readonly value: string };
  /** Absent when parameter shopImageId names an existing AMI. */
  public readonly shopImage?: ShopImage;
  public readonly backupSite: BackupSite;
  /** The origin header's secret: CloudFront sends it, the ALB requires it. */
  public readonly originVerify: OriginVerify;
  /** The order events topic, the consumers' queues and their functions (issue 16). */
  public readonly orderEvents: OrderEvents;
  /** The media bucket and its resize function (issue 16). */
  public readonly mediaPipeline: MediaPipeline;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props);
    this.originVerify = new OriginVerify(this, 'OriginVerify', { rotating: props.originVerifyRotation });
    const accessLogs = new AccessLogs(this, 'AccessLogs');
    this.backupSite = new BackupSite(this, 'BackupSite', {
      ...(props.domain ? { websiteDomainName: props.domain.domainName } : {}),
      accessLogs: accessLogs.bucket,
      retain: props.deletionProtection,
    });
    this.loadBalancer = new LoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      securityGroup: props.loadBalancerSecurityGroup,
      accessLogs: accessLogs.bucket,
      ...(props.domain
        ? {
            https: {
              certificateArn: props.domain.albCertificateArn,
              domainName: props.domain.domainName,
              spaDomainName: props.domain.spaDomainName,
            },
          }
        : {}),
      originVerifyValues: this.originVerify.albValues(),
      deletionProtection: props.deletionProtection,
      ...(props.eks ? { targetType: elbv2.TargetType.IP } : {}),
    });
    const sessionSecret = new secretsmanager.Secret(this, 'SessionSecret', {
      description: 'Signs Evermall session and cart cookies (HMAC, not encrypted); the same on every instance',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const allowedOrigins = props.domain ? `https://${props.domain.spaDomainName}` : '';
    this.orderEvents = new OrderEvents(this, 'OrderEvents', {
      vpc: props.vpc,
      securityGroup: props.eventConsumersSecurityGroup,
      databaseSecret: props.database.consumerSecret,
      database: { host: props.database.instance.dbInstanceEndpointAddress, port: databasePort, name: databaseName },
      ...(props.mailFrom ? { mailFrom: props.mailFrom } : {}),
    });
    this.mediaPipeline = new MediaPipeline(this, 'MediaPipeline', { accessLogs: accessLogs.bucket });
    if (props.eks) {
      this.shopCluster = new ShopCluster(this, 'ShopCluster', {
        vpc: props.vpc,
        nodeSecurityGroup: props.appSecurityGroup,
        nodeInstanceType: props.settings.nodeInstanceType,
        fileSystem: props.media.fileSystem,
      });
      this.shopRelease = new ShopRelease(this, 'ShopRelease', {
        shopCluster: this.shopCluster,
        repository: props.eks.repository,
        imageTag: props.eks.imageTag,
        targetGroup: this.loadBalancer.targetGroup,
        appDatabaseSecret: props.database.appSecret,
        migratorDatabaseSecret: props.database.migratorSecret,
        sessionSecret,
        paymentSecret: props.paymentSecret,
        cacheAuthSecret: props.cache.authSecret,
        shopClientSecretName: props.shopClientSecretName,
        databaseHost: props.database.instance.dbInstanceEndpointAddress,
        ...(props.database.readReplica ? { readerHost: props.database.readReplica.dbInstanceEndpointAddress } : {}),
        rdsCaBundle: props.eks.rdsCaBundle,
        cacheHost: props.cache.primaryEndpointAddress,
        fileSystem: props.media.fileSystem,
        accessPoint: props.media.accessPoint,
        vpcCidr: props.vpc.vpcCidrBlock,
        allowedOrigins,
        backupBucket: this.backupSite.bucket,
        eventBrokerUrl: this.orderEvents.topic.topicArn,
        mediaBucket: this.mediaPipeline.bucket,
      });
      this.orderEvents.grantPublish(this.shopRelease.shopRole);
      // EKS tags every managed node with its cluster's name.
      this.shopInstanceTag = { key: 'eks:cluster-name', value: this.shopCluster.cluster.clusterName };
      this.backupSiteMetricDimension = { name: clusterMetricDimension, value: this.shopCluster.cluster.clusterName };
      return;
    }
    const bundle = new ShopBundle(this, 'ShopBundle');
    if (!props.shopImageId) this.shopImage = new ShopImage(this, 'ShopImage', { vpc: props.vpc });
    const imageId = props.shopImageId ?? this.shopImage?.imageId;
    if (!imageId) throw new Error('The shop fleet needs an image');
    this.fleet = new AppFleet(this, 'Fleet', {
      vpc: props.vpc,
      securityGroup: props.appSecurityGroup,
      instanceType: props.settings.instanceType,
      targetGroup: this.loadBalancer.targetGroup,
      bundle: bundle.asset,
      fileSystem: props.media.fileSystem,
      accessPoint: props.media.accessPoint,
      imageId,
      appDatabaseSecret: props.database.appSecret,
      migratorDatabaseSecret: props.database.migratorSecret,
      ...(props.database.readReplica ? { readerHost: props.database.readReplica.dbInstanceEndpointAddress } : {}),
      sessionSecret,
      paymentSecret: props.paymentSecret,
      cacheAuthSecret: props.cache.authSecret,
      cacheHost: props.cache.primaryEndpointAddress,
      shopClientSecretName: props.shopClientSecretName,
      backupBucket: this.backupSite.bucket,
      allowedOrigins,
      bootMigrates: props.bootMigrates,
      ...(props.flashSale ? { flashSale: props.flashSale } : {}),
      eventBrokerUrl: this.orderEvents.topic.topicArn,
      mediaBucket: this.mediaPipeline.bucket,
    });
    this.orderEvents.grantPublish(this.fleet.role);
    // Auto Scaling tags every instance of the group with its name.
    this.shopInstanceTag = { key: 'aws:autoscaling:groupName', value: this.fleet.group.autoScalingGroupName };
    this.backupSiteMetricDimension = { name: 'AutoScalingGroupName', value: this.fleet.group.autoScalingGroupName };
  }
}
