import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import {
  appPort,
  autoScaling,
  catalogCaching,
  database as topologyDatabase,
  databasePort,
  deregistrationDelaySeconds,
  edgeOriginFailover,
  drainSeconds,
  frontDoorFailover,
  parityValues,
  requestTimeouts,
  shopRuntime,
  shutdownBoundSeconds,
  targetHealthCheck,
} from '@evermall/topology';
import { exampleDomain } from '../lib/configurations.js';
import { originVerifyHeader } from '../lib/constructs/load-balancer.js';
import { maintenancePage, maintenancePrefix } from '../lib/constructs/backup-site.js';
import { managedRuleGroups, rateLimits } from '../lib/constructs/edge-firewall.js';
import { backupSiteStaleAfterIntervals, instanceMetrics } from '../lib/constructs/observability.js';
import { cachePort } from '../lib/constructs/cache.js';
import { spaRoutingFunctionCode } from '../lib/constructs/spa.js';
import { tossPayments } from '../lib/constructs/payment-provider.js';
import { shopImagePackages } from '../lib/constructs/shop-image.js';
import { releaseFiles, serviceUser } from '@evermall/shop/release';
import {
  instanceDirectories,
  instanceLogLevel,
  instancePaths,
  launchReadyHookName,
  launchReadyTimeoutSeconds,
  logRotation,
  stopTimeoutSeconds,
} from '../lib/constructs/user-data.js';
import { cfnLint, cfnLintAvailable, type CfnJson, only, renderText, resourcesOf, synthesize, template, type Synthesized } from './support/synthesized.js';

// The production profile with the example domain (the same as `npm run synth:example`),
// synthesized once for every assertion in this file.
let s: Synthesized;
beforeAll(() => {
  s = synthesize('example');
});

const { domainName } = exampleDomain;
const apiDomainName = `api.${domainName}`;
const spaDomainName = `www.${domainName}`;

function ingressRules(role: 'network' | 'data' | 'app'): Record<string, CfnJson>[] {
  const t = template(s, role);
  const inline = resourcesOf(t, 'AWS::EC2::SecurityGroup').flatMap((sg) =>
    ((sg.Properties.SecurityGroupIngress ?? []) as Record<string, CfnJson>[]).map((rule) => ({ ...rule, GroupId: { Ref: sg.id } })),
  );
  const separate = resourcesOf(t, 'AWS::EC2::SecurityGroupIngress').map((r) => r.Properties);
  return [...inline, ...separate];
}

describe('offline synthesis', () => {
  it('needs no lookups: no missing context, region-only stacks', () => {
    expect(s.missingContext).toEqual([]);
    for (const stack of [s.stacks.network, s.stacks.data, s.stacks.app, s.stacks.edge, s.stacks.observability]) {
      expect(stack.region).toBe('ap-northeast-2');
      expect(stack.account).toMatch(/^\$\{Token/);
    }
    expect(s.stacks.failover?.region).toBe('us-east-1');
    expect(s.stacks.edgeFirewall.region).toBe('us-east-1');
  });

  it('has no unacknowledged cdk-nag (AwsSolutions) finding', () => {
    expect(s.nagFindings).toEqual([]);
  });

  // Skipped, and named so in the report, where cfn-lint is not installed (pip install cfn-lint).
  it.skipIf(!cfnLintAvailable)('passes cfn-lint with 0 errors on every template (skipped without cfn-lint)', () => {
    const result = cfnLint(s.outdir);
    expect(result.errors, result.output).toEqual([]);
  });
});

describe('network', () => {
  it('spans 2 AZs with public, private-with-egress and isolated subnets', () => {
    const t = template(s, 'network');
    const subnets = resourcesOf(t, 'AWS::EC2::Subnet');
    expect(subnets).toHaveLength(6);
    const types = subnets.map((x) => (x.Properties.Tags as { Key: string; Value: string }[]).find((tag) => tag.Key === 'aws-cdk:subnet-type')?.Value);
    expect(types.sort()).toEqual(['Isolated', 'Isolated', 'Private', 'Private', 'Public', 'Public']);
    const azs = new Set(subnets.map((x) => JSON.stringify(x.Properties.AvailabilityZone)));
    expect(azs.size).toBe(2);
  });

  it('has a NAT gateway per AZ in production', () => {
    template(s, 'network').resourceCountIs('AWS::EC2::NatGateway', 2);
  });

  it('has an S3 gateway endpoint and flow logs for all traffic', () => {
    const t = template(s, 'network');
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('\\.s3$')])]) }),
    });
    t.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
  });
});

