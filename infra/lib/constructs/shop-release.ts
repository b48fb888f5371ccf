import path from 'node:path';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as efs from 'aws-cdk-lib/aws-efs';
import * as eks from 'aws-cdk-lib/aws-eks';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { backupSiteUploadCheckSeconds, backupSiteUploadScript, grantBackupSiteUpload } from './backup-site-upload.js';
import { grantShopMediaAccess } from './shop-media-access.js';
import { cachePort } from './cache.js';
import type { ShopCluster } from './shop-cluster.js';
import { instanceDirectories } from './user-data.js';
import { workspaceDir } from './workspace.js';

/** The shop's namespace and Helm release; the chart names its service accounts after the release. */
export const shopRelease = {
  namespace: 'evermall',
  name: 'evermall-shop',
  serviceAccount: 'evermall-shop',
  migrateServiceAccount: 'evermall-shop-migrate',
} as const;

/** The chart's folder (containers/chart/evermall-shop), found through the containers workspace. */
export const shopChartDir = (): string => path.join(workspaceDir('@evermall/containers'), 'chart', 'evermall-shop');

export interface ShopReleaseProps {
  readonly shopCluster: ShopCluster;
  readonly repository: ecr.IRepository;
  readonly imageTag: string;
  /** The ALB's target group (target type ip): the pods are registered in it by a TargetGroupBinding. */
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  readonly appDatabaseSecret: secretsmanager.ISecret;
  readonly migratorDatabaseSecret: secretsmanager.ISecret;
  readonly sessionSecret: secretsmanager.ISecret;
  readonly paymentSecret: secretsmanager.ISecret;
  readonly cacheAuthSecret: secretsmanager.ISecret;
  /** The fixed name of the shop's Cognito app client secret (Identity stack, deployed after this one). */
  readonly shopClientSecretName: string;
  readonly databaseHost: string;
  readonly readerHost?: string;
  /** The region's RDS certificate bundle (PEM). */
  readonly rdsCaBundle: string;
  readonly cacheHost: string;
  readonly fileSystem: efs.IFileSystem;
  /** The EC2 fleet's access point: the pods mount the very same media. */
  readonly accessPoint: efs.IAccessPoint;
  readonly vpcCidr: string;
  readonly allowedOrigins: string;
  /** The static backup site's bucket: each pod's sidecar uploads a fresh export, as the EC2 instances do. */
  readonly backupBucket: s3.IBucket;
  /** The order events topic's ARN, the shop's EVENT_BROKER_URL (the pods' sns:Publish is OrderEvents.grantPublish). */
  readonly eventBrokerUrl: string;
  /** The media bucket (MediaPipeline), the shop's MEDIA_BUCKET, as on EC2. */
  readonly mediaBucket: s3.IBucket;
}

/** The dimension of the pods' BackupSiteUploaded datapoints (Observability's BackupSiteStale alarm reads it). */
export const clusterMetricDimension = 'ClusterName';

/**
 * The shop on the cluster: the chart in containers/chart/evermall-shop, installed from a local asset
 * with every AWS identifier filled in from the stacks (containers/README.md, "What infra must
 * pass"), and the two Pod Identity roles it runs with. The shop's role reads exactly the secrets the
 * EC2 instance role reads for the shop; the migration Job's role reads only the migrator's login,
 * which the shop's may not. The chart's migration hook runs before any new pod starts (helm
 * pre-install/pre-upgrade), and `atomic` rolls a failed upgrade back.
 */
export class ShopRelease extends Construct {
  public readonly shopRole: iam.Role;
  public readonly migrateRole: iam.Role;
  public readonly chart: eks.HelmChart;
  /** The chart's values as given to helm (tokens resolve at deploy). */
  public readonly values: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: ShopReleaseProps) {
    super(scope, id);
    const { shopCluster } = props;
    const stack = Stack.of(this);

    this.shopRole = shopCluster.podRole('ShopPods', 'Evermall shop pods: the app login, session key, payment keys, cache AUTH token and sign-in client');
    for (const secret of [props.appDatabaseSecret, props.sessionSecret, props.paymentSecret, props.cacheAuthSecret]) secret.grantRead(this.shopRole);
    grantBackupSiteUpload(this.shopRole, props.backupBucket, { metric: true });
    grantShopMediaAccess(this.shopRole, props.mediaBucket);
    // The sign-in client by name, as on EC2 (AppFleet): `-??????` is the suffix Secrets Manager appends.
    this.shopRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [
          stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${props.shopClientSecretName}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        ],
      }),
    );
    this.migrateRole = shopCluster.podRole('MigratePods', 'Evermall migration Job: the migrator login only');
    props.migratorDatabaseSecret.grantRead(this.migrateRole);
    const associations = [
      shopCluster.associate('ShopPodsIdentity', shopRelease.namespace, shopRelease.serviceAccount, this.shopRole),
      shopCluster.associate('MigratePodsIdentity', shopRelease.namespace, shopRelease.migrateServiceAccount, this.migrateRole),
    ];

    this.values = {
      image: { repository: props.repository.repositoryUri, tag: props.imageTag },
      secrets: {
        usePodIdentity: true,
        appSecretArn: props.appDatabaseSecret.secretArn,
        migratorSecretArn: props.migratorDatabaseSecret.secretArn,
        sessionSecretArn: props.sessionSecret.secretArn,
        paymentSecretArn: props.paymentSecret.secretArn,
        cacheAuthSecretArn: props.cacheAuthSecret.secretArn,
        signInSecretName: props.shopClientSecretName,
      },
      database: { host: props.databaseHost, readerHost: props.readerHost ?? '', caBundle: props.rdsCaBundle },
      cache: { host: props.cacheHost, port: cachePort },
      proxies: { vpcCidr: props.vpcCidr },
      media: {
        fileSystemId: props.fileSystem.fileSystemId,
        accessPointId: props.accessPoint.accessPointId,
        bucket: props.mediaBucket.bucketName,
        bucketRegion: stack.region,
      },
      allowedOrigins: props.allowedOrigins,
      events: { brokerUrl: props.eventBrokerUrl },
      // CloudFront's origin stays the ALB this stack owns (origin header, WAF, Route 53 failover):
      // the controller registers the pods in its target group instead of making an ALB of its own.
      targetGroupBinding: { targetGroupArn: props.targetGroup.targetGroupArn },
      // The instances' own upload script (the chart's pods use the same directories), run by a sidecar.
      backupSite: {
        uploadScript: backupSiteUploadScript({
          awsCli: 'aws',
          bucket: props.backupBucket.bucketName,
          region: stack.region,
          directories: instanceDirectories,
          metricDimension: { name: clusterMetricDimension, value: shopCluster.cluster.clusterName },
        }),
        checkSeconds: backupSiteUploadCheckSeconds,
      },
    };
    this.chart = shopCluster.cluster.addHelmChart('Shop', {
      chartAsset: new s3assets.Asset(this, 'Chart', { path: shopChartDir() }),
      release: shopRelease.name,
      namespace: shopRelease.namespace,
      createNamespace: true,
      values: this.values,
      // Waits for the migration hook and for the new pods to be ready; a failure rolls the release back.
      wait: true,
      atomic: true,
      timeout: Duration.minutes(15),
    });
    for (const dependency of [...associations, ...shopCluster.addOns]) this.chart.node.addDependency(dependency);
  }
}
