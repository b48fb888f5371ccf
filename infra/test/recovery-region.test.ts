import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { autoScaling, databasePort } from '@evermall/topology';
import { MEDIA_KEY_GLOB } from '@evermall/shop/release';
import { exampleDomain, exampleEksImage, exampleRecoveryCertificateArn } from '../lib/configurations.js';
import { recoveryCopyRetentionDays } from '../lib/constructs/cross-region-backup.js';
import { globalDatastoreNodeTypeProblem } from '../lib/constructs/cross-region-cache.js';
import { CrossRegionReplication } from '../lib/constructs/cross-region-replication.js';
import { parseParameters } from '../lib/parameters.js';
import { recoveryNagAcknowledgementsFor } from '../lib/recovery-nag-acknowledgements.js';
import { apiOriginName, entryPointAlarmName, recoveryAppParameters } from '../lib/recovery-names.js';
import { cfnLint, cfnLintAvailable, only, renderText, resourcesOf, synthesize, template, type CfnJson, type Synthesized } from './support/synthesized.js';

// The production example with the standby in Osaka (configuration `dr`), synthesized once, offline.
let s: Synthesized;
const recoveryRoles = ['recoveryNetwork', 'recoveryStorage', 'recoveryData', 'recoveryApp'] as const;
const recovery = {} as Record<(typeof recoveryRoles)[number], Template>;
beforeAll(() => {
  s = synthesize('dr');
  for (const role of recoveryRoles) {
    const stack = s.stacks[role];
    if (!stack) throw new Error(`dr has no ${role} stack`);
    recovery[role] = Template.fromJSON(JSON.parse(readFileSync(path.join(s.outdir, stack.templateFile), 'utf8')) as Record<string, unknown>);
  }
});