describe('security groups', () => {
  it('opens 0.0.0.0/0 only on the ALB, only on 443 and 80', () => {
    const world = (['network', 'data', 'app'] as const).flatMap((role) => ingressRules(role).filter((r) => r.CidrIp === '0.0.0.0/0' || r.CidrIpv6 === '::/0'));
    expect(world.map((r) => r.FromPort).sort()).toEqual([443, 80]);
    const alb = resourcesOf(template(s, 'network'), 'AWS::EC2::SecurityGroup').find((g) => String(g.Properties.GroupDescription).startsWith('ALB'));
    for (const rule of world) expect(rule.GroupId).toEqual({ Ref: alb?.id });
  });

  it('lets the app group in only from the ALB group, only on the app port', () => {
    const t = template(s, 'network');
    const groups = resourcesOf(t, 'AWS::EC2::SecurityGroup');
    const app = groups.find((g) => String(g.Properties.GroupDescription).startsWith('Shop instances'));
    const alb = groups.find((g) => String(g.Properties.GroupDescription).startsWith('ALB'));
    expect(app && alb).toBeTruthy();
    const toApp = ingressRules('network').filter((r) => JSON.stringify(r.GroupId).includes(app!.id));
    expect(toApp).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: appPort, ToPort: appPort, SourceSecurityGroupId: { 'Fn::GetAtt': [alb!.id, 'GroupId'] } })]);
    // The ALB may only talk to the app group on the app port.
    expect(alb!.Properties.SecurityGroupEgress).toBeUndefined();
    t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [alb!.id, 'GroupId'] },
      FromPort: appPort,
      ToPort: appPort,
      DestinationSecurityGroupId: { 'Fn::GetAtt': [app!.id, 'GroupId'] },
    });
  });

  it('lets the DB group in only from the app group, the database-roles function, the event consumers and the rotation functions, on the non-default DB port', () => {
    expect(databasePort).not.toBe(5432);
    const t = template(s, 'data');
    const dbSg = resourcesOf(t, 'AWS::EC2::SecurityGroup').find((g) => String(g.Properties.GroupDescription).startsWith('RDS'));
    expect(dbSg).toBeDefined();
    // CDK's "no egress" sentinel: a single rule that matches nothing.
    expect(dbSg!.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' })]);
    const rules = ingressRules('data').filter((r) => JSON.stringify(r.GroupId).includes(dbSg!.id));
    expect(rules).toHaveLength(4);
    const fromApp = rules.filter((r) => JSON.stringify(r.SourceSecurityGroupId).includes('SecurityGroupsApp'));
    expect(fromApp).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: databasePort, ToPort: databasePort })]);
    const fromRoles = rules.filter((r) => JSON.stringify(r.SourceSecurityGroupId).includes('SecurityGroupsDatabaseRoles'));
    expect(fromRoles).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: databasePort, ToPort: databasePort })]);
    const fromConsumers = rules.filter((r) => JSON.stringify(r.SourceSecurityGroupId).includes('SecurityGroupsEventConsumers'));
    expect(fromConsumers).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: databasePort, ToPort: databasePort })]);
    const other = rules.find((r) => !fromApp.includes(r) && !fromRoles.includes(r) && !fromConsumers.includes(r));
    expect(JSON.stringify(other?.SourceSecurityGroupId)).toMatch(/Rotation/);
    expect(other?.FromPort).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DatabaseInstance/), 'Endpoint.Port'] });
  });

  it('admits nothing into the database-roles function, whose function runs in the app subnets', () => {
    const groups = resourcesOf(template(s, 'network'), 'AWS::EC2::SecurityGroup');
    const roles = groups.find((g) => String(g.Properties.GroupDescription).startsWith('Database-roles function'));
    expect(roles).toBeDefined();
    expect(ingressRules('network').filter((r) => JSON.stringify(r.GroupId).includes(roles!.id))).toEqual([]);
    const fn = resourcesOf(template(s, 'data'), 'AWS::Lambda::Function').find((f) => f.id.startsWith('DatabaseRolesFunction'));
    expect(JSON.stringify(fn?.Properties.VpcConfig.SecurityGroupIds)).toContain('SecurityGroupsDatabaseRoles');
    expect(JSON.stringify(fn?.Properties.VpcConfig.SubnetIds)).toMatch(/appSubnet/);
  });

  it('lets the cache group in only from the app group, only on the non-default cache port, and lets nothing out', () => {
    expect(cachePort).not.toBe(6379);
    const groups = resourcesOf(template(s, 'network'), 'AWS::EC2::SecurityGroup');
    const cacheSg = groups.find((g) => String(g.Properties.GroupDescription).startsWith('ElastiCache'));
    const app = groups.find((g) => String(g.Properties.GroupDescription).startsWith('Shop instances'));
    expect(cacheSg && app).toBeTruthy();
    expect(cacheSg!.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' })]);
    const rules = ingressRules('network').filter((r) => JSON.stringify(r.GroupId).includes(cacheSg!.id));
    expect(rules).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: cachePort, ToPort: cachePort, SourceSecurityGroupId: { 'Fn::GetAtt': [app!.id, 'GroupId'] } })]);
    // The replication group sits in that group alone, and no other group admits the cache port.
    const group = only(template(s, 'data'), 'AWS::ElastiCache::ReplicationGroup');
    expect(group.Properties.SecurityGroupIds).toEqual([{ 'Fn::ImportValue': expect.stringMatching(/SecurityGroupsCache/) }]);
    const others = (['network', 'data', 'app'] as const)
      .flatMap((role) => ingressRules(role))
      .filter((r) => r.FromPort === cachePort && !JSON.stringify(r.GroupId).includes(cacheSg!.id));
    expect(others).toEqual([]);
  });

  it('lets the EFS group in only from the app group on NFS 2049', () => {
    const t = template(s, 'data');
    const efsSg = resourcesOf(t, 'AWS::EC2::SecurityGroup').find((g) => String(g.Properties.GroupDescription).startsWith('EFS'));
    const rules = ingressRules('data').filter((r) => JSON.stringify(r.GroupId).includes(efsSg!.id));
    expect(rules).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 2049,
        ToPort: 2049,
        SourceSecurityGroupId: { 'Fn::ImportValue': expect.stringMatching(/SecurityGroupsApp/) },
      }),
    ]);
  });

  it('has no SSH port and no key pair anywhere', () => {
    for (const role of ['network', 'data', 'app'] as const) {
      expect(ingressRules(role).filter((r) => r.FromPort === 22 || r.IpProtocol === '-1')).toEqual([]);
    }
    const lt = only(template(s, 'app'), 'AWS::EC2::LaunchTemplate');
    expect(lt.Properties.LaunchTemplateData.KeyName).toBeUndefined();
  });
});

describe('database', () => {
  it('is Multi-AZ PostgreSQL with a full engine version pinned, encrypted gp3, on the non-default port, in isolated subnets', () => {
    const t = template(s, 'data');
    const writer = resourcesOf(t, 'AWS::RDS::DBInstance').find((r) => !r.Properties.SourceDBInstanceIdentifier);
    expect(writer?.Properties).toMatchObject({
      Engine: 'postgres',
      EngineVersion: expect.stringMatching(new RegExp(`^${topologyDatabase.engineMajorVersion}\\.\\d+$`)),
      MultiAZ: true,
      StorageEncrypted: true,
      StorageType: 'gp3',
      Port: String(databasePort),
      BackupRetentionPeriod: topologyDatabase.backupRetentionDays,
      DeletionProtection: true,
      EnablePerformanceInsights: true,
      PubliclyAccessible: false,
      AutoMinorVersionUpgrade: false,
    });
    expect(topologyDatabase.backupRetentionDays).toBeGreaterThanOrEqual(7);
    expect(writer?.DeletionPolicy).toBe('Snapshot');
    // The writer's and the replica's subnet groups both use the isolated subnets only.
    for (const group of resourcesOf(t, 'AWS::RDS::DBSubnetGroup')) {
      expect(JSON.stringify(group.Properties.SubnetIds)).toMatch(/dataSubnet/);
      expect(JSON.stringify(group.Properties.SubnetIds)).not.toMatch(/appSubnet|publicSubnet/);
    }
  });

  it('forces TLS in the parameter group', () => {
    template(s, 'data').hasResourceProperties('AWS::RDS::DBParameterGroup', { Parameters: Match.objectLike({ 'rds.force_ssl': '1' }) });
  });

  it('keeps credentials in Secrets Manager with scheduled rotation', () => {
    const t = template(s, 'data');
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: Match.stringLikeRegexp('evermall_admin') }),
    });
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(30 days)' } });
  });

  it('has a read replica in production, in the isolated subnets', () => {
    const replica = resourcesOf(template(s, 'data'), 'AWS::RDS::DBInstance').filter((r) => r.Properties.SourceDBInstanceIdentifier);
    expect(replica).toHaveLength(topologyDatabase.readReplicas);
    expect(replica[0]?.Properties).toMatchObject({ Port: String(databasePort), StorageType: 'gp3', PubliclyAccessible: false });
  });
});

describe('media (EFS)', () => {
  it('is encrypted with Elastic throughput and a mount target per AZ', () => {
    const t = template(s, 'data');
    t.hasResourceProperties('AWS::EFS::FileSystem', { Encrypted: true, ThroughputMode: 'elastic', PerformanceMode: 'generalPurpose' });
    t.resourceCountIs('AWS::EFS::MountTarget', 2);
  });

  it('has an access point for the media folder owned by the shop user, and denies unencrypted transport', () => {
    const t = template(s, 'data');
    t.hasResourceProperties('AWS::EFS::AccessPoint', {
      RootDirectory: { Path: '/media', CreationInfo: { OwnerUid: String(serviceUser.uid), OwnerGid: String(serviceUser.gid), Permissions: '750' } },
      PosixUser: { Uid: String(serviceUser.uid), Gid: String(serviceUser.gid) },
    });
    const fs = only(t, 'AWS::EFS::FileSystem');
    expect(JSON.stringify(fs.Properties.FileSystemPolicy)).toContain('"aws:SecureTransport":"false"');
  });
});

