import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** What a recovery-region bucket holds a copy of: the SPA, the static backup site, the media (originals and variants). */
export type ReplicatedContent = 'spa' | 'site' | 'media';

/**
 * The name of the recovery region's copy of a bucket: fixed, so that the primary region's
 * replication rule can name it without a reference back into the recovery region, and unique
 * across accounts (bucket names are global) through the account id and the region.
 */
export function replicaBucketName(stackPrefix: string, content: ReplicatedContent, region: string): string {
  const name = `${stackPrefix.toLowerCase()}-${content}-${Aws.ACCOUNT_ID}-${region}`;
  // An account id is 12 digits; bucket names are at most 63 characters (S3 User Guide, "Bucket naming rules").
  const length = name.length - Aws.ACCOUNT_ID.length + 12;
  if (length > 63) throw new Error(`The ${content} copy's bucket name would have ${length} characters (at most 63): use a shorter stackPrefix`);
  return name;
}

export interface ReplicaBucketProps {
  readonly accessLogs: s3.IBucket;
  readonly bucketName: string;
  /** CloudFront reads it with origin access control (the SPA and the backup site: public content). */
  readonly cloudFrontReads: boolean;
}

/**
 * A replication destination in the recovery region: versioned (S3 replication requires versioning
 * on both buckets), private, TLS only, SSE-S3 like its sources, logged, kept on deletion.
 */
export class ReplicaBucket extends Construct {
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ReplicaBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: `${id.toLowerCase()}/`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (props.cloudFrontReads) {
      // The primary region's distribution falls back to this copy; it lives in a stack deployed
      // after this one, so the statement names the account, as BackupSite's does.
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CloudFrontOriginAccessControl',
          principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
          actions: ['s3:GetObject'],
          resources: [this.bucket.arnForObjects('*')],
          conditions: { StringEquals: { 'AWS:SourceAccount': Aws.ACCOUNT_ID } },
        }),
      );
    }
  }
}

export interface CrossRegionReplicationProps {
  /** The primary region's bucket; it must be versioned. */
  readonly source: s3.Bucket;
  /** The recovery region's copy (ReplicaBucket, replicaBucketName). */
  readonly destinationBucketName: string;
}

/**
 * S3 cross-region replication of one bucket into its copy in the recovery region (S3 User Guide,
 * "Replicating objects within and across Regions"): every new object version and delete marker is
 * copied asynchronously, most within seconds to minutes (no Replication Time Control, so no
 * 15-minute SLA). Objects already in the bucket when the rule is added are not copied: a Batch
 * Replication job does that once (infra/README.md, "Disaster recovery").
 *
 * The rule goes onto the source's own CloudFormation resource, so the construct is added to the
 * source bucket's stack; its role may read the source's versions and write only replicas into the
 * copy (S3 User Guide, "Setting up permissions for live replication").
 */
export class CrossRegionReplication extends Construct {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: CrossRegionReplicationProps) {
    super(scope, id);
    const source = props.source.node.defaultChild as s3.CfnBucket;
    const versioning = source.versioningConfiguration as s3.CfnBucket.VersioningConfigurationProperty | undefined;
    if (versioning?.status !== 'Enabled') throw new Error(`${props.source.node.path} is not versioned: S3 replication requires versioning on the source`);
    const destinationArn = Stack.of(this).formatArn({ service: 's3', region: '', account: '', resource: props.destinationBucketName });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
      description: `Evermall: S3 replication of ${props.source.node.path} into ${props.destinationBucketName}`,
    });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'], resources: [props.source.bucketArn] }));
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
        resources: [props.source.arnForObjects('*')],
      }),
    );
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], resources: [`${destinationArn}/*`] }));

    source.replicationConfiguration = {
      role: this.role.roleArn,
      rules: [
        {
          id: 'recovery-region',
          status: 'Enabled',
          priority: 0,
          filter: { prefix: '' },
          // The copy mirrors deletions too (the backup site's `sync --delete`), as versions, not for good.
          deleteMarkerReplication: { status: 'Enabled' },
          destination: { bucket: destinationArn },
        },
      ],
    };
  }
}
