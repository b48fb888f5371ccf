import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

/**
 * Where the deploy-time maintenance page lives in the website bucket. The instances' upload
 * (`aws s3 sync --delete`) excludes this prefix, so the export never deletes it.
 */
export const maintenancePrefix = 'maintenance/';

/**
 * What the backup site shows before any export reached the bucket (a first deploy, or exports
 * failing), and for any page the export does not have: the website's error document.
 */
export const maintenancePage = `<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Evermall</title><meta name="robots" content="noindex"></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.6">
<h1>Evermall</h1>
<p lang="ko">지금은 점검 중이라 주문을 받을 수 없습니다. 잠시 후 다시 방문해 주세요.</p>
<p lang="en">The shop is down for maintenance and cannot take orders right now. Please come back shortly.</p>
</body></html>
`;

export interface BackupSiteProps {
  /**
   * The record name Route 53 fails over to. An S3 website alias only works when the bucket has
   * exactly that name (Route 53 Developer Guide, "Routing traffic to a website hosted in an S3 bucket").
   * Without a domain the bucket is private and reached through CloudFront with OAC.
   */
  readonly websiteDomainName?: string;
  readonly accessLogs: s3.IBucket;
  /**
   * Kept when its stack is deleted (parameter deletionProtection). A first deploy sets it false:
   * with a domain the bucket's name is fixed (the domain), so a retained bucket from a failed first
   * attempt would make the retry fail on "already exists"; unretained, the rollback empties
   * (every version) and deletes it.
   */
  readonly retain: boolean;
}

/**
 * The static, read-only catalog (`shop export-static`) that shoppers see while the shop is down.
 * With a domain it is an S3 website (HTTP only: S3 website endpoints do not serve HTTPS), seeded
 * with a maintenance page that is also its error document.
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
            websiteErrorDocument: `${maintenancePrefix}index.html`,
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
      ...(props.retain
        ? { removalPolicy: RemovalPolicy.RETAIN }
        : // The emptying custom resource acts only while the bucket carries its tag, which the
          // next (protected) deploy removes before deleting the resource (aws-s3 README,
          // "Bucket deletion"), so turning protection on never empties the bucket.
          { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true }),
    });
    // CloudFront (OAC, HTTPS) reads it as the /media/* failover origin, website or not. The
    // statement names the account rather than the distribution, because the distribution lives in
    // the edge stack, which depends on this one (CloudFront Developer Guide, "Restricting access to
    // an Amazon S3 origin").
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudFrontOriginAccessControl',
        principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { StringEquals: { 'AWS:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    if (props.websiteDomainName) {
      // Seeded at deploy time, so a failover before the first export shows a page, not an S3 error.
      new s3deploy.BucketDeployment(this, 'MaintenancePage', {
        sources: [s3deploy.Source.data('index.html', maintenancePage)],
        destinationBucket: this.bucket,
        destinationKeyPrefix: maintenancePrefix,
        prune: false,
        memoryLimit: 256,
      });
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