describe('AWS Backup', () => {
  it('covers the database and the file system', () => {
    const t = template(s, 'data');
    t.resourceCountIs('AWS::Backup::BackupPlan', 1);
    const selection = only(t, 'AWS::Backup::BackupSelection');
    const resources = JSON.stringify(selection.Properties.BackupSelection.Resources);
    expect(resources).toMatch(/:rds:/);
    expect(resources).toMatch(/elasticfilesystem/);
  });
});

describe('load balancer', () => {
  it('is internet-facing in the public subnets, drops invalid headers and keeps access logs', () => {
    const alb = only(template(s, 'app'), 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(alb.Properties.Scheme).toBe('internet-facing');
    expect(JSON.stringify(alb.Properties.Subnets)).toMatch(/publicSubnet/);
    const attributes = Object.fromEntries((alb.Properties.LoadBalancerAttributes as { Key: string; Value: string }[]).map((a) => [a.Key, a.Value]));
    expect(attributes).toMatchObject({
      'routing.http.drop_invalid_header_fields.enabled': 'true',
      'access_logs.s3.enabled': 'true',
      'deletion_protection.enabled': 'true',
    });
  });

  it('serves HTTPS with the ACM certificate and a current TLS policy, and redirects HTTP', () => {
    const t = template(s, 'app');
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: exampleDomain.albCertificateArn }],
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [{ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' }) }],
    });
  });

  it('forwards to the shop only requests carrying the CloudFront origin header, its value a Secrets Manager reference', () => {
    const t = template(s, 'app');
    const https = resourcesOf(t, 'AWS::ElasticLoadBalancingV2::Listener').find((l) => l.Properties.Port === 443);
    expect(https?.Properties.DefaultActions).toEqual([expect.objectContaining({ Type: 'fixed-response', FixedResponseConfig: expect.objectContaining({ StatusCode: '403' }) })]);
    const forwarding = resourcesOf(t, 'AWS::ElasticLoadBalancingV2::ListenerRule').filter((r) => (r.Properties.Actions as CfnJson[]).some((a) => a.Type === 'forward'));
    expect(forwarding).toHaveLength(1);
    const conditions = forwarding[0]!.Properties.Conditions as CfnJson[];
    expect(conditions).toEqual([expect.objectContaining({ Field: 'http-header', HttpHeaderConfig: expect.objectContaining({ HttpHeaderName: originVerifyHeader }) })]);
    const values = (conditions[0].HttpHeaderConfig.Values as unknown[]).map(renderText);
    expect(values).toEqual([expect.stringMatching(/^\{\{resolve:secretsmanager:\$\{Ref:"OriginVerifySecret[0-9A-F]+"\}:SecretString:::\}\}$/)]);
    t.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ PasswordLength: 48 }) });
  });

  it('checks targets on /healthz with the topology timings and deregistration delay', () => {
    const tg = only(template(s, 'app'), 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(tg.Properties).toMatchObject({
      Port: appPort,
      Protocol: 'HTTP',
      HealthCheckPath: targetHealthCheck.path,
      HealthCheckIntervalSeconds: targetHealthCheck.intervalSeconds,
      HealthCheckTimeoutSeconds: targetHealthCheck.timeoutSeconds,
      HealthyThresholdCount: targetHealthCheck.healthyThreshold,
      UnhealthyThresholdCount: targetHealthCheck.unhealthyThreshold,
    });
    expect(tg.Properties.TargetGroupAttributes).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: String(deregistrationDelaySeconds) });
  });
});

describe('auto scaling group', () => {
  it('runs in the private subnets with min/max from topology, ELB health checks with a grace period, warmup and notifications', () => {
    const asg = only(template(s, 'app'), 'AWS::AutoScaling::AutoScalingGroup');
    expect(asg.Properties).toMatchObject({
      MinSize: String(autoScaling.minCapacity),
      MaxSize: String(autoScaling.maxCapacity),
      HealthCheckType: 'ELB',
      HealthCheckGracePeriod: autoScaling.healthCheckGracePeriodSeconds,
      DefaultInstanceWarmup: autoScaling.instanceWarmupSeconds,
    });
    expect(JSON.stringify(asg.Properties.VPCZoneIdentifier)).toMatch(/appSubnet/);
    expect(asg.Properties.NotificationConfigurations).toEqual([
      expect.objectContaining({ NotificationTypes: expect.arrayContaining(['autoscaling:EC2_INSTANCE_LAUNCH_ERROR', 'autoscaling:EC2_INSTANCE_TERMINATE']) }),
    ]);
    expect(asg.Properties.LaunchConfigurationName).toBeUndefined();
    expect(asg.Properties.LaunchTemplate).toBeDefined();
    expect(asg.Properties.MetricsCollection).toBeDefined();
  });

  it('rolls a new launch template version out with an instance refresh that keeps topology’s healthy share', () => {
    const asg = only(template(s, 'app'), 'AWS::AutoScaling::AutoScalingGroup');
    expect(asg.UpdatePolicy.AutoScalingInstanceRefresh).toMatchObject({
      Strategy: 'Rolling',
      Preferences: expect.objectContaining({ MinHealthyPercentage: autoScaling.minHealthyPercentage, InstanceWarmup: autoScaling.instanceWarmupSeconds }),
    });
    expect(asg.CreationPolicy.ResourceSignal).toMatchObject({ Count: autoScaling.minCapacity });
  });

  it('keeps a new instance out of service until its bootstrap reports the shop healthy (launch lifecycle hook)', () => {
    const t = template(s, 'app');
    const asg = only(t, 'AWS::AutoScaling::AutoScalingGroup');
    expect(asg.Properties.AutoScalingGroupName).toEqual({ 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '-shop']] });
    expect(asg.Properties.LifecycleHookSpecificationList).toEqual([
      {
        LifecycleHookName: launchReadyHookName,
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
        HeartbeatTimeout: launchReadyTimeoutSeconds,
        DefaultResult: 'ABANDON',
      },
    ]);
  });

  it('tracks the CPU target from topology', () => {
    template(s, 'app').hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' },
        TargetValue: autoScaling.cpuTargetPercent,
      },
    });
  });

  it('launches the image Image Builder baked from Amazon Linux 2023 (x86_64), IMDSv2 only, encrypted gp3 root volume', () => {
    const t = template(s, 'app');
    const lt = only(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData;
    expect(lt.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(lt.BlockDeviceMappings).toEqual([{ DeviceName: '/dev/xvda', Ebs: expect.objectContaining({ VolumeType: 'gp3', Encrypted: true }) }]);
    const image = only(t, 'AWS::ImageBuilder::Image');
    expect(lt.ImageId).toEqual({ 'Fn::GetAtt': [image.id, 'ImageId'] });
    expect(only(t, 'AWS::ImageBuilder::ImageRecipe').Properties.ParentImage).toMatch(/^ssm:\/aws\/service\/ami-amazon-linux-latest\/al2023-ami-kernel-.*-x86_64$/);
  });
});

