import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageVariantKey, imageVariants, resizeFunction } from '@evermall/topology';
import { MEDIA_KEY_GLOB } from '@evermall/shop/release';
import { packagesForLambda } from '../lib/constructs/functions-workspace.js';
import { sharpPlatformPackages } from '../lib/constructs/media-pipeline.js';
import { shopRelease } from '../lib/constructs/shop-release.js';
import { only, renderText, resourcesOf, synthesize, template, type CfnJson, type ResourceOf, type Synthesized } from './support/synthesized.js';

// The media bucket and its resize function (issue 16), in the small profile without a domain, and
// the shop's uploads into it on either compute (compute=eks for the pods).
let s: Synthesized;
let eks: Synthesized;
beforeAll(() => {
  s = synthesize('small-no-domain');
  eks = synthesize('eks');
});

const ref = (value: CfnJson): string => JSON.stringify(value);
const mediaBucket = (): ResourceOf => {
  const found = resourcesOf(template(s, 'app'), 'AWS::S3::Bucket').filter((b) => b.id.startsWith('MediaPipelineBucket'));
  if (found.length !== 1) throw new Error(`expected one media bucket, found ${found.length}`);
  return found[0]!;
};
/** Each action a role's policies allow, on each resource, as `action resource` (CDK merges statements, so their shape is not the point). */
const grantsOf = (t: ReturnType<typeof template>, roleId: string): string[] =>
  resourcesOf(t, 'AWS::IAM::Policy')
    .filter((p) => ref(p.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as CfnJson[])
    .filter((st) => st.Effect === 'Allow')
    .flatMap((st) => [st.Action].flat().flatMap((action: string) => [st.Resource].flat().map((resource: CfnJson) => `${action} ${renderText(resource)}`)));
/** What a role may do in the media bucket (its grants that name the bucket). */
const mediaGrantsOf = (t: ReturnType<typeof template>, roleId: string, bucketId: string): string[] =>
  grantsOf(t, roleId)
    .filter((grant) => grant.includes(bucketId))
    .sort();
/** An IAM resource wildcard as a regular expression: `*` any run of characters, `?` any one (IAM User Guide, "IAM JSON policy elements: Resource"). */
const iamWildcard = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

const resize = (): ResourceOf => {
  const found = resourcesOf(template(s, 'app'), 'AWS::Lambda::Function').filter((f) => f.id.startsWith('MediaPipelineResize'));
  if (found.length !== 1) throw new Error(`expected one resize function, found ${found.length}`);
  return found[0]!;
};

describe('the media bucket', () => {
  it('is private, encrypted, versioned with old versions expiring, access-logged like the other buckets, and kept', () => {
    const bucket = mediaBucket();
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: { LogFilePrefix: 'media-bucket/' },
    });
    expect(ref(bucket.Properties.LoggingConfiguration.DestinationBucketName)).toContain('AccessLogsBucket');
    expect(bucket.Properties.LifecycleConfiguration.Rules).toContainEqual(expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }));
    expect(bucket.DeletionPolicy).toBe('Retain');
  });

  it('refuses requests without TLS', () => {
    template(s, 'app').hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: mediaBucket().id },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});

describe('the S3 → Lambda trigger', () => {
  it('invokes the resize function on every ObjectCreated whose key ends in one of topology’s original suffixes, one filter each', () => {
    const notifications = only(template(s, 'app'), 'Custom::S3BucketNotifications');
    expect(notifications.Properties.BucketName).toEqual({ Ref: mediaBucket().id });
    const configurations = notifications.Properties.NotificationConfiguration.LambdaFunctionConfigurations as CfnJson[];
    expect(configurations).toHaveLength(imageVariants.originalSuffixes.length);
    for (const [i, suffix] of imageVariants.originalSuffixes.entries()) {
      expect(configurations[i]).toEqual({
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: suffix }] } },
        LambdaFunctionArn: { 'Fn::GetAtt': [resize().id, 'Arn'] },
      });
    }
  });

  it('lets S3 invoke the function only for this bucket and account', () => {
    template(s, 'app').hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [resize().id, 'Arn'] },
      Principal: 's3.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: { 'Fn::GetAtt': [mediaBucket().id, 'Arn'] },
    });
  });
});

