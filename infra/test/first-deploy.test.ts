import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { migrateCommand, renderShopUserData } from '../lib/constructs/user-data.js';
import { cfnLint, cfnLintAvailable, only, renderText, resourcesOf, synthesize, template, type Synthesized } from './support/synthesized.js';

// Defect 5 (a failed first deploy gets stuck) and 6 (migrations on every boot): a first deploy
// runs without deletion protection and with a bucket a rollback can delete; every later deploy is
// protected, and its instances only check the schema that the deploy migrated once.
const firstDeploys = ['first-deploy-domain', 'first-deploy-no-domain'] as const;
const synthesized = {} as Record<(typeof firstDeploys)[number] | 'small-domain', Synthesized>;
beforeAll(() => {
  for (const name of [...firstDeploys, 'small-domain'] as const) synthesized[name] = synthesize(name);
});

const userData = (s: Synthesized) => renderText(only(template(s, 'app'), 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData);
const albProtection = (s: Synthesized) =>
  only(template(s, 'app'), 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.LoadBalancerAttributes.find((a: { Key: string }) => a.Key === 'deletion_protection.enabled')
    ?.Value;
const backupBucket = (s: Synthesized) => resourcesOf(template(s, 'app'), 'AWS::S3::Bucket').find((b) => b.id.startsWith('BackupSiteBucket'))!;

describe.each(firstDeploys)('%s', (name) => {
  it('has no unacknowledged cdk-nag finding', () => {
    expect(synthesized[name].nagFindings).toEqual([]);
  });

  it('leaves nothing that blocks a rollback: no deletion or termination protection', () => {
    const s = synthesized[name];
    for (const db of resourcesOf(template(s, 'data'), 'AWS::RDS::DBInstance')) expect(db.Properties.DeletionProtection, db.id).toBe(false);
    expect(albProtection(s)).toBe('false');
    expect(s.stacks.data.terminationProtection).toBe(false);
  });

  it('deletes the backup-site bucket on a rollback, emptying every version first, so a retry can create it again', () => {
    const s = synthesized[name];
    const bucket = backupBucket(s);
    expect(bucket.DeletionPolicy).toBe('Delete');
    expect(bucket.Properties.Tags).toEqual(expect.arrayContaining([{ Key: 'aws-cdk:auto-delete-objects', Value: 'true' }]));
    template(s, 'app').hasResourceProperties('Custom::S3AutoDeleteObjects', { BucketName: { Ref: bucket.id } });
  });

  it('migrates at boot: there is no instance yet to run the release’s migration step on', () => {
    expect(userData(synthesized[name])).toMatch(/\n\/usr\/local\/bin\/evermall-db-setup migrate\n/);
  });
});

describe('a later deploy (small-domain, the default parameters)', () => {
  it('protects the database, the ALB and the data stack, and keeps the website bucket whose name is the domain', () => {
    const s = synthesized['small-domain'];
    for (const db of resourcesOf(template(s, 'data'), 'AWS::RDS::DBInstance')) expect(db.Properties.DeletionProtection, db.id).toBe(true);
    expect(albProtection(s)).toBe('true');
    expect(s.stacks.data.terminationProtection).toBe(true);
    const bucket = backupBucket(s);
    expect(bucket.Properties.BucketName).toBe('shop.example.com');
    expect(bucket.DeletionPolicy).toBe('Retain');
    // No emptying custom resource, and no tag it would act on: turning protection on never empties the bucket.
    template(s, 'app').resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    expect(JSON.stringify(bucket.Properties.Tags ?? [])).not.toContain('aws-cdk:auto-delete-objects');
  });

  it('only checks the schema at boot (as the app role, which cannot migrate) and installs the per-release migration step', () => {
    const text = userData(synthesized['small-domain']);
    expect(text).toMatch(/\n\/usr\/local\/bin\/evermall-db-setup check\n/);
    expect(text).toContain('check) shop "$work/app.json" migrate ;;');
    expect(text).toContain('migrate) shop "$work/migrator.json" migrate ;;');
    // The step refuses a bundle that is not the release the deploy built.
    expect(text).toContain(`cat > ${migrateCommand} <<'MIGRATE'`);
    expect(text).toContain(
      `[ "$("$work/release/runtime/node" -p 'require(process.argv[1]).inputsDigest' "$work/release/release.json")" = "$2" ] || { echo "the bundle is not release $2" >&2; exit 65; }`,
    );
    expect(text).toContain('RELEASE="$work/release" /usr/local/bin/evermall-db-setup migrate');
  });

  it('publishes the URL the smoke check requests', () => {
    template(synthesized['small-domain'], 'edge').hasOutput('ShopUrl', { Value: 'https://www.shop.example.com' });
    template(synthesized['first-deploy-no-domain'], 'edge').hasOutput('ShopUrl', {
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^SpaDistribution'), 'DomainName'] }]] },
    });
  });
});

it('renders a bootstrap bash parses, with and without the boot migrating', () => {
  for (const bootMigrates of [true, false]) {
    const script = renderShopUserData({
      ...{ region: 'ap-northeast-2', stackName: 'Evermall-App', autoScalingGroupLogicalId: 'Group', autoScalingGroupName: 'Evermall-App-shop' },
      ...{
        bundleBucket: 'bucket',
        bundleKey: 'key.zip',
        fileSystemId: 'fs-1',
        accessPointId: 'fsap-1',
        paymentSecretArn: 'arn:payment',
        shopClientSecretName: 'Evermall/shop-oidc-client',
        cacheAuthSecretArn: 'arn:cache',
        cacheHost: 'master.evermall-cache.abc123.apn2.cache.amazonaws.com',
        eventBrokerUrl: 'arn:aws:sns:ap-northeast-2:123456789012:Evermall-App-OrderEventsTopic.fifo',
        mediaBucket: 'evermall-app-mediapipelinebucketd24fe6fd-1a2b3c4d5e6f',
      },
      ...{ appSecretArn: 'arn:app', migratorSecretArn: 'arn:migrator', sessionSecretArn: 'arn:session', backupBucket: 'backup' },
      ...{ logGroupName: 'logs', allowedOrigins: '', vpcCidr: '10.0.0.0/16', bootMigrates },
    });
    // The whole script, and the scripts it writes (bash -n does not look inside a here-document).
    const inner = ['ENVSCRIPT', 'DBSETUP', 'MIGRATE'].map((tag) => script.split(`<<'${tag}'\n`)[1]?.split(`\n${tag}\n`)[0] ?? '');
    for (const text of [script, ...inner]) {
      expect(text.length).toBeGreaterThan(0);
      const check = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
      expect(check.status, check.stderr).toBe(0);
    }
  }
});

it.skipIf(!cfnLintAvailable)('first deploys pass cfn-lint with 0 errors (skipped without cfn-lint)', () => {
  const result = cfnLint(...firstDeploys.map((name) => synthesized[name].outdir));
  expect(result.errors, result.output).toEqual([]);
});
