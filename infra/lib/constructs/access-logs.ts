import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface AccessLogsProps {
  /** CloudFront standard logs need ACLs enabled on the target bucket (CloudFront Developer Guide, "Standard logging"). */
  readonly forCloudFront?: boolean;
}

/**
 * A bucket that receives access logs (ALB, S3 server access, CloudFront). It is the end of the
 * logging chain, so it does not log its own access. ALB logs require SSE-S3
 * (ELB User Guide, "Enable access logs for your Application Load Balancer").
 */
export class AccessLogs extends Construct {
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogsProps = {}) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: props.forCloudFront ? s3.ObjectOwnership.OBJECT_WRITER : s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