describe('instance role: least privilege', () => {
  function statements() {
    const t = template(s, 'app');
    const policies = resourcesOf(t, 'AWS::IAM::Policy').filter((p) => JSON.stringify(p.Properties.Roles).includes('FleetInstanceRole'));
    return policies.flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
  }

  it('reads exactly the bundle object, the DB and session secrets, mounts EFS and writes only the backup bucket', () => {
    const all = statements();
    const actions = all.flatMap((x) => (Array.isArray(x.Action) ? x.Action : [x.Action]));
    expect(actions).not.toContain('*');
    expect(actions.filter((a) => a.endsWith('*'))).toEqual([]);
    const bundle = all.find((x) => x.Action === 's3:GetObject' && JSON.stringify(x.Resource).includes('.zip'));
    expect(bundle).toBeDefined();
    expect(actions).toEqual(
      expect.arrayContaining(['secretsmanager:GetSecretValue', 'elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite', 's3:PutObject', 's3:DeleteObject']),
    );
  });

  it('uses Session Manager and the CloudWatch agent policies instead of SSH', () => {
    const role = resourcesOf(template(s, 'app'), 'AWS::IAM::Role').find((r) => r.id.startsWith('FleetInstanceRole'));
    const managed = JSON.stringify(role?.Properties.ManagedPolicyArns);
    expect(managed).toContain('AmazonSSMManagedInstanceCore');
    expect(managed).toContain('CloudWatchAgentServerPolicy');
  });
});

describe('user data', () => {
  let text = '';
  beforeAll(() => {
    const lt = only(template(s, 'app'), 'AWS::EC2::LaunchTemplate');
    text = renderText(lt.Properties.LaunchTemplateData.UserData);
  });

  it('installs nothing at boot (no package manager, no Node from a repository) and fails on an image without its tools', () => {
    expect(text.startsWith('#!/bin/bash\n')).toBe(true);
    for (const install of [/\bdnf\b[^\n]*\binstall\b/, /\byum\b[^\n]*\binstall\b/, /\brpm\s+(-[a-zA-Z]*i|--install)/, /\bpip3?\s+install\b/, /\bnpm\s+(install|ci)\b/]) {
      expect(text, String(install)).not.toMatch(install);
    }
    expect(text).not.toMatch(/\/usr\/bin\/node/);
    // The image carries every package the boot uses; the boot checks them before it relies on any.
    const check = text.indexOf('for tool in ');
    expect(check).toBeGreaterThan(0);
    for (const p of shopImagePackages) expect(text.slice(check, text.indexOf('\ndone', check))).toContain(p.provides);
    expect(check).toBeLessThan(text.indexOf('mount -t efs'));
  });

  it('mounts EFS over TLS through the access point at the media path, and adds it to fstab', () => {
    expect(text).toContain(`mount -t efs -o tls,iam,accesspoint=`);
    expect(text).toMatch(new RegExp(`>> /etc/fstab`));
    expect(text).toMatch(new RegExp(`\\$\\{Fn::ImportValue:"[^"]*MediaFileSystem[^"]*"\\}:/ ${instancePaths.media} efs _netdev,noresvport,tls,iam,accesspoint=`));
  });

  it('fetches the shop bundle from its S3 asset', () => {
    expect(text).toMatch(/aws s3 cp 's3:\/\/\$\{Fn::Sub:"cdk-hnb659fds-assets-\$\{AWS::AccountId\}-ap-northeast-2"\}\/[0-9a-f]{64}\.zip'/);
    expect(text).toContain(`unzip -q /tmp/shop-bundle.zip -d ${instancePaths.app}`);
  });

  it('writes the environment: DB endpoint from the secret, ZONE and INSTANCE_ID from instance metadata, MEDIA_DIR, migrations', () => {
    expect(text).toMatch(/aws secretsmanager get-secret-value .*--secret-id '\$\{Fn::ImportValue:"[^"]*DatabaseAppSecretAttachment/);
    expect(text).toContain('"DATABASE_URL=" + url(s.host)');
    expect(text).toMatch(/READER_HOST='\$\{Fn::ImportValue:"[^"]*ReadReplica[^"]*EndpointAddress/);
    expect(text).toContain('AVAILABILITY_ZONE=$(imds placement/availability-zone)');
    expect(text).toContain('X-aws-ec2-metadata-token');
    expect(text).toContain('Environment=ZONE=$AVAILABILITY_ZONE');
    expect(text).toContain('Environment=INSTANCE_ID=$INSTANCE_ID');
    expect(text).toContain(`Environment=MEDIA_DIR=${instancePaths.media}`);
    expect(text).toContain(`Environment=MIGRATIONS_DIR=${instancePaths.app}/migrations`);
    expect(text).toContain(`Environment=PORT=${appPort}`);
    expect(text).toContain(`Environment=DRAIN_SECONDS=${drainSeconds}`);
    expect(text).toContain('Environment=COOKIE_SECURE=true');
  });

  it('trusts exactly CloudFront and the ALB for the client address: the VPC range nearest, two hops', () => {
    expect(text).toContain('Environment=TRUSTED_PROXY_HOPS=2');
    expect(text).toMatch(/Environment=TRUSTED_PROXIES=\$\{[^}\n]*Vpc[^}\n]*CidrBlock[^}\n]*\}\n/);
  });

  it('runs the shop under systemd with restart on failure and a stop timeout longer than the drain', () => {
    expect(text).toContain(
      `ExecStart=/opt/evermall/current/runtime/node --max-semi-space-size=${shopRuntime.maxSemiSpaceMiB} --max-old-space-size=${shopRuntime.maxOldSpaceMiB} /opt/evermall/current/server.js`,
    );
    expect(text).toContain(`WorkingDirectory=${instancePaths.app}`);
    expect(text).toContain('Restart=on-failure');
    const timeout = Number(/TimeoutStopSec=(\d+)/.exec(text)?.[1]);
    expect(timeout).toBe(stopTimeoutSeconds);
    expect(timeout).toBeGreaterThan(drainSeconds);
    expect(timeout).toBeGreaterThan(shutdownBoundSeconds);
    expect(text).toContain('systemctl enable --now evermall-shop.service');
  });

  it('runs the shop as the service user, writing only its state, media and log directories', () => {
    expect(text).toContain(`useradd --system --uid ${serviceUser.uid} --gid ${serviceUser.gid}`);
    expect(text).toContain(`User=${serviceUser.name}`);
    expect(text).toContain('ProtectSystem=strict');
    expect(text).toContain('NoNewPrivileges=yes');
    expect(text).toContain(`ReadWritePaths=${instanceDirectories.state} ${instanceDirectories.media} ${instanceDirectories.logs}`);
    // The backup site lives in the state directory: the exporter swaps a symlink beside it.
    expect(instancePaths.backupSite.startsWith(`${instanceDirectories.state}/`)).toBe(true);
  });

  it("writes the environment with the release's own Node runtime", () => {
    expect(text).toContain(`READER_HOST='`);
    expect(text).toMatch(new RegExp(`READER_HOST='[^']*' ${releaseFiles(instancePaths.app).runtime} -e '`));
  });

  it('uploads the backup site that the lock-holding instance exported to the backup bucket', () => {
    // Set by the env step, and only on an instance going into service (warm-pool.test.ts).
    expect(text).toContain(`echo "BACKUP_SITE_DIR=${instancePaths.backupSite}" >> ${instancePaths.env}`);
    expect(text).toContain(`Environment=BACKUP_EXPORT_INTERVAL_SECONDS=${frontDoorFailover.backupExportIntervalSeconds}`);
    expect(text).toMatch(/aws s3 sync \/var\/lib\/evermall\/backup-site s3:\/\/\$\{Ref:"BackupSiteBucket[0-9A-F]+"\} --delete/);
    expect(text).toContain('[ "$index" -nt "$stamp" ]');
  });

  it("uploads the catalog's JSON answers at the keys the origin group asks the bucket for, typed as JSON", () => {
    const upload = /cat > \/usr\/local\/bin\/evermall-upload-backup-site <<'UPLOAD'\n([\s\S]*?)\nUPLOAD/.exec(text)?.[1] ?? '';
    const bucket = /s3:\/\/(\$\{Ref:"BackupSiteBucket[0-9A-F]+"\})/.exec(upload)?.[1];
    expect(bucket).toBeDefined();
    // The pages' sync leaves the answers alone; the answers' own sync leaves the product list's key alone.
    expect(upload).toContain(`aws s3 sync ${instancePaths.backupSite} s3://${bucket} --delete --exclude '${maintenancePrefix}*' --exclude 'api/*'`);
    expect(upload).toContain(
      `aws s3 sync ${instancePaths.backupSite}/api s3://${bucket}/api --delete --exclude 'products.json' --exclude 'products' --content-type 'application/json; charset=utf-8'`,
    );
    expect(upload).toContain(`aws s3 cp ${instancePaths.backupSite}/api/products.json s3://${bucket}/api/products --content-type 'application/json; charset=utf-8'`);
  });

  it('logs at warn, not one line per request, and rotates the shop log by size every hour', () => {
    expect(instanceLogLevel).toBe('warn');
    expect(text).toContain('Environment=LOG_LEVEL=warn');
    const rotate = /cat > \/etc\/logrotate\.d\/evermall-shop <<'ROTATE'\n([\s\S]*?)\nROTATE/.exec(text)?.[1] ?? '';
    expect(rotate).toContain(`${instancePaths.log} {`);
    expect(rotate).toContain(`size ${logRotation.maxSize}`);
    expect(rotate).toContain(`rotate ${logRotation.keep}`);
    expect(rotate).toContain('copytruncate');
    expect(text).toContain('OnCalendar=hourly');
    expect(text).toMatch(/systemctl enable --now [^\n]*evermall-logrotate\.timer/);
    // At most keep + 1 files of maxSize: a small share of the 16 GiB root volume.
    expect((logRotation.keep + 1) * Number.parseInt(logRotation.maxSize, 10)).toBeLessThan(0.1 * 16 * 1024);
  });

  it('publishes root-volume use per Auto Scaling group for the disk alarm', () => {
    expect(text).toContain(`"namespace": "${instanceMetrics.namespace}"`);
    expect(text).toContain('"aggregation_dimensions": [["AutoScalingGroupName"]]');
    expect(text).toMatch(/"disk": \{ "measurement": \["used_percent"\], "resources": \["\/"\] \}/);
  });

  it('records every backup-site upload that reached the bucket as a metric, and never deletes the maintenance page', () => {
    const upload = /cat > \/usr\/local\/bin\/evermall-upload-backup-site <<'UPLOAD'\n([\s\S]*?)\nUPLOAD/.exec(text)?.[1] ?? '';
    expect(upload).toContain(`--exclude '${maintenancePrefix}*'`);
    const sync = upload.indexOf('aws s3 sync');
    const metric = upload.indexOf(`aws cloudwatch put-metric-data`);
    expect(sync).toBeGreaterThan(0);
    // Only after the sync succeeded (set -e stops the script on a failed sync).
    expect(metric).toBeGreaterThan(sync);
    expect(upload).toContain('set -euo pipefail');
    expect(upload).toMatch(
      new RegExp(
        `--namespace ${instanceMetrics.namespace} --metric-name ${instanceMetrics.backupSiteUploaded} --dimensions AutoScalingGroupName='\\$\\{Ref:"AWS::StackName"\\}-shop'`,
      ),
    );
  });

  it('completes the launch lifecycle hook only once /healthz answers, and abandons the instance otherwise', () => {
    expect(text).toMatch(/--auto-scaling-group-name '\$\{Ref:"AWS::StackName"\}-shop'/);
    expect(text).toContain(`--lifecycle-hook-name ${launchReadyHookName}`);
    const healthy = text.indexOf('then complete CONTINUE');
    expect(healthy).toBeGreaterThan(text.indexOf(`curl -sf http://127.0.0.1:${appPort}/healthz`));
    expect(text).toContain('complete ABANDON');
  });

  it('signals CloudFormation only once /healthz answers', () => {
    expect(text).toMatch(/cfn-signal --exit-code "\$1" --stack '\$\{Ref:"AWS::StackName"\}' --resource 'FleetGroup[0-9A-Za-z]+'/);
    expect(text).toContain(`curl -sf http://127.0.0.1:${appPort}/healthz`);
  });
});