const recoveryRegion = 'ap-northeast-3';
const account = '${Ref:"AWS::AccountId"}';
/** A cross-region reference as the consuming template reads it: an attribute of the export reader. */
const imported = /^\$\{Fn::GetAtt:\["ExportsReader[0-9A-F]+","\/cdk\/exports\//;
const copyName = (content: string) => `evermall-${content}-${account}-${recoveryRegion}`;

// Every cdk-nag finding the recovery region accepts, written out so that a new one shows in review.
const reviewedAcknowledgements = [
  'app BackupSiteReplication/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<BackupSiteBucket752B1EAE.Arn>/*]',
  'app BackupSiteReplication/Role/DefaultPolicy AwsSolutions-IAM5[Resource::arn:aws:s3:::evermall-site-<AWS::AccountId>-ap-northeast-3/*]',
  'app MediaReplication/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<MediaPipelineBucketD24FE6FD.Arn>/*]',
  'app MediaReplication/Role/DefaultPolicy AwsSolutions-IAM5[Resource::arn:aws:s3:::evermall-media-<AWS::AccountId>-ap-northeast-3/*]',
  'edge SpaReplication/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<SpaBucket49E09520.Arn>/*]',
  'edge SpaReplication/Role/DefaultPolicy AwsSolutions-IAM5[Resource::arn:aws:s3:::evermall-spa-<AWS::AccountId>-ap-northeast-3/*]',
  'recoveryNetwork SecurityGroups/LoadBalancer AwsSolutions-EC23',
  'recoveryData Database/Replica/MonitoringRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
  'recoveryData Database/Replica AwsSolutions-RDS11',
  'recoveryData Cache/ReplicationGroup AwsSolutions-AEC4',
  'recoveryData Cache/ReplicationGroup AwsSolutions-AEC5',
  'recoveryData Cache/ReplicationGroup AwsSolutions-AEC6',
  'recoveryApp Fleet/InstanceRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
  'recoveryApp Fleet/InstanceRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/CloudWatchAgentServerPolicy]',
  'recoveryApp Fleet/InstanceRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:aws:s3:::evermall-site-<AWS::AccountId>-ap-northeast-3/*]',
  'recoveryApp Fleet/InstanceRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:aws:autoscaling:ap-northeast-3:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/<AWS::StackName>-shop]',
  'recoveryApp Fleet/InstanceRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:aws:s3:::evermall-media-<AWS::AccountId>-ap-northeast-3/*]',
  'recoveryApp Fleet/InstanceRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:aws:s3:::evermall-media-<AWS::AccountId>-ap-northeast-3/????????????????????????????????.*]',
  'recoveryApp Fleet/Group @aws-cdk/aws-autoscaling:signalsNotUsedByInstanceRefresh',
  'recoveryApp ShopImage/BuildRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
  'recoveryApp ShopImage/BuildRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:aws:imagebuilder:ap-northeast-3:<AWS::AccountId>:component/<AWS::StackName>-shop-packages/*]',
  'recoveryApp ShopImage/BuildRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::ec2imagebuilder*]',
  'recoveryApp ShopImage/BuildRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:aws:logs:ap-northeast-3:<AWS::AccountId>:log-group:/aws/imagebuilder/<AWS::StackName>-shop-recipe:*]',
];

describe('the recovery region (parameter recovery=replica)', () => {
  it('is off unless configured, refuses aurora-global, and needs a domain, a certificate of its region and a cache a Global Datastore takes', () => {
    expect(parseParameters({ ...exampleDomain }).recovery).toBeUndefined();
    const on = { ...exampleDomain, recovery: 'replica', recoveryAlbCertificateArn: exampleRecoveryCertificateArn };
    expect(parseParameters(on).recovery).toEqual({ region: recoveryRegion, albCertificateArn: exampleRecoveryCertificateArn });
    expect(() => parseParameters({ ...on, recovery: 'aurora-global' })).toThrow(/Invalid parameter recovery: aurora-global is documented, not built/);
    expect(() => parseParameters({ recovery: 'replica', recoveryAlbCertificateArn: exampleRecoveryCertificateArn })).toThrow(/replica needs a domain/);
    expect(() => parseParameters({ ...on, recoveryAlbCertificateArn: undefined })).toThrow(/Invalid parameter recoveryAlbCertificateArn/);
    expect(() => parseParameters({ ...on, recoveryAlbCertificateArn: exampleDomain.albCertificateArn })).toThrow(/must be in ap-northeast-3/);
    expect(() => parseParameters({ ...on, recoveryRegion: 'ap-northeast-2' })).toThrow(/Invalid parameter recoveryRegion/);
    expect(() => parseParameters({ ...on, profile: 'small' })).toThrow(/Invalid parameter cacheNodeType: cache\.t4g\.small/);
    expect(() => parseParameters({ ...on, compute: 'eks', ...exampleEksImage })).toThrow(/Invalid parameter recovery: the standby region runs the EC2 fleet/);
    expect(globalDatastoreNodeTypeProblem('cache.m7g.large')).toBeUndefined();
    expect(globalDatastoreNodeTypeProblem('cache.r6gd.xlarge')).toBeUndefined();
    expect(globalDatastoreNodeTypeProblem('cache.m7g.medium')).toMatch(/large and above/);
  });

  it('adds four stacks in the recovery region, region-only, with no lookups', () => {
    expect(s.missingContext).toEqual([]);
    for (const role of recoveryRoles) {
      expect(s.stacks[role]?.region).toBe(recoveryRegion);
      expect(s.stacks[role]?.account).toMatch(/^\$\{Token/);
    }
  });

  it('has no unacknowledged cdk-nag finding in any stack, and exactly the reviewed acknowledgements', () => {
    expect(s.nagFindings).toEqual([]);
    const findings = recoveryRoles.flatMap((role) =>
      new AwsSolutionsChecks(s.stacks[role]!.node.root)
        .validateScope(s.stacks[role]!)
        .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)),
    );
    expect(findings).toEqual([]);
    expect(recoveryNagAcknowledgementsFor({ stackPrefix: 'Evermall', recoveryRegion }).map((a) => `${a.stack} ${a.path} ${a.id}`)).toEqual(reviewedAcknowledgements);
    for (const ack of recoveryNagAcknowledgementsFor({ stackPrefix: 'Evermall', recoveryRegion })) expect(ack.reason.length, ack.id).toBeGreaterThan(30);
  });

  it.skipIf(!cfnLintAvailable)('passes cfn-lint with 0 errors on every template, both regions (skipped without cfn-lint)', () => {
    const result = cfnLint(s.outdir);
    expect(result.errors, result.output).toEqual([]);
  });
});

describe('database: an RDS cross-region read replica', () => {
  it('names its source by ARN, the primary region’s instance, and encrypts with a key of the recovery region', () => {
    const replica = only(recovery.recoveryData, 'AWS::RDS::DBInstance');
    expect(renderText(replica.Properties.SourceDBInstanceIdentifier)).toMatch(
      new RegExp(`^arn:aws:rds:ap-northeast-2:\\$\\{Ref:"AWS::AccountId"\\}:db:\\$\\{Fn::GetAtt:\\["ExportsReader`),
    );
    expect(renderText(replica.Properties.SourceDBInstanceIdentifier)).toContain('RefDatabaseInstance');
    const key = resourcesOf(recovery.recoveryData, 'AWS::KMS::Key').find((k) => String(k.Properties.Description).includes('database'))!;
    expect(replica.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [key.id, 'Arn'] });
    expect(key.Properties.EnableKeyRotation).toBe(true);
    // CloudFormation refuses StorageEncrypted next to SourceDBInstanceIdentifier; KmsKeyId encrypts.
    expect(replica.Properties.StorageEncrypted).toBeUndefined();
    expect(replica.Properties).toMatchObject({ MultiAZ: true, Port: String(databasePort), DeletionProtection: true, PubliclyAccessible: false });
    expect(replica.DeletionPolicy).toBe('Snapshot');
  });

  it('admits the recovery fleet only, on the database port', () => {
    const group = resourcesOf(recovery.recoveryData, 'AWS::EC2::SecurityGroup').find((g) => String(g.Properties.GroupDescription).startsWith('RDS PostgreSQL replica'))!;
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    const ingress = resourcesOf(recovery.recoveryData, 'AWS::EC2::SecurityGroupIngress').filter((r) => r.Properties.GroupId['Fn::GetAtt'][0] === group.id);
    expect(ingress.map((r) => r.Properties)).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: databasePort, ToPort: databasePort })]);
    expect(renderText(ingress[0]!.Properties.SourceSecurityGroupId)).toContain('Evermall-RecoveryNetwork:ExportsOutputFnGetAttSecurityGroupsApp');
  });

  it('replicates the database logins and the shop’s other secrets into the recovery region', () => {
    const replicated = (role: 'data' | 'app') =>
      resourcesOf(template(s, role), 'AWS::SecretsManager::Secret')
        .filter((r) => JSON.stringify(r.Properties.ReplicaRegions) === JSON.stringify([{ Region: recoveryRegion }]))
        .map((r) => r.id.replace(/[0-9A-F]{8,}.*$/, ''));
    expect(replicated('data').sort()).toEqual(['CacheAuthToken', 'DatabaseAppSecret', 'DatabaseMigratorSecret', 'EvermallDataDatabaseInstanceSecret', 'PaymentProviderTossSecret']);
    expect(replicated('app').sort()).toEqual(['OriginVerifySecret', 'SessionSecret']);
  });
});

