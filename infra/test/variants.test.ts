import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { appPort } from '@evermall/topology';
import { originVerifyHeader } from '../lib/constructs/load-balancer.js';
import { vpcCidr } from '../lib/constructs/network.js';
import { profiles } from '../lib/parameters.js';
import { cfnLint, cfnLintAvailable, only, renderText, resourcesOf, synthesize, template, type CfnJson, type Synthesized } from './support/synthesized.js';

// The other three configurations (example.test.ts covers production with a domain). Each is
// synthesized once, offline, as `npm run synth` does.
const names = ['production-no-domain', 'small-domain', 'small-no-domain'] as const;
const synthesized = {} as Record<(typeof names)[number], Synthesized>;
beforeAll(() => {
  for (const name of names) synthesized[name] = synthesize(name);
});

describe.each(names)('%s', (name) => {
  it('synthesizes offline: no missing context, no lookups', () => {
    const s = synthesized[name];
    expect(s.missingContext).toEqual([]);
    expect(Object.keys(s.templates).sort()).toEqual(
      name.endsWith('no-domain')
        ? ['app', 'data', 'edge', 'edgeFirewall', 'identity', 'network', 'observability']
        : ['app', 'data', 'edge', 'edgeFirewall', 'failover', 'identity', 'network', 'observability'],
    );
  });

  it('has no unacknowledged cdk-nag (AwsSolutions) finding', () => {
    expect(synthesized[name].nagFindings).toEqual([]);
  });
});

// Skipped, and named so in the report, where cfn-lint is not installed (pip install cfn-lint).
it.skipIf(!cfnLintAvailable)('passes cfn-lint with 0 errors on every template of every configuration (skipped without cfn-lint)', () => {
  const result = cfnLint(...names.map((name) => synthesized[name].outdir));
  expect(result.errors, result.output).toEqual([]);
});

describe('small profile', () => {
  it('has one NAT gateway, small classes and no read replica, but keeps Multi-AZ', () => {
    const s = synthesized['small-no-domain'];
    template(s, 'network').resourceCountIs('AWS::EC2::NatGateway', profiles.small.natGateways);
    const db = resourcesOf(template(s, 'data'), 'AWS::RDS::DBInstance');
    expect(db).toHaveLength(1);
    expect(db[0]?.Properties).toMatchObject({ MultiAZ: true, DBInstanceClass: `db.${profiles.small.databaseInstanceType}` });
    const lt = only(template(s, 'app'), 'AWS::EC2::LaunchTemplate');
    expect(lt.Properties.LaunchTemplateData.InstanceType).toBe(profiles.small.instanceType);
    resourcesOf(template(s, 'observability'), 'AWS::CloudWatch::Alarm').forEach((a) => expect(a.Properties.MetricName).not.toBe('ReplicaLag'));
  });

  it('reads the catalog from the writer when there is no replica', () => {
    const lt = only(template(synthesized['small-no-domain'], 'app'), 'AWS::EC2::LaunchTemplate');
    expect(JSON.stringify(lt.Properties.LaunchTemplateData.UserData)).toContain("READER_HOST=''");
  });

  it('production has a NAT gateway per AZ and a replica', () => {
    const s = synthesized['production-no-domain'];
    template(s, 'network').resourceCountIs('AWS::EC2::NatGateway', profiles.production.natGateways);
    expect(resourcesOf(template(s, 'data'), 'AWS::RDS::DBInstance')).toHaveLength(2);
  });
});