describe('backup site bucket', () => {
  it('is an S3 website bucket named after the failover record', () => {
    const bucket = resourcesOf(template(s, 'app'), 'AWS::S3::Bucket').find((b) => b.Properties.BucketName === domainName);
    expect(bucket?.Properties.WebsiteConfiguration).toEqual({ IndexDocument: 'index.html', ErrorDocument: `${maintenancePrefix}index.html` });
    expect(bucket?.Properties.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true, IgnorePublicAcls: true });
  });

  it('is seeded at deploy time with the maintenance page, its error document, and never pruned', () => {
    const t = template(s, 'app');
    const bucket = resourcesOf(t, 'AWS::S3::Bucket').find((b) => b.Properties.BucketName === domainName);
    const deployment = only(t, 'Custom::CDKBucketDeployment');
    expect(deployment.Properties).toMatchObject({ DestinationBucketName: { Ref: bucket?.id }, DestinationBucketKeyPrefix: maintenancePrefix, Prune: false });
    expect(maintenancePage).toContain('<p lang="ko">');
    expect(maintenancePage).toContain('<p lang="en">');
  });
});

describe('edge: SPA on CloudFront', () => {
  function distribution() {
    return only(template(s, 'edge'), 'AWS::CloudFront::Distribution').Properties.DistributionConfig;
  }

  it('serves the SPA from a private bucket through OAC', () => {
    const t = template(s, 'edge');
    t.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }),
    });
    const spaBucket = resourcesOf(t, 'AWS::S3::Bucket').find((b) => b.id.startsWith('SpaBucket'));
    expect(spaBucket?.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(spaBucket?.Properties.WebsiteConfiguration).toBeUndefined();
  });

  it('sends client-side routes to /index.html with 200 without turning API errors into HTML', () => {
    const d = distribution();
    expect(d.DefaultRootObject).toBe('index.html');
    expect(d.CustomErrorResponses).toBeUndefined();
    expect(d.DefaultCacheBehavior.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: expect.anything() }]);
    const fn = only(template(s, 'edge'), 'AWS::CloudFront::Function');
    expect(fn.Properties.FunctionCode).toBe(spaRoutingFunctionCode);
    // The function is plain JavaScript: run it on a client-side route and on an asset.
    const handler = new Function(`${spaRoutingFunctionCode}; return handler;`)() as (e: { request: { uri: string } }) => { uri: string };
    expect(handler({ request: { uri: '/products/shoe-1' } }).uri).toBe('/index.html');
    expect(handler({ request: { uri: '/assets/app-1234.js' } }).uri).toBe('/assets/app-1234.js');
  });

  it('lets the storefront load Toss Payments’ SDK and open its payment window, and nothing else from outside', () => {
    const policy = only(template(s, 'edge'), 'AWS::CloudFront::ResponseHeadersPolicy').Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy
      .ContentSecurityPolicy as string;
    const directives = Object.fromEntries(policy.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['script-src']).toEqual(["'self'", 'https://js.tosspayments.com']);
    expect(directives['connect-src']).toEqual(["'self'", 'https://*.tosspayments.com']);
    expect(directives['frame-src']).toEqual(['https://*.tosspayments.com']);
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(tossPayments.sdkUrl.startsWith('https://js.tosspayments.com/')).toBe(true);
  });

  it('adds the security-headers policy, TLS 1.2_2021, logging and the www. alias', () => {
    const d = distribution();
    expect(d.ViewerCertificate).toMatchObject({ AcmCertificateArn: exampleDomain.cloudFrontCertificateArn, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
    expect(d.Aliases).toEqual([spaDomainName]);
    expect(d.Logging).toMatchObject({ Prefix: 'cloudfront/' });
    template(s, 'edge').hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          StrictTransportSecurity: Match.objectLike({ Override: true }),
          ContentSecurityPolicy: Match.anyValue(),
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentTypeOptions: { Override: true },
        }),
      }),
    });
  });

  it('sends the rest of /api/* uncached and /media/* cached to the ALB origin over HTTPS, /media/* failing over to the backup bucket over HTTPS', () => {
    const d = distribution();
    const behaviours = Object.fromEntries((d.CacheBehaviors as { PathPattern: string }[]).map((b) => [b.PathPattern, b as Record<string, CfnJson>]));
    const cachingDisabled = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
    const allViewerExceptHost = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';
    expect(behaviours['/api/*']).toMatchObject({
      CachePolicyId: cachingDisabled,
      OriginRequestPolicyId: allViewerExceptHost,
      AllowedMethods: expect.arrayContaining(['POST', 'DELETE']),
    });
    expect(behaviours['/media/*']?.CachePolicyId).not.toBe(cachingDisabled);
    const origins = d.Origins as { Id: string; DomainName: unknown; CustomOriginConfig?: Record<string, unknown> }[];
    const api = origins.find((o) => o.Id === behaviours['/api/*']?.TargetOriginId);
    expect(api).toMatchObject({ DomainName: apiDomainName, CustomOriginConfig: expect.objectContaining({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] }) });
    const group = (d.OriginGroups.Items as { Id: string; Members: { Items: { OriginId: string }[] } }[])[0];
    expect(behaviours['/media/*']?.TargetOriginId).toBe(group?.Id);
    const primary = origins.find((o) => o.Id === group?.Members.Items[0]?.OriginId);
    expect(primary).toMatchObject({ DomainName: apiDomainName, CustomOriginConfig: expect.objectContaining({ OriginProtocolPolicy: 'https-only' }) });
    expect(group?.Members.Items).toHaveLength(2);
    const fallback = origins.find((o) => o.Id === group?.Members.Items[1]?.OriginId);
    // The backup bucket's REST endpoint with OAC (HTTPS), not its HTTP-only website endpoint.
    expect(JSON.stringify(fallback?.DomainName)).toMatch(/BackupSiteBucket[0-9A-F]+/);
    expect(JSON.stringify(fallback?.DomainName)).not.toMatch(/WebsiteURL/);
    expect(fallback).toMatchObject({ S3OriginConfig: expect.anything(), OriginAccessControlId: expect.anything() });
  });

  it("caches the catalog reads at the edge like the twin's front door: path and query, no cookies, at most topology's max age, before /api/*", () => {
    const d = distribution();
    const behaviours = d.CacheBehaviors as { PathPattern: string; CachePolicyId: CfnJson; OriginRequestPolicyId: CfnJson; AllowedMethods: string[]; TargetOriginId: string }[];
    const patterns = behaviours.map((b) => b.PathPattern);
    const group = (d.OriginGroups.Items as { Id: string }[])[0];
    for (const p of catalogCaching.edgePaths) {
      for (const pattern of [p, `${p}/*`]) {
        const b = behaviours.find((x) => x.PathPattern === pattern);
        expect(b, pattern).toMatchObject({ AllowedMethods: ['GET', 'HEAD'], TargetOriginId: group?.Id });
        expect(patterns.indexOf(pattern)).toBeLessThan(patterns.indexOf('/api/*'));
      }
    }
    const t = template(s, 'edge');
    t.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        MinTTL: 0,
        DefaultTTL: 0,
        MaxTTL: catalogCaching.maxAgeSeconds,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          QueryStringsConfig: { QueryStringBehavior: 'all' },
          CookiesConfig: { CookieBehavior: 'none' },
          HeadersConfig: { HeaderBehavior: 'none' },
        }),
      }),
    });
    t.hasResourceProperties('AWS::CloudFront::OriginRequestPolicy', {
      OriginRequestPolicyConfig: Match.objectLike({ CookiesConfig: { CookieBehavior: 'none' }, QueryStringsConfig: { QueryStringBehavior: 'all' } }),
    });
  });

  it("fails the shop's page reads over to the backup bucket per request, on topology's status codes and timeouts, and keeps writes on the ALB alone", () => {
    const d = distribution();
    const origins = d.Origins as CfnJson[];
    const groups = d.OriginGroups.Items as CfnJson[];
    // One origin group, shared by the catalog reads and the images.
    expect(groups).toHaveLength(1);
    const group = groups[0];
    expect(group.FailoverCriteria.StatusCodes).toEqual({ Items: [...edgeOriginFailover.statusCodes], Quantity: edgeOriginFailover.statusCodes.length });
    const [primary, fallback] = (group.Members.Items as { OriginId: string }[]).map((m) => origins.find((o) => o.Id === m.OriginId));
    // CloudFront fails over once the primary does not connect or answer in time: topology's timeouts, not 3 × 10 s and 30 s.
    expect(primary).toMatchObject({
      DomainName: apiDomainName,
      ConnectionTimeout: edgeOriginFailover.connectionTimeoutSeconds,
      ConnectionAttempts: edgeOriginFailover.connectionAttempts,
      CustomOriginConfig: expect.objectContaining({ OriginReadTimeout: edgeOriginFailover.responseTimeoutSeconds, OriginProtocolPolicy: 'https-only' }),
    });
    expect(primary.OriginCustomHeaders).toEqual([{ HeaderName: originVerifyHeader, HeaderValue: expect.anything() }]);
    expect(fallback).toMatchObject({ S3OriginConfig: expect.anything(), OriginAccessControlId: expect.anything() });

    const behaviours = d.CacheBehaviors as CfnJson[];
    const viaGroup = behaviours.filter((b) => b.TargetOriginId === group.Id).map((b) => b.PathPattern as string);
    expect(viaGroup.sort()).toEqual([...catalogCaching.edgePaths.flatMap((p) => [p, `${p}/*`]), '/media/*'].sort());
    // An origin group serves GET/HEAD/OPTIONS only: every behaviour that takes a write goes to the ALB alone,
    // with a response timeout long enough for a checkout.
    for (const b of [d.DefaultCacheBehavior, ...behaviours].filter((x) => ((x.AllowedMethods as string[] | undefined) ?? []).includes('POST'))) {
      expect(b.TargetOriginId, b.PathPattern).not.toBe(group.Id);
      const origin = origins.find((o) => o.Id === b.TargetOriginId);
      expect(origin.CustomOriginConfig.OriginReadTimeout, b.PathPattern).toBeGreaterThan(edgeOriginFailover.responseTimeoutSeconds);
      // ...and no longer than topology's write timeout: the ALB does not time out a hung target's request itself.
      expect(origin.CustomOriginConfig.OriginReadTimeout, b.PathPattern).toBe(requestTimeouts.writeSeconds);
    }
    // The Route 53 health check must see the ALB's own answer, never the backup site's.
    expect(behaviours.find((b) => b.PathPattern === frontDoorFailover.deepCheckPath)?.TargetOriginId).not.toBe(group.Id);
  });

  it('sends the origin header as a Secrets Manager reference, never a value in the template', () => {
    const d = distribution();
    const api = (d.Origins as CfnJson[]).find((o) => o.DomainName === apiDomainName);
    expect(api.OriginCustomHeaders).toHaveLength(1);
    expect(api.OriginCustomHeaders[0].HeaderName).toBe(originVerifyHeader);
    expect(renderText(api.OriginCustomHeaders[0].HeaderValue)).toMatch(/^\{\{resolve:secretsmanager:\$\{Fn::ImportValue:"[^"]*OriginVerifySecret[^"]*"\}:SecretString:::\}\}$/);
  });

  it('is guarded by the WAF web ACL from us-east-1, and serves /readyz (the failover health check) from the ALB uncached', () => {
    const d = distribution();
    // CDK's cross-region reference: the ARN, exported from us-east-1 into an SSM parameter here.
    expect(d.WebACLId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ExportsReader/), expect.stringMatching(/^\/cdk\/exports\/.*EdgeFirewallWebAcl.*Arn/)] });
    const readyz = (d.CacheBehaviors as CfnJson[]).find((b) => b.PathPattern === frontDoorFailover.deepCheckPath);
    const api = (d.CacheBehaviors as CfnJson[]).find((b) => b.PathPattern === '/api/*');
    expect(readyz).toMatchObject({ TargetOriginId: api.TargetOriginId, CachePolicyId: api.CachePolicyId, AllowedMethods: ['GET', 'HEAD'] });
  });

  it('deploys the storefront with a BucketDeployment', () => {
    template(s, 'edge').resourceCountIs('Custom::CDKBucketDeployment', 1);
  });

  it('points www. at CloudFront and api. at the ALB, with evaluateTargetHealth', () => {
    const t = template(s, 'edge');
    const distributionId = only(t, 'AWS::CloudFront::Distribution').id;
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: `${spaDomainName}.`,
      Type: 'A',
      AliasTarget: Match.objectLike({ DNSName: { 'Fn::GetAtt': [distributionId, 'DomainName'] } }),
    });
    t.hasResourceProperties('AWS::Route53::RecordSet', { Name: `${spaDomainName}.`, Type: 'AAAA' });
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: `${apiDomainName}.`,
      Type: 'A',
      AliasTarget: Match.objectLike({ EvaluateTargetHealth: true, DNSName: Match.objectLike({ 'Fn::Join': Match.anyValue() }) }),
    });
  });
});