describe('the resize function', () => {
  it('runs with topology’s memory, timeout and reserved concurrency, on Node 24 x86_64, traced', () => {
    expect(resize().Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['x86_64'],
      Handler: 'index.handler',
      MemorySize: resizeFunction.memoryMb,
      Timeout: resizeFunction.timeoutSeconds,
      ReservedConcurrentExecutions: resizeFunction.concurrency,
      TracingConfig: { Mode: 'Active' },
    });
  });

  it('is retried as topology says, then sends the event to its failure queue, which an alarm watches', () => {
    const t = template(s, 'app');
    const failures = resourcesOf(t, 'AWS::SQS::Queue').find((q) => q.id.startsWith('MediaPipelineResizeFailures'));
    expect(failures?.Properties.SqsManagedSseEnabled).toBe(true);
    t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: resize().id },
      MaximumRetryAttempts: resizeFunction.retryDelaysSeconds.length,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failures!.id, 'Arn'] } } },
    });
    const alarm = resourcesOf(template(s, 'observability'), 'AWS::CloudWatch::Alarm').find((a) => a.id.startsWith('ObservabilityResizeFailures'));
    expect(alarm?.Properties).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS', Threshold: 1, EvaluationPeriods: 1 });
    expect(ref(alarm?.Properties.Dimensions)).toContain(failures!.id);
  });

  it('may read any object of the bucket and write only under the variants prefix', () => {
    const t = template(s, 'app');
    const statements = resourcesOf(t, 'AWS::IAM::Policy')
      .filter((p) => ref(p.Properties.Roles).includes(resize().Properties.Role['Fn::GetAtt'][0]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as CfnJson[]);
    const onBucket = statements.filter((x) => ref(x.Resource).includes(mediaBucket().id));
    expect(onBucket).toEqual([
      expect.objectContaining({ Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [mediaBucket().id, 'Arn'] }, '/*']] } }),
      expect.objectContaining({ Action: 's3:PutObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [mediaBucket().id, 'Arn'] }, `/${imageVariants.prefix}*`]] } }),
    ]);
  });

  it('ships sharp beside the bundle with the linux-x64 binary and libvips, and no other platform’s', () => {
    const fn = s.stacks.app.mediaPipeline.resizeFunction;
    const asset = fn.node.findAll().find((c): c is s3assets.Asset => 'assetPath' in c && typeof (c as s3assets.Asset).assetPath === 'string');
    const dir = asset!.assetPath;
    const bundle = readFileSync(path.join(dir, 'index.mjs'), 'utf8');
    // sharp is imported at run time, not bundled: its native loader must find its platform package.
    expect(bundle).toMatch(/from\s*"sharp"/);
    expect(existsSync(path.join(dir, 'node_modules', 'sharp', 'package.json'))).toBe(true);
    const img = readdirSync(path.join(dir, 'node_modules', '@img'));
    expect(img).toEqual(expect.arrayContaining([...sharpPlatformPackages.map((p) => p.slice('@img/'.length)), 'colour']));
    expect(img.filter((p) => p.startsWith('sharp-'))).toEqual(sharpPlatformPackages.map((p) => p.slice('@img/'.length)).sort());
    const binary = readdirSync(path.join(dir, 'node_modules', sharpPlatformPackages[0], 'lib'));
    expect(binary.some((f) => f.endsWith('.node'))).toBe(true);
  });
});

