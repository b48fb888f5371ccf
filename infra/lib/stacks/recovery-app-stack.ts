import { CfnCondition, CfnOutput, CfnParameter, Fn, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { AppFleet } from '../constructs/app-fleet.js';
import { EntryPointAlarm, RegionalFailoverDns } from '../constructs/cross-region-failover-dns.js';
import { replicaBucketName } from '../constructs/cross-region-replication.js';
import { replicaSecretArn } from '../constructs/cross-region-secrets.js';
import { LoadBalancer } from '../constructs/load-balancer.js';
import type { OrderEvents } from '../constructs/order-events.js';
import { holdInStandby } from '../constructs/recovery-standby.js';
import { ShopBundle } from '../constructs/shop-bundle.js';
import { ShopImage } from '../constructs/shop-image.js';
import type { DomainParameters, ProfileSettings } from '../parameters.js';
import { apiOriginName, entryPointAlarmName, recoveryAppOutputs, recoveryAppParameters } from '../recovery-names.js';
import type { RecoveryDataStack } from './recovery-data-stack.js';
import type { RecoveryStorageStack } from './recovery-storage-stack.js';

/** What the standby takes from the primary region's App and Data stacks (cross-region references). */
export interface PrimaryRegionApp {
  readonly region: string;
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** Replicated here: the origin header's secret (CloudFront sends the primary's value to whichever ALB answers). */
  readonly originVerifySecret: secretsmanager.ISecret;
  readonly sessionSecret: secretsmanager.ISecret;
  readonly paymentSecret: secretsmanager.ISecret;
  readonly cacheAuthSecret: secretsmanager.ISecret;
  /** The order events topic stays in the primary region; the outbox keeps events it cannot take. */
  readonly orderEvents: OrderEvents;
}

export interface RecoveryAppStackProps extends StackProps {
  readonly vpc: ec2.IVpc;
  readonly loadBalancerSecurityGroup: ec2.ISecurityGroup;
  readonly appSecurityGroup: ec2.ISecurityGroup;
  readonly stackPrefix: string;
  readonly domain: DomainParameters;
  /** The ACM certificate of this region for its ALB (parameter recoveryAlbCertificateArn). */
  readonly albCertificateArn: string;
  readonly settings: ProfileSettings;
  readonly originVerifyRotation: boolean;
  readonly deletionProtection: boolean;
  /** The fixed name of the shop's Cognito client secret: absent in this region, so the standby signs in with local accounts only. */
  readonly shopClientSecretName: string;
  readonly primary: PrimaryRegionApp;
  readonly data: RecoveryDataStack;
  readonly storage: RecoveryStorageStack;
}

/**
 * The recovery region's shop: an ALB like the primary's (HTTPS, the origin header, the apex
 * redirect), the EC2 fleet on an image baked in this region and held at zero until the promotion
 * (Serving), and the Route 53 failover pair between the two regions' ALBs (ActiveRegion). Its
 * instances read the replicas of the primary region's secrets and mount the media file system's
 * copy; the promotion turns those into this region's own. They keep product images in the media
 * bucket's copy, which S3 replication fills and which takes writes at any time.
 */
export class RecoveryAppStack extends Stack {
  public readonly loadBalancer: LoadBalancer;
  public readonly fleet: AppFleet;
  public readonly shopImage: ShopImage;
  public readonly failoverDns: RegionalFailoverDns;
  public readonly entryPointAlarm: EntryPointAlarm;
  public readonly serving: CfnCondition;
  public readonly activeRegion: CfnParameter;