describe('failover DNS (us-east-1)', () => {
  it('checks https://www.<domain>/readyz (through CloudFront, as shoppers reach the shop) with the topology interval and threshold', () => {
    const hc = only(template(s, 'failover'), 'AWS::Route53::HealthCheck');
    expect(hc.Properties.HealthCheckConfig).toMatchObject({
      Type: 'HTTPS',
      FullyQualifiedDomainName: spaDomainName,
      Port: 443,
      ResourcePath: frontDoorFailover.deepCheckPath,
      RequestInterval: frontDoorFailover.intervalSeconds,
      FailureThreshold: frontDoorFailover.failureThreshold,
      EnableSNI: true,
    });
  });

  it('has a PRIMARY alias to the ALB (via api.) with the health check and a SECONDARY alias to the S3 website, both evaluating target health', () => {
    const t = template(s, 'failover');
    const records = resourcesOf(t, 'AWS::Route53::RecordSet').filter((r) => r.Properties.Name === `${domainName}.`);
    const primary = records.find((r) => r.Properties.Failover === 'PRIMARY');
    const secondary = records.find((r) => r.Properties.Failover === 'SECONDARY');
    const hc = only(t, 'AWS::Route53::HealthCheck');
    expect(primary?.Properties).toMatchObject({
      Type: 'A',
      HealthCheckId: { Ref: hc.id },
      AliasTarget: { DNSName: apiDomainName, HostedZoneId: exampleDomain.hostedZoneId, EvaluateTargetHealth: true },
    });
    expect(secondary?.Properties).toMatchObject({
      Type: 'A',
      AliasTarget: { DNSName: 's3-website.ap-northeast-2.amazonaws.com', HostedZoneId: 'Z3W03O7B5YMIYP', EvaluateTargetHealth: true },
    });
    expect(secondary?.Properties.HealthCheckId).toBeUndefined();
  });

  it('alarms on the health-check status in us-east-1', () => {
    template(s, 'failover').hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Route53',
      MetricName: 'HealthCheckStatus',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
    });
  });
});

