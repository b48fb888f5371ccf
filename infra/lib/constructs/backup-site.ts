import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface BackupSiteProps {
  /**
   * The record name Route 53 fails over to. An S3 website alias only works when the bucket has
   * exactly that name (Route 53 Developer Guide, "Routing traffic to a website hosted in an S3 bucket").
   * Without a domain the bucket is private and reached through CloudFront with OAC.
   */
  readonly websiteDomainName?: string;
  readonly accessLogs: s3.IBucket;
}

/**
 * The static, read-only catalog (`shop export-static`) that shoppers see while the shop is down.
 * With a domain it is an S3 website (HTTP only: S3 website endpoints do not serve HTTPS).
 */
export class BackupSite extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly isWebsite: boolean;

  constructor(scope: Construct, id: string, props: BackupSiteProps) {
    super(scope, id);
    this.isWebsite = props.websiteDomainName !== undefined;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...(props.websiteDomainName
        ? {
            bucketName: props.websiteDomainName,
            websiteIndexDocument: 'index.html',
            websiteErrorDocument: 'index.html',
            // A website endpoint can only read objects that are public; nothing else is.
            blockPublicAccess: new s3.BlockPublicAccess({
              blockPublicAcls: true,
              ignorePublicAcls: true,
              blockPublicPolicy: false,
              restrictPublicBuckets: false,
            }),
            enforceSSL: false,
          }
        : { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, enforceSSL: true }),
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(7) }],
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'backup-site/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (!props.websiteDomainName) {
      // CloudFront (OAC) reads it as a failover origin. The statement names the account rather
      // than the distribution, because the distribution lives in the edge stack, which depends
      // on this one (CloudFront Developer Guide, "Restricting access to an Amazon S3 origin").
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
    if (props.websiteDomainName) {
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'PublicReadForWebsite',
          principals: [new iam.AnyPrincipal()],
          actions: ['s3:GetObject'],
          resources: [this.bucket.arnForObjects('*')],
        }),
      );
    }
  }
}