describe('without a domain', () => {
  const s = () => synthesized['small-no-domain'];

  it('has no Route 53 records and no failover stack', () => {
    expect(s().stacks.failover).toBeUndefined();
    template(s(), 'edge').resourceCountIs('AWS::Route53::RecordSet', 0);
  });

  it('has an internal ALB in the private subnets that admits only the VPC, where CloudFront VPC origins connect from', () => {
    const alb = only(template(s(), 'app'), 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(alb.Properties.Scheme).toBe('internal');
    expect(JSON.stringify(alb.Properties.Subnets)).toMatch(/appSubnet/);
    const groups = resourcesOf(template(s(), 'network'), 'AWS::EC2::SecurityGroup');
    const albGroup = groups.find((g) => String(g.Properties.GroupDescription).startsWith('ALB'));
    expect(albGroup?.Properties.SecurityGroupIngress).toEqual([expect.objectContaining({ CidrIp: vpcCidr, FromPort: 80, ToPort: 80 })]);
    // Nothing in the app's network faces the internet.
    for (const g of groups) for (const rule of (g.Properties.SecurityGroupIngress ?? []) as CfnJson[]) expect(rule.CidrIp).not.toBe('0.0.0.0/0');
  });

  it('forwards only requests carrying the CloudFront origin header, read from Secrets Manager', () => {
    const app = template(s(), 'app');
    app.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [Match.objectLike({ Type: 'fixed-response', FixedResponseConfig: Match.objectLike({ StatusCode: '403' }) })],
    });
    const rule = only(app, 'AWS::ElasticLoadBalancingV2::ListenerRule');
    expect(rule.Properties.Actions).toEqual([expect.objectContaining({ Type: 'forward' })]);
    expect(rule.Properties.Conditions).toEqual([
      expect.objectContaining({ Field: 'http-header', HttpHeaderConfig: expect.objectContaining({ HttpHeaderName: originVerifyHeader }) }),
    ]);
    expect(renderText(rule.Properties.Conditions[0].HttpHeaderConfig.Values[0])).toMatch(/^\{\{resolve:secretsmanager:/);
    app.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::Listener', { Port: 443 }, 0);
  });

  it('serves everything on the CloudFront domain, with an origin group ALB → backup bucket for GET', () => {
    const d = only(template(s(), 'edge'), 'AWS::CloudFront::Distribution').Properties.DistributionConfig;
    expect(d.Aliases).toBeUndefined();
    const origins = d.Origins as CfnJson[];
    const group = d.OriginGroups.Items[0];
    const [primary, fallback] = (group.Members.Items as { OriginId: string }[]).map((m) => origins.find((o) => o.Id === m.OriginId));
    // A VPC origin: CloudFront's private connection into the VPC, not the internet.
    expect(primary.CustomOriginConfig).toBeUndefined();
    const vpcOrigin = only(template(s(), 'edge'), 'AWS::CloudFront::VpcOrigin');
    expect(JSON.stringify(primary.VpcOriginConfig.VpcOriginId)).toContain(vpcOrigin.id);
    expect(vpcOrigin.Properties.VpcOriginEndpointConfig).toMatchObject({ HTTPPort: 80, OriginProtocolPolicy: 'http-only' });
    expect(JSON.stringify(vpcOrigin.Properties.VpcOriginEndpointConfig.Arn)).toMatch(/LoadBalancerAlb/);
    expect(primary.OriginCustomHeaders).toEqual([{ HeaderName: originVerifyHeader, HeaderValue: expect.anything() }]);
    expect(renderText(primary.OriginCustomHeaders[0].HeaderValue)).toMatch(/^\{\{resolve:secretsmanager:\$\{Fn::ImportValue:/);
    expect(fallback.S3OriginConfig).toBeDefined();
    expect(fallback.OriginAccessControlId).toBeDefined();
    const media = (d.CacheBehaviors as CfnJson[]).find((b) => b.PathPattern === '/media/*');
    expect(media.TargetOriginId).toBe(group.Id);
    expect(media.AllowedMethods).toEqual(['GET', 'HEAD']);
    // The viewer's Host (the CloudFront domain) reaches the shop, so its CSRF check sees Origin == Host.
    const api = (d.CacheBehaviors as CfnJson[]).find((b) => b.PathPattern === '/api/*');
    expect(api.OriginRequestPolicyId).toBe('216adef6-5c7f-47e4-b989-5492eafa07d3');
  });

  it('keeps the backup bucket private and lets only CloudFront of this account read it', () => {
    const app = template(s(), 'app');
    // No website, so no maintenance page to seed.
    app.resourceCountIs('Custom::CDKBucketDeployment', 0);
    const bucket = resourcesOf(app, 'AWS::S3::Bucket').find((b) => b.id.startsWith('BackupSiteBucket'));
    expect(bucket?.Properties.WebsiteConfiguration).toBeUndefined();
    expect(bucket?.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    const policy = resourcesOf(app, 'AWS::S3::BucketPolicy').find((p) => JSON.stringify(p.Properties.Bucket).includes('BackupSiteBucket'));
    const statements = policy?.Properties.PolicyDocument.Statement as CfnJson[];
    const allows = statements.filter((x) => x.Effect === 'Allow');
    expect(allows).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Condition: { StringEquals: { 'AWS:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
  });

  it('still health-checks targets on the app port', () => {
    const tg = only(template(s(), 'app'), 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(tg.Properties.Port).toBe(appPort);
  });
});