describe('observability', () => {
  function alarms() {
    return resourcesOf(template(s, 'observability'), 'AWS::CloudWatch::Alarm');
  }

  it('alarms on ALB 5xx rate, unhealthy hosts, p99, fleet at max, RDS CPU/storage/connections/replica lag, EFS I/O and the cache', () => {
    const metrics = alarms().map((a) => a.Properties.MetricName ?? (a.Properties.Metrics as { Id: string; Expression?: string }[]).find((m) => m.Expression)?.Expression);
    expect(metrics).toEqual(
      expect.arrayContaining([
        expect.stringContaining('elb5xx + target5xx'),
        'UnHealthyHostCount',
        'TargetResponseTime',
        'GroupInServiceInstances',
        'CPUUtilization',
        'FreeStorageSpace',
        'DatabaseConnections',
        'ReplicaLag',
        'PercentIOLimit',
        // The cache's, one expression over its nodes each (cache.test.ts).
        'MAX([n0, n1])',
      ]),
    );
    const atMax = alarms().find((a) => a.Properties.MetricName === 'GroupInServiceInstances');
    expect(atMax?.Properties.Threshold).toBe(autoScaling.maxCapacity);
    const p99 = alarms().find((a) => a.Properties.MetricName === 'TargetResponseTime');
    expect(p99?.Properties.ExtendedStatistic).toBe('p99');
  });

  it('alarms when the fullest root volume of the fleet passes 80 %', () => {
    const disk = alarms().find((a) => a.Properties.MetricName === instanceMetrics.diskUsedPercent);
    expect(disk?.Properties).toMatchObject({
      Namespace: instanceMetrics.namespace,
      Statistic: 'Maximum',
      Threshold: 80,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: [{ Name: 'AutoScalingGroupName', Value: expect.anything() }],
    });
  });

  it('alarms when no backup site reached its bucket for 3 export intervals, missing data included', () => {
    const stale = alarms().find((a) => a.Properties.MetricName === instanceMetrics.backupSiteUploaded);
    expect(backupSiteStaleAfterIntervals).toBe(3);
    expect(stale?.Properties).toMatchObject({
      Namespace: instanceMetrics.namespace,
      Statistic: 'Sum',
      Period: frontDoorFailover.backupExportIntervalSeconds,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      Dimensions: [{ Name: 'AutoScalingGroupName', Value: expect.anything() }],
    });
  });

  it('sends every alarm to an encrypted SNS topic with the email subscribed', () => {
    const t = template(s, 'observability');
    const topic = resourcesOf(t, 'AWS::SNS::Topic')[0];
    expect(topic?.Properties.KmsMasterKeyId).toBeDefined();
    for (const alarm of alarms()) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic?.id }]);
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('has a dashboard with the same metrics', () => {
    const dashboard = only(template(s, 'observability'), 'AWS::CloudWatch::Dashboard');
    const body = renderText(dashboard.Properties.DashboardBody);
    for (const metric of [
      'HTTPCode_Target_5XX_Count',
      'TargetResponseTime',
      'UnHealthyHostCount',
      'CPUUtilization',
      'ReplicaLag',
      'PercentIOLimit',
      'EngineCPUUtilization',
      'DatabaseMemoryUsagePercentage',
      'Evictions',
      'ReplicationLag',
    ]) {
      expect(body).toContain(metric);
    }
  });
});

