import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { imageVariants, resizeFunction } from '@evermall/topology';
import { functionPlatform, functionsWorkspaceFunction, packagesForLambda } from './functions-workspace.js';
import { workspaceDir } from './workspace.js';

/** sharp's prebuilt binary and libvips for Lambda's platform (npm packages @img/sharp-<platform>, @img/sharp-libvips-<platform>). */
const sharpPlatform = `${functionPlatform.npm.os}${functionPlatform.npm.libc === 'glibc' ? '' : 'musl'}-${functionPlatform.npm.cpu}`;
export const sharpPlatformPackages = [`@img/sharp-${sharpPlatform}`, `@img/sharp-libvips-${sharpPlatform}`] as const;

/** How long a failed resize's event stays in the failure queue for someone to look at (SQS's longest). */
const failureRetention = Duration.days(14);

export interface MediaPipelineProps {
  readonly accessLogs: s3.IBucket;
}

/**
 * Product images in S3 and their sized variants (issue 16): an object created in the media bucket
 * whose name ends in one of topology's original suffixes invokes the resize function
 * (functions/src/resize-image.ts), which writes `variants/<key>/<width>.<format>` beside it.
 *
 * - The bucket: private (no public access, no ACLs, TLS only), SSE-S3, versioned with old versions
 *   kept 30 days (it holds the originals, which nothing else has), server access logs like the
 *   other buckets, kept when the stack is deleted.
 * - The function: topology's memory, timeout and reserved concurrency (resizeFunction), active
 *   X-Ray tracing; it may read any object and write only under `variants/`. S3 invokes it
 *   asynchronously: Lambda tries an event twice more, then sends it to the failure queue, where
 *   an alarm watches (Lambda Developer Guide, "Error handling and automatic retries in Lambda").
 * - A variant's own ObjectCreated event passes the `.webp`/`.avif` filters too (they are also
 *   original suffixes): the handler skips any key under `variants/` without reading it, so the
 *   chain stops after one step.
 * - sharp is not bundled: its JavaScript, its dependencies and the linux-x64 binary and libvips
 *   packages are copied from node_modules into the function's asset at synth (no network, no
 *   Docker); synthesis fails, naming the install command, when the binary for Lambda is missing.
 */
export class MediaPipeline extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly resizeFunction: nodejs.NodejsFunction;
  /** Events the function failed three times (ResizeError NOT_AN_IMAGE, IMAGE_TOO_LARGE, or a crash). */
  public readonly failures: sqs.Queue;

  constructor(scope: Construct, id: string, props: MediaPipelineProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'media-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.failures = new sqs.Queue(this, 'ResizeFailures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: failureRetention,
    });

    this.resizeFunction = functionsWorkspaceFunction(this, 'Resize', {
      description: 'Evermall: writes the sized AVIF and WebP variants of a product image put in the media bucket',
      entry: 'resize-image.ts',
      memorySize: resizeFunction.memoryMb,
      timeout: Duration.seconds(resizeFunction.timeoutSeconds),
      reservedConcurrentExecutions: resizeFunction.concurrency,
      retryAttempts: resizeFunction.retryDelaysSeconds.length,
      onFailure: new destinations.SqsDestination(this.failures),
      copiedPackages: packagesForLambda('sharp', workspaceDir('@evermall/functions'), sharpPlatformPackages),
    });
    // Originals are read wherever they are; variants are written only under their prefix.
    this.resizeFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects('*')] }));
    this.resizeFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects(`${imageVariants.prefix}*`)] }));

    // One notification per suffix: S3 filters on a key's prefix and suffix only (S3 User Guide,
    // "Configuring event notifications using object key name filtering"), and these do not overlap.
    for (const suffix of imageVariants.originalSuffixes) {
      this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(this.resizeFunction), { suffix });
    }
  }
}