describe('AWS Backup: a copy of every recovery point in the recovery region', () => {
  it('copies the daily rule’s recovery points into the recovery region’s vault, kept as long', () => {
    const plan = only(template(s, 'data'), 'AWS::Backup::BackupPlan');
    const [rule, ...others] = plan.Properties.BackupPlan.BackupPlanRule as CfnJson[];
    expect(others).toEqual([]);
    expect(rule.CopyActions).toHaveLength(1);
    expect(renderText(rule.CopyActions[0].DestinationBackupVaultArn)).toBe(`arn:aws:backup:${recoveryRegion}:${account}:backup-vault:Evermall-recovery`);
    expect(rule.CopyActions[0].Lifecycle).toEqual({ DeleteAfterDays: recoveryCopyRetentionDays });
    expect(only(recovery.recoveryStorage, 'AWS::Backup::BackupVault').Properties.BackupVaultName).toBe('Evermall-recovery');
  });
});

describe('S3 cross-region replication: the SPA, the backup site and the media', () => {
  const sources = [
    { role: 'edge' as const, bucket: 'SpaBucket', copy: 'spa' },
    { role: 'app' as const, bucket: 'BackupSiteBucket', copy: 'site' },
    { role: 'app' as const, bucket: 'MediaPipelineBucket', copy: 'media' },
  ];

  it.each(sources)('$bucket: versioned, replicated by its own role into $copy in the recovery region', ({ role, bucket, copy }) => {
    const t = template(s, role);
    const source = resourcesOf(t, 'AWS::S3::Bucket').find((b) => b.id.startsWith(bucket))!;
    expect(source.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const replication = source.Properties.ReplicationConfiguration;
    expect(replication.Rules).toEqual([
      {
        Id: 'recovery-region',
        Status: 'Enabled',
        Priority: 0,
        Filter: { Prefix: '' },
        DeleteMarkerReplication: { Status: 'Enabled' },
        Destination: { Bucket: expect.anything() },
      },
    ]);
    expect(renderText(replication.Rules[0].Destination.Bucket)).toBe(`arn:aws:s3:::${copyName(copy)}`);
    const roleId = replication.Role['Fn::GetAtt'][0] as string;
    const replicationRole = t.toJSON().Resources[roleId];
    expect(replicationRole.Properties.AssumeRolePolicyDocument.Statement).toEqual([expect.objectContaining({ Principal: { Service: 's3.amazonaws.com' } })]);
    const policy = resourcesOf(t, 'AWS::IAM::Policy').find((p) => (p.Properties.Roles as CfnJson[]).some((r) => r.Ref === roleId))!;
    const statements = policy.Properties.PolicyDocument.Statement as CfnJson[];
    // Reads on the source bucket and its versions, replica writes on the copy's objects, nothing else.
    const grants = Object.fromEntries(statements.map((st) => [renderText(st.Resource), [st.Action].flat().sort()]));
    const sourceArn = renderText({ 'Fn::GetAtt': [source.id, 'Arn'] });
    expect(grants).toEqual({
      [sourceArn]: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
      [`${sourceArn}/*`]: ['s3:GetObjectVersionAcl', 's3:GetObjectVersionForReplication', 's3:GetObjectVersionTagging'],
      [`arn:aws:s3:::${copyName(copy)}/*`]: ['s3:ReplicateDelete', 's3:ReplicateObject', 's3:ReplicateTags'],
    });
    expect(statements.every((st) => st.Effect === 'Allow' && !st.Condition)).toBe(true);
  });

  it('makes each copy in the recovery region versioned, private, encrypted and kept', () => {
    const copies = resourcesOf(recovery.recoveryStorage, 'AWS::S3::Bucket').filter((b) => b.Properties.BucketName);
    expect(copies.map((b) => renderText(b.Properties.BucketName)).sort()).toEqual(['media', 'site', 'spa'].map(copyName));
    for (const copy of copies) {
      expect(copy.Properties).toMatchObject({
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      });
      expect(copy.DeletionPolicy).toBe('Retain');
    }
  });

  it('refuses to replicate an unversioned bucket', () => {
    const stack = new Stack(new App(), 'Unversioned', { env: { region: 'ap-northeast-2' } });
    const bucket = new s3.Bucket(stack, 'Bucket');
    expect(() => new CrossRegionReplication(stack, 'Replication', { source: bucket, destinationBucketName: 'copy' })).toThrow(/requires versioning on the source/);
  });

  it('lets CloudFront fall back to the SPA’s copy per request', () => {
    const distribution = only(template(s, 'edge'), 'AWS::CloudFront::Distribution').Properties.DistributionConfig;
    const group = (distribution.OriginGroups.Items as CfnJson[]).find((g) => g.Id === distribution.DefaultCacheBehavior.TargetOriginId)!;
    const [first, fallback] = (group.Members.Items as CfnJson[]).map((m) => (distribution.Origins as CfnJson[]).find((o) => o.Id === m.OriginId));
    expect(renderText(first.DomainName)).toContain('SpaBucket');
    expect(renderText(fallback.DomainName)).toBe(`${copyName('spa')}.s3.${recoveryRegion}.amazonaws.com`);
    expect(group.FailoverCriteria.StatusCodes.Items).toEqual([500, 502, 503, 504]);
  });
});

describe('the media file system and the cache', () => {
  it('replicates the media file system into its copy, whose overwrite protection is off', () => {
    const source = only(template(s, 'data'), 'AWS::EFS::FileSystem');
    expect(source.Properties.ReplicationConfiguration.Destinations).toEqual([{ FileSystemId: expect.anything(), Region: recoveryRegion }]);
    expect(renderText(source.Properties.ReplicationConfiguration.Destinations[0].FileSystemId)).toMatch(imported);
    expect(only(recovery.recoveryStorage, 'AWS::EFS::FileSystem').Properties.FileSystemProtection).toEqual({ ReplicationOverwriteProtection: 'DISABLED' });
  });

  it('makes the cache a Global Datastore: the primary region’s group its primary, a secondary in the recovery region with a key of its own', () => {
    const global = only(template(s, 'data'), 'AWS::ElastiCache::GlobalReplicationGroup');
    const primaryGroup = only(template(s, 'data'), 'AWS::ElastiCache::ReplicationGroup');
    expect(global.Properties.Members).toEqual([{ ReplicationGroupId: { Ref: primaryGroup.id }, ReplicationGroupRegion: 'ap-northeast-2', Role: 'PRIMARY' }]);
    const secondary = only(recovery.recoveryData, 'AWS::ElastiCache::ReplicationGroup');
    expect(renderText(secondary.Properties.GlobalReplicationGroupId)).toMatch(imported);
    expect(renderText(secondary.Properties.GlobalReplicationGroupId)).toContain('RefGlobalDatastore');
    const key = resourcesOf(recovery.recoveryData, 'AWS::KMS::Key').find((k) => String(k.Properties.Description).includes('cache'))!;
    expect(secondary.Properties).toMatchObject({ KmsKeyId: { 'Fn::GetAtt': [key.id, 'Arn'] }, AtRestEncryptionEnabled: true, TransitEncryptionEnabled: true });
    // Inherited from the datastore's primary; setting them on a secondary would be refused or ignored.
    for (const inherited of ['Engine', 'EngineVersion', 'CacheNodeType', 'AuthToken', 'Port', 'CacheParameterGroupName']) expect(secondary.Properties[inherited]).toBeUndefined();
  });
});

describe('the standby fleet', () => {
  it('has no instance and no warm pool until the promotion sets Serving, then topology’s', () => {
    const t = recovery.recoveryApp;
    const parameters = t.toJSON().Parameters;
    expect(parameters[recoveryAppParameters.serving]).toMatchObject({ Default: 'false', AllowedValues: ['false', 'true'] });
    const group = only(t, 'AWS::AutoScaling::AutoScalingGroup');
    expect(group.Properties.MinSize).toEqual({ 'Fn::If': [expect.any(String), String(autoScaling.minCapacity), '0'] });
    const condition = t.toJSON().Conditions[group.Properties.MinSize['Fn::If'][0]];
    expect(condition).toEqual({ 'Fn::Equals': [{ Ref: recoveryAppParameters.serving }, 'true'] });
    expect(group.Properties.DesiredCapacity).toBeUndefined();
    expect(group.CreationPolicy).toBeUndefined();
    expect(only(t, 'AWS::AutoScaling::WarmPool').Condition).toBe(group.Properties.MinSize['Fn::If'][0]);
  });

  it('keeps product images in the media bucket’s copy: MEDIA_BUCKET names it, and the role reads it, puts originals and removes objects there only', () => {
    const t = recovery.recoveryApp;
    const userData = renderText(only(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData);
    expect(userData).toContain(`Environment=MEDIA_BUCKET=${copyName('media')}\n`);
    expect(userData).toContain('Environment=MEDIA_BUCKET_REGION=${Ref:"AWS::Region"}\n');
    const role = resourcesOf(t, 'AWS::IAM::Role').find((r) => r.id.startsWith('FleetInstanceRole'))!;
    const grants = resourcesOf(t, 'AWS::IAM::Policy')
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${role.id}"`))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as CfnJson[])
      .flatMap((st) => [st.Action].flat().flatMap((action: string) => [st.Resource].flat().map((r: CfnJson) => `${action} ${renderText(r)}`)))
      .filter((grant) => grant.includes(copyName('media')))
      .sort();
    const arn = `arn:aws:s3:::${copyName('media')}`;
    expect(grants).toEqual([`s3:DeleteObject ${arn}/*`, `s3:GetObject ${arn}/*`, `s3:ListBucket ${arn}`, `s3:PutObject ${arn}/${MEDIA_KEY_GLOB}`].sort());
  });

  it('reads the replicas of the primary region’s logins, in its own region', () => {
    const userData = renderText(only(recovery.recoveryApp, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData);
    const appLogin = /--secret-id '([^']+)'/.exec(userData)?.[1] ?? '';
    expect(appLogin).toContain(`:${recoveryRegion}:`);
    expect(appLogin).toMatch(/Fn::Select/);
  });
});

describe('Route 53: failover between the regions’ entry points', () => {
  const zone = exampleDomain.hostedZoneId;
  const pairName = `${apiOriginName(exampleDomain.domainName)}.`;

  it('api.<domain>, CloudFront’s API origin and the apex’s target, aliases the regions’ pair', () => {
    const api = resourcesOf(template(s, 'edge'), 'AWS::Route53::RecordSet').find((r) => r.Properties.Name === `api.${exampleDomain.domainName}.`)!;
    expect(api.Properties.AliasTarget).toEqual({ DNSName: apiOriginName(exampleDomain.domainName), HostedZoneId: zone, EvaluateTargetHealth: true });
  });

  it('PRIMARY names the active region’s ALB and health check; SECONDARY the recovery region’s, only while the primary region is active', () => {
    const t = recovery.recoveryApp;
    const records = resourcesOf(t, 'AWS::Route53::RecordSet').filter((r) => r.Properties.Name === pairName);
    const primary = records.find((r) => r.Properties.Failover === 'PRIMARY')!;
    const secondary = records.find((r) => r.Properties.Failover === 'SECONDARY')!;
    expect(records).toHaveLength(2);
    const checks = Object.fromEntries(resourcesOf(t, 'AWS::Route53::HealthCheck').map((c) => [c.Properties.HealthCheckConfig.AlarmIdentifier.Region as string, c.id]));
    const [active] = primary.Properties.HealthCheckId['Fn::If'] as [string];
    expect(t.toJSON().Conditions[active]).toEqual({ 'Fn::Equals': [{ Ref: recoveryAppParameters.activeRegion }, recoveryRegion] });
    expect(primary.Properties.HealthCheckId['Fn::If']).toEqual([
      active,
      { 'Fn::GetAtt': [checks[recoveryRegion], 'HealthCheckId'] },
      { 'Fn::GetAtt': [checks['ap-northeast-2'], 'HealthCheckId'] },
    ]);
    const [, whenRecovery, whenPrimary] = primary.Properties.AliasTarget.DNSName['Fn::If'] as CfnJson[];
    expect(renderText(whenRecovery)).toMatch(/^dualstack\.\$\{Fn::GetAtt:\["LoadBalancerAlb/);
    expect(renderText(whenPrimary)).toMatch(/^dualstack\.\$\{Fn::GetAtt:\["ExportsReader/);
    expect(renderText(whenPrimary)).toContain('EvermallAppapnortheast2FnGetAttLoadBalancerAlb');
    expect(primary.Properties.AliasTarget.EvaluateTargetHealth).toBe(true);
    expect(secondary.Properties).toMatchObject({
      HostedZoneId: zone,
      HealthCheckId: { 'Fn::GetAtt': [checks[recoveryRegion], 'HealthCheckId'] },
      AliasTarget: { EvaluateTargetHealth: true },
    });
    expect(t.toJSON().Conditions[secondary.Condition]).toEqual({ 'Fn::Not': [{ Condition: active }] });
    expect(t.toJSON().Parameters[recoveryAppParameters.activeRegion]).toMatchObject({ Default: 'ap-northeast-2', AllowedValues: ['ap-northeast-2', recoveryRegion] });
  });

  it('checks each region with its alarm on healthy hosts, unhealthy without data', () => {
    const checks = resourcesOf(recovery.recoveryApp, 'AWS::Route53::HealthCheck').map((c) => c.Properties.HealthCheckConfig);
    expect(checks).toEqual(
      ['ap-northeast-2', recoveryRegion].map((r) => ({
        Type: 'CLOUDWATCH_METRIC',
        AlarmIdentifier: { Name: entryPointAlarmName('Evermall'), Region: r },
        InsufficientDataHealthStatus: 'Unhealthy',
      })),
    );
    for (const t of [template(s, 'app'), recovery.recoveryApp]) {
      const alarm = resourcesOf(t, 'AWS::CloudWatch::Alarm').find((a) => a.Properties.AlarmName === entryPointAlarmName('Evermall'))!;
      expect(alarm.Properties).toMatchObject({
        MetricName: 'HealthyHostCount',
        Statistic: 'Minimum',
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        Period: 60,
      });
    }
  });
});