describe('parity with topology/', () => {
  it('renders the same health-check, scaling, deregistration and deep-check values the twin renders', () => {
    const app = template(s, 'app');
    const tg = only(app, 'AWS::ElasticLoadBalancingV2::TargetGroup').Properties;
    const asg = only(app, 'AWS::AutoScaling::AutoScalingGroup');
    const policy = only(app, 'AWS::AutoScaling::ScalingPolicy').Properties;
    const pool = only(app, 'AWS::AutoScaling::WarmPool').Properties;
    const hc = only(template(s, 'failover'), 'AWS::Route53::HealthCheck').Properties.HealthCheckConfig;
    const deregistration = (tg.TargetGroupAttributes as { Key: string; Value: string }[]).find((a) => a.Key === 'deregistration_delay.timeout_seconds');

    // DesiredCapacity is deliberately absent (a deploy would reset a scaled-out group to it):
    // the group starts at MinSize, so topology must keep desired == min for that to hold.
    expect(asg.Properties.DesiredCapacity).toBeUndefined();
    const rendered = {
      healthCheckPath: tg.HealthCheckPath,
      healthCheckIntervalSeconds: tg.HealthCheckIntervalSeconds,
      healthCheckTimeoutSeconds: tg.HealthCheckTimeoutSeconds,
      healthyThreshold: tg.HealthyThresholdCount,
      unhealthyThreshold: tg.UnhealthyThresholdCount,
      deregistrationDelaySeconds: Number(deregistration?.Value),
      minCapacity: Number(asg.Properties.MinSize),
      maxCapacity: Number(asg.Properties.MaxSize),
      desiredCapacity: Number(asg.Properties.MinSize),
      cpuTargetPercent: policy.TargetTrackingConfiguration.TargetValue,
      instanceWarmupSeconds: asg.Properties.DefaultInstanceWarmup,
      warmPoolMinSize: pool.MinSize,
      warmPoolMaxGroupPreparedCapacity: pool.MaxGroupPreparedCapacity,
      warmPoolState: pool.PoolState,
      deepCheckPath: hc.ResourcePath,
      deepCheckIntervalSeconds: hc.RequestInterval,
      deepCheckFailureThreshold: hc.FailureThreshold,
      cacheReplicas: only(template(s, 'data'), 'AWS::ElastiCache::ReplicationGroup').Properties.NumCacheClusters - 1,
    };
    expect(rendered).toEqual(parityValues());
  });
});

describe('ALB listener rules', () => {
  it('sends a shopper on the bare domain to the SPA, whatever the path: the apex never reaches the shop', () => {
    template(s, 'app').hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [domainName] } }],
      Actions: [Match.objectLike({ Type: 'redirect', RedirectConfig: Match.objectLike({ Host: spaDomainName, Protocol: 'HTTPS', StatusCode: 'HTTP_302' }) })],
    });
    expect(originVerifyHeader).toMatch(/^x-/);
  });
});

describe('edge firewall (WAF, us-east-1)', () => {
  function webAcl() {
    return only(template(s, 'edgeFirewall'), 'AWS::WAFv2::WebACL').Properties;
  }

  it('is a CLOUDFRONT-scope web ACL that allows by default and publishes metrics for every rule', () => {
    const acl = webAcl();
    expect(acl).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} }, VisibilityConfig: expect.objectContaining({ CloudWatchMetricsEnabled: true }) });
    for (const rule of acl.Rules as CfnJson[]) expect(rule.VisibilityConfig).toMatchObject({ CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true });
  });

  it('runs the AWS managed rule groups: IP reputation, common, known bad inputs', () => {
    const groups = (webAcl().Rules as CfnJson[]).filter((r) => r.Statement.ManagedRuleGroupStatement).map((r) => r.Statement.ManagedRuleGroupStatement);
    expect(groups.map((g) => `${g.VendorName}/${g.Name}`)).toEqual(managedRuleGroups.map((name) => `AWS/${name}`));
    expect(managedRuleGroups).toEqual(['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet']);
    // Product-image uploads are bigger than the common set's 8 KB body limit: that rule only counts.
    const common = groups.find((g) => g.Name === 'AWSManagedRulesCommonRuleSet');
    expect(common.RuleActionOverrides).toEqual([{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }]);
  });

  it('blocks an IP that floods /api/auth/* or /api/checkout', () => {
    const rate = (webAcl().Rules as CfnJson[]).filter((r) => r.Statement.RateBasedStatement);
    expect(rate.map((r) => [r.Action, r.Statement.RateBasedStatement.ScopeDownStatement.ByteMatchStatement.SearchString, r.Statement.RateBasedStatement.Limit])).toEqual([
      [{ Block: {} }, '/api/auth/', rateLimits.auth.requestsPerWindow],
      [{ Block: {} }, '/api/checkout', rateLimits.checkout.requestsPerWindow],
    ]);
    for (const r of rate) {
      expect(r.Statement.RateBasedStatement).toMatchObject({ AggregateKeyType: 'IP', EvaluationWindowSec: rateLimits.windowSeconds });
      expect(r.Statement.RateBasedStatement.ScopeDownStatement.ByteMatchStatement).toMatchObject({ FieldToMatch: { UriPath: {} }, PositionalConstraint: 'STARTS_WITH' });
    }
  });
});