describe('the shop’s uploads into the bucket', () => {
  const bucketArn = () => `\${Fn::GetAtt:["${mediaBucket().id}","Arn"]}`;
  const shopGrants = (arn: string) => [`s3:DeleteObject ${arn}/*`, `s3:GetObject ${arn}/*`, `s3:ListBucket ${arn}`, `s3:PutObject ${arn}/${MEDIA_KEY_GLOB}`].sort();

  it('names the bucket to the instances as MEDIA_BUCKET, with its region', () => {
    const userData = renderText(only(template(s, 'app'), 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData);
    expect(userData).toContain(`Environment=MEDIA_BUCKET=\${Ref:"${mediaBucket().id}"}\n`);
    expect(userData).toContain('Environment=MEDIA_BUCKET_REGION=${Ref:"AWS::Region"}\n');
  });

  it('lets the instance role read any object, put originals only, remove objects and learn that a key is missing; nothing else in the bucket', () => {
    const t = template(s, 'app');
    const role = resourcesOf(t, 'AWS::IAM::Role').find((r) => r.id.startsWith('FleetInstanceRole'))!;
    expect(mediaGrantsOf(t, role.id, mediaBucket().id)).toEqual(shopGrants(bucketArn()));
  });

  it('puts originals only: the wildcard takes every key the shop generates and no variant key', () => {
    const originals = iamWildcard(MEDIA_KEY_GLOB);
    const keys = ['0123456789abcdef0123456789abcdef.png', 'ffffffffffffffffffffffffffffffff.jpg', 'fedcba9876543210fedcba9876543210.svg'];
    for (const key of keys) expect(key, key).toMatch(originals);
    for (const key of keys) {
      for (const width of imageVariants.widths) {
        for (const format of imageVariants.formats) expect(imageVariantKey(key, width, format)).not.toMatch(originals);
      }
    }
    expect(`${imageVariants.prefix}x`).not.toMatch(originals);
  });

  it('on EKS: the chart names the bucket and its region, and the shop pods’ role has the instances’ access', () => {
    const t = template(eks, 'app');
    const bucket = resourcesOf(t, 'AWS::S3::Bucket').find((b) => b.id.startsWith('MediaPipelineBucket'))!;
    const chart = resourcesOf(t, 'Custom::AWSCDK-EKS-HelmChart').find((c) => c.Properties.Release === shopRelease.name);
    expect(renderText(chart?.Properties.Values)).toContain(`"bucket":"\${Ref:"${bucket.id}"}","bucketRegion":"ap-northeast-2"`);
    const podRole = resourcesOf(t, 'AWS::IAM::Role').find((r) => r.id.startsWith('ShopClusterShopPods'))!;
    expect(mediaGrantsOf(t, podRole.id, bucket.id)).toEqual(shopGrants(`\${Fn::GetAtt:["${bucket.id}","Arn"]}`));
  });
});

describe('packagesForLambda', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'evermall-lambda-packages-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const install = (name: string, manifest: Record<string, unknown>) => {
    mkdirSync(path.join(root, 'node_modules', name), { recursive: true });
    writeFileSync(path.join(root, 'node_modules', name, 'package.json'), JSON.stringify({ name, ...manifest }));
  };
  install('imaging', { dependencies: { helper: '1' }, optionalDependencies: { '@img/imaging-linux-x64': '1', '@img/imaging-darwin-arm64': '1', '@img/imaging-linux-arm64': '1' } });
  install('helper', {});
  install('@img/imaging-darwin-arm64', { os: ['darwin'], cpu: ['arm64'] });
  install('@img/imaging-linux-arm64', { os: ['linux'], cpu: ['arm64'], libc: ['glibc'] });

  it('fails, naming the install command, when Lambda’s platform binary is not installed', () => {
    expect(() => packagesForLambda('imaging', root, ['@img/imaging-linux-x64'])).toThrow(
      /@img\/imaging-linux-x64 .* is not installed: run npm install --no-save --os=linux --cpu=x64 --libc=glibc imaging/,
    );
  });

  it('takes the dependencies and only the optional packages built for linux-x64-glibc', () => {
    install('@img/imaging-linux-x64', { os: ['linux'], cpu: ['x64'], libc: ['glibc'] });
    expect(packagesForLambda('imaging', root, ['@img/imaging-linux-x64']).map((p) => p.name)).toEqual(['@img/imaging-linux-x64', 'helper', 'imaging']);
  });
});
