import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { appPort } from '@evermall/topology';
import { originVerifyHeader } from '../lib/constructs/load-balancer.js';
import { profiles } from '../lib/parameters.js';
import { cfnLint, cfnLintAvailable, only, resourcesOf, synthesize, template, type CfnJson, type Synthesized } from './support/synthesized.js';

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
      name.endsWith('no-domain') ? ['app', 'data', 'edge', 'network', 'observability'] : ['app', 'data', 'edge', 'failover', 'network', 'observability'],
    );
  });

  it('has no unacknowledged cdk-nag (AwsSolutions) finding', () => {
    expect(synthesized[name].nagFindings).toEqual([]);
  });
});

it.skipIf(!cfnLintAvailable)('passes cfn-lint with 0 errors on every template of every configuration', () => {
  const result = cfnLint(...names.map((name) => synthesized[name].outdir));
  expect(result.errors, result.output).toEqual([]);
});
it.runIf(!cfnLintAvailable)('cfn-lint is not installed here: the cfn-lint check was skipped (pip install cfn-lint)', () => {
  expect(cfnLintAvailable).toBe(false);
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

  it('opens only port 80 on the ALB, and forwards only requests carrying the CloudFront origin header', () => {
    const alb = resourcesOf(template(s(), 'network'), 'AWS::EC2::SecurityGroup').find((g) => String(g.Properties.GroupDescription).startsWith('ALB'));
    expect((alb?.Properties.SecurityGroupIngress as CfnJson[]).map((r) => r.FromPort)).toEqual([80]);
    const app = template(s(), 'app');
    app.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [Match.objectLike({ Type: 'fixed-response', FixedResponseConfig: Match.objectLike({ StatusCode: '403' }) })],
    });
    app.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Conditions: [Match.objectLike({ Field: 'http-header', HttpHeaderConfig: Match.objectLike({ HttpHeaderName: originVerifyHeader }) })],
      Actions: [Match.objectLike({ Type: 'forward' })],
    });
    app.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::Listener', { Port: 443 }, 0);
  });

  it('serves everything on the CloudFront domain, with an origin group ALB → backup bucket for GET', () => {
    const d = only(template(s(), 'edge'), 'AWS::CloudFront::Distribution').Properties.DistributionConfig;
    expect(d.Aliases).toBeUndefined();
    const origins = d.Origins as CfnJson[];
    const group = d.OriginGroups.Items[0];
    const [primary, fallback] = (group.Members.Items as { OriginId: string }[]).map((m) => origins.find((o) => o.Id === m.OriginId));
    expect(JSON.stringify(primary.DomainName)).toMatch(/LoadBalancerAlb.*DNSName/);
    expect(primary.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'http-only' });
    expect(primary.OriginCustomHeaders).toEqual([{ HeaderName: originVerifyHeader, HeaderValue: expect.anything() }]);
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