  constructor(scope: Construct, id: string, props: RecoveryAppStackProps) {
    super(scope, id, { ...props, crossRegionReferences: true });
    const servingParameter = new CfnParameter(this, recoveryAppParameters.serving, {
      type: 'String',
      allowedValues: ['false', 'true'],
      default: 'false',
      description: 'Set by `npm run dr -- promote`: true gives the fleet its capacity; a deploy keeps the previous value',
    });
    this.serving = new CfnCondition(this, 'ServingCondition', { expression: Fn.conditionEquals(servingParameter.valueAsString, 'true') });
    this.activeRegion = new CfnParameter(this, recoveryAppParameters.activeRegion, {
      type: 'String',
      allowedValues: [props.primary.region, this.region],
      default: props.primary.region,
      description: 'Set by `npm run dr -- promote`: the region api.<domain> sends shoppers to; a deploy keeps the previous value',
    });

    const replica = (secret: secretsmanager.ISecret, name: string) => secretsmanager.Secret.fromSecretCompleteArn(this, name, replicaSecretArn(secret.secretArn, this.region));
    const originVerify = replica(props.primary.originVerifySecret, 'OriginVerifyCopy');
    this.loadBalancer = new LoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      securityGroup: props.loadBalancerSecurityGroup,
      accessLogs: props.storage.accessLogs.bucket,
      https: { certificateArn: props.albCertificateArn, domainName: props.domain.domainName, spaDomainName: props.domain.spaDomainName },
      // The primary's value, replicated: CloudFront sends it to whichever region's ALB api.<domain> names.
      originVerifyValues: props.originVerifyRotation
        ? ['AWSCURRENT', 'AWSPREVIOUS'].map((versionStage) => SecretValue.secretsManager(originVerify.secretArn, { versionStage }).unsafeUnwrap())
        : [originVerify.secretValue.unsafeUnwrap()],
      deletionProtection: props.deletionProtection,
    });

    this.shopImage = new ShopImage(this, 'ShopImage', { vpc: props.vpc });
    this.fleet = new AppFleet(this, 'Fleet', {
      vpc: props.vpc,
      securityGroup: props.appSecurityGroup,
      instanceType: props.settings.instanceType,
      targetGroup: this.loadBalancer.targetGroup,
      bundle: new ShopBundle(this, 'ShopBundle').asset,
      fileSystem: props.storage.mediaFileSystem.media.fileSystem,
      accessPoint: props.storage.mediaFileSystem.media.accessPoint,
      imageId: this.shopImage.imageId,
      appDatabaseSecret: secretsmanager.Secret.fromSecretCompleteArn(this, 'AppLogin', props.data.loginArns.app),
      migratorDatabaseSecret: secretsmanager.Secret.fromSecretCompleteArn(this, 'MigratorLogin', props.data.loginArns.migrator),
      // The promoted replica is the writer; there is no reader in this region.
      bootMigrates: false,
      sessionSecret: replica(props.primary.sessionSecret, 'SessionSecretCopy'),
      paymentSecret: replica(props.primary.paymentSecret, 'PaymentSecretCopy'),
      cacheAuthSecret: replica(props.primary.cacheAuthSecret, 'CacheAuthCopy'),
      cacheHost: props.data.cache.primaryEndpointAddress,
      shopClientSecretName: props.shopClientSecretName,
      // By its fixed name: the site's copy becomes this region's backup-site bucket once promoted.
      backupBucket: s3.Bucket.fromBucketName(this, 'SiteCopy', replicaBucketName(props.stackPrefix, 'site', this.region)),
      allowedOrigins: `https://${props.domain.spaDomainName}`,
      eventBrokerUrl: props.primary.orderEvents.topic.topicArn,
      // By its fixed name, as the site's: the media bucket's copy (originals and variants, replicated) becomes this
      // region's media bucket once promoted. No resize function runs here, so an upload made here is served as it is.
      mediaBucket: s3.Bucket.fromBucketName(this, 'MediaCopy', replicaBucketName(props.stackPrefix, 'media', this.region)),
    });
    props.primary.orderEvents.grantPublish(this.fleet.role);
    holdInStandby(this.fleet, this.serving);

    this.entryPointAlarm = new EntryPointAlarm(this, 'EntryPoint', { targetGroup: this.loadBalancer.targetGroup, alarmName: entryPointAlarmName(props.stackPrefix) });
    this.failoverDns = new RegionalFailoverDns(this, 'RegionalFailover', {
      hostedZoneId: props.domain.hostedZoneId,
      recordName: apiOriginName(props.domain.domainName),
      activeRegion: this.activeRegion,
      primary: { region: props.primary.region, loadBalancer: props.primary.loadBalancer, alarmName: entryPointAlarmName(props.stackPrefix) },
      recovery: { region: this.region, loadBalancer: this.loadBalancer.alb, alarmName: entryPointAlarmName(props.stackPrefix) },
    });
    // Route 53 refuses a health check on an alarm that does not exist yet; the primary's is in its App stack, deployed first.
    this.failoverDns.healthChecks.recovery.node.addDependency(this.entryPointAlarm);

    new CfnOutput(this, recoveryAppOutputs.fleetName, { value: this.fleet.group.autoScalingGroupName, description: 'The fleet the promotion scales up' });
    new CfnOutput(this, recoveryAppOutputs.targetGroupArn, {
      value: this.loadBalancer.targetGroup.targetGroupArn,
      description: 'Its target group: healthy targets mean it serves',
    });
    new CfnOutput(this, recoveryAppOutputs.apiOriginName, { value: apiOriginName(props.domain.domainName), description: 'The failover pair api.<domain> aliases' });
  }
}
