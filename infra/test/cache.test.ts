import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cache as topologyCache } from '@evermall/topology';
import { profiles } from '../lib/parameters.js';
import { cacheEngine, cacheLogTypes, cachePort } from '../lib/constructs/cache.js';
import { instanceDirectories, instancePaths } from '../lib/constructs/user-data.js';
import {
  cacheEnvStepInputs,
  cfnLint,
  cfnLintAvailable,
  only,
  renderText,
  resourcesOf,
  synthesize,
  template,
  writeEnvStep,
  type CfnJson,
  type Synthesized,
} from './support/synthesized.js';

/**
 * The cache tier on AWS (issue 14, item 1): an ElastiCache (Valkey) replication group, Multi-AZ with
 * automatic failover, TLS and AUTH, reachable from the shop instances only; its alarms; and what the
 * env step writes for the shop. Nothing here ran on AWS: these are the templates.
 */
let production: Synthesized; // production profile, example domain, defaults
let resized: Synthesized; // small profile, no domain, cacheNodeType and cacheReplicas overridden
beforeAll(() => {
  production = synthesize('example');
  resized = synthesize('small-no-domain', { cacheNodeType: 'cache.r7g.large', cacheReplicas: '2' });
});

const group = (s: Synthesized) => only(template(s, 'data'), 'AWS::ElastiCache::ReplicationGroup');
const cacheAlarms = (s: Synthesized) =>
  resourcesOf(template(s, 'observability'), 'AWS::CloudWatch::Alarm').filter((a) => JSON.stringify(a.Properties.Metrics ?? []).includes('AWS/ElastiCache'));
/** The metric names and node ids one cache alarm reads, and its MAX expression. */
function alarmReads(alarm: CfnJson): { expression: string; metricNames: string[]; nodes: string[] } {
  const metrics = alarm.Properties.Metrics as CfnJson[];
  const stats = metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat.Metric);
  return {
    expression: metrics.find((m) => m.Expression)?.Expression,
    metricNames: [...new Set(stats.map((m) => m.MetricName as string))],
    nodes: stats.map((m) => renderText(m.Dimensions.find((d: CfnJson) => d.Name === 'CacheClusterId').Value)),
  };
}

describe('the replication group', () => {
  it('runs Valkey with one primary and one replica in the other zone, Multi-AZ with automatic failover, cluster mode off', () => {
    expect(topologyCache.replicas).toBe(1);
    const p = group(production).Properties;
    expect(p).toMatchObject({
      Engine: 'valkey',
      EngineVersion: cacheEngine.version,
      NumCacheClusters: 1 + topologyCache.replicas,
      MultiAZEnabled: true,
      AutomaticFailoverEnabled: true,
      Port: cachePort,
      AutoMinorVersionUpgrade: false,
    });
    expect(p.NumNodeGroups).toBeUndefined();
    expect(p.ClusterMode).toBeUndefined();
    // The primary in the first zone, the replica in the second.
    expect(p.PreferredCacheClusterAZs).toEqual([0, 1].map((i) => ({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] })));
  });

  it('takes the node type from the profile', () => {
    expect(group(production).Properties.CacheNodeType).toBe(profiles.production.cacheNodeType);
    const small = synthesize('small-domain');
    expect(group(small).Properties.CacheNodeType).toBe(profiles.small.cacheNodeType);
    expect(profiles.small.cacheNodeType).toBe('cache.t4g.small');
  });

  it('requires TLS and encrypts at rest with a key of its own that rotates', () => {
    const t = template(production, 'data');
    const p = group(production).Properties;
    expect(p).toMatchObject({ TransitEncryptionEnabled: true, TransitEncryptionMode: 'required', AtRestEncryptionEnabled: true });
    const key = resourcesOf(t, 'AWS::KMS::Key').find((k) => k.id.startsWith('CacheKey'));
    expect(key?.Properties.EnableKeyRotation).toBe(true);
    expect(p.KmsKeyId).toEqual({ 'Fn::GetAtt': [key!.id, 'Arn'] });
  });

  it('requires the AUTH token of a secret the stack generates, through a dynamic reference only', () => {
    const t = template(production, 'data');
    const secret = resourcesOf(t, 'AWS::SecretsManager::Secret').find((x) => x.id.startsWith('CacheAuthToken'));
    expect(secret?.Properties.GenerateSecretString).toEqual({ PasswordLength: 64, ExcludePunctuation: true });
    expect(secret?.Properties.SecretString).toBeUndefined();
    expect(renderText(group(production).Properties.AuthToken)).toBe(`{{resolve:secretsmanager:\${Ref:"${secret!.id}"}:SecretString:::}}`);
    // No rotation schedule: ElastiCache takes a new token only through ModifyReplicationGroup (nag-acknowledgements.ts).
    expect(resourcesOf(t, 'AWS::SecretsManager::RotationSchedule').filter((r) => JSON.stringify(r.Properties.SecretId).includes(secret!.id))).toEqual([]);
  });

  it('lives in the isolated subnets of both zones', () => {
    const t = template(production, 'data');
    const subnets = only(t, 'AWS::ElastiCache::SubnetGroup');
    expect(group(production).Properties.CacheSubnetGroupName).toEqual({ Ref: subnets.id });
    const ids = (subnets.Properties.SubnetIds as CfnJson[]).map((x) => JSON.stringify(x));
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/VpcdataSubnet/);
  });

  it('evicts any least recently used key when full, keeps no snapshots, and has a maintenance window apart from the database’s', () => {
    const t = template(production, 'data');
    const parameters = only(t, 'AWS::ElastiCache::ParameterGroup');
    expect(parameters.Properties).toMatchObject({ CacheParameterGroupFamily: cacheEngine.parameterGroupFamily, Properties: { 'maxmemory-policy': 'allkeys-lru' } });
    const p = group(production).Properties;
    expect(p.CacheParameterGroupName).toEqual({ Ref: parameters.id });
    expect(p.SnapshotRetentionLimit).toBe(0);
    expect(p.SnapshotWindow).toBeUndefined();
    expect(p.PreferredMaintenanceWindow).toBe('sun:19:30-sun:20:30');
    const database = resourcesOf(t, 'AWS::RDS::DBInstance').find((d) => d.Properties.PreferredMaintenanceWindow);
    expect(database?.Properties.PreferredMaintenanceWindow).not.toBe(p.PreferredMaintenanceWindow);
  });

  it('ships the slow log and the engine log to CloudWatch Logs groups with a retention', () => {
    const t = template(production, 'data');
    const deliveries = group(production).Properties.LogDeliveryConfigurations as CfnJson[];
    expect(deliveries.map((d) => d.LogType).sort()).toEqual([...cacheLogTypes].sort());
    const logGroups = resourcesOf(t, 'AWS::Logs::LogGroup');
    for (const d of deliveries) {
      expect(d).toMatchObject({ DestinationType: 'cloudwatch-logs', LogFormat: 'json' });
      const target = logGroups.find((g) => g.id === d.DestinationDetails.CloudWatchLogsDetails.LogGroup.Ref);
      expect(target?.Properties.RetentionInDays).toBe(30);
    }
  });
});

describe('parameters cacheNodeType and cacheReplicas', () => {
  it('change the node type, the node count and the zones the nodes go to', () => {
    const p = group(resized).Properties;
    expect(p.CacheNodeType).toBe('cache.r7g.large');
    expect(p.NumCacheClusters).toBe(3);
    // The primary in the first zone, the replicas alternating from the second.
    expect(p.PreferredCacheClusterAZs).toEqual([0, 1, 0].map((i) => ({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] })));
  });

  it('make every cache alarm read every node', () => {
    for (const alarm of cacheAlarms(resized)) {
      const { expression, nodes } = alarmReads(alarm);
      expect(expression).toBe('MAX([n0, n1, n2])');
      expect(nodes.map((n) => n.slice(-4))).toEqual(['-001', '-002', '-003']);
    }
  });

  it('keep cdk-nag clean and need no lookups', () => {
    expect(resized.nagFindings).toEqual([]);
    expect(resized.missingContext).toEqual([]);
  });

  it.skipIf(!cfnLintAvailable)('passes cfn-lint with 0 errors with the overrides (skipped without cfn-lint)', () => {
    const result = cfnLint(resized.outdir);
    expect(result.errors, result.output).toEqual([]);
  });
});

describe('the cache alarms', () => {
  it('watch engine CPU, memory, evictions and replication lag on every node, each to the alarm topic', () => {
    const alarms = cacheAlarms(production);
    const byMetric = new Map(alarms.map((a) => [alarmReads(a).metricNames.join(','), a]));
    expect([...byMetric.keys()].sort()).toEqual(['DatabaseMemoryUsagePercentage', 'EngineCPUUtilization', 'Evictions', 'ReplicationLag']);
    const topic = resourcesOf(template(production, 'observability'), 'AWS::SNS::Topic').find((t) => t.id.startsWith('ObservabilityAlarms'));
    for (const alarm of alarms) {
      const { expression, nodes } = alarmReads(alarm);
      expect(expression).toBe('MAX([n0, n1])');
      // The group's id is Ref of the replication group, exported by the Data stack.
      for (const node of nodes) expect(node).toMatch(/^\$\{Fn::ImportValue:"Evermall-Data:ExportsOutputRefCacheReplicationGroup[^"]*"\}-00[12]$/);
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic!.id }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topic!.id }]);
      expect(alarm.Properties.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    }
    expect(byMetric.get('EngineCPUUtilization')?.Properties).toMatchObject({ Threshold: 80, EvaluationPeriods: 5 });
    expect(byMetric.get('DatabaseMemoryUsagePercentage')?.Properties).toMatchObject({ Threshold: 90, EvaluationPeriods: 15 });
    expect(byMetric.get('Evictions')?.Properties).toMatchObject({ Threshold: 100, EvaluationPeriods: 15 });
    expect(byMetric.get('ReplicationLag')?.Properties).toMatchObject({ Threshold: 10, EvaluationPeriods: 5 });
  });
});

describe('the shop instances and the cache', () => {
  it('may read the cache AUTH secret', () => {
    const policies = resourcesOf(template(production, 'app'), 'AWS::IAM::Policy').filter((p) => JSON.stringify(p.Properties.Roles).includes('FleetInstanceRole'));
    const reads = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement as CfnJson[])
      .filter((x) => JSON.stringify(x.Action).includes('secretsmanager:GetSecretValue'))
      .flatMap((x) => (Array.isArray(x.Resource) ? x.Resource : [x.Resource]).map((r: CfnJson) => JSON.stringify(r)));
    expect(reads.filter((r) => r.includes('CacheAuthToken'))).toHaveLength(1);
  });

  it('read the token in the env step and pass the primary endpoint to it', () => {
    const userData = renderText(only(template(production, 'app'), 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData);
    expect(userData).toMatch(
      /\ncache=\$\(aws secretsmanager get-secret-value [^)]*--secret-id '\$\{Fn::ImportValue:"[^"]*CacheAuthToken[^"]*"\}' --query SecretString --output text\)\n/,
    );
    expect(userData).toMatch(/CACHE_AUTH="\$cache" CACHE_HOST='\$\{Fn::ImportValue:"[^"]*CacheReplicationGroup[^"]*PrimaryEndPointAddress[^"]*"\}'/);
  });

  it('get CACHE_URL (rediss, the primary endpoint, no password) and CACHE_PASSWORD from the env step Node runs as written', () => {
    const userData = renderText(only(template(production, 'app'), 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-cache-env-'));
    try {
      const envStep = writeEnvStep(userData, instanceDirectories.secrets, dir);
      const run = (cache: Record<string, string>) =>
        spawnSync(process.execPath, [envStep], {
          env: {
            APP_SECRET: JSON.stringify({ host: 'db.example.internal', port: 5433, dbname: 'evermall', username: 'evermall_app', password: 'pw' }),
            SESSION_SECRET_VALUE: 's',
            PAYMENT_SECRET: JSON.stringify({ clientKey: 'test_ck_1', secretKey: 'test_sk_1' }),
            OIDC_CLIENT: '',
            READER_HOST: '',
            ...cache,
          },
          encoding: 'utf8',
        });
      const envFile = path.join(dir, path.basename(instancePaths.env));

      const written = run(cacheEnvStepInputs);
      expect(written.status, written.stderr).toBe(0);
      const lines = readFileSync(envFile, 'utf8').split('\n');
      expect(lines).toContain(`CACHE_URL=rediss://${cacheEnvStepInputs.CACHE_HOST}:${cachePort}`);
      expect(lines).toContain(`CACHE_PASSWORD=${cacheEnvStepInputs.CACHE_AUTH}`);
      expect(lines.filter((l) => l.includes(cacheEnvStepInputs.CACHE_AUTH))).toEqual([`CACHE_PASSWORD=${cacheEnvStepInputs.CACHE_AUTH}`]);

      // A token that is too short or would break the environment file, or no endpoint: the step stops and writes nothing.
      rmSync(envFile);
      for (const bad of [
        { ...cacheEnvStepInputs, CACHE_AUTH: 'short' },
        { ...cacheEnvStepInputs, CACHE_AUTH: `${cacheEnvStepInputs.CACHE_AUTH}\nSESSION_SECRET=evil` },
        { ...cacheEnvStepInputs, CACHE_AUTH: '' },
        { ...cacheEnvStepInputs, CACHE_HOST: '' },
      ]) {
        const refused = run(bad);
        expect(refused.status, JSON.stringify(bad)).not.toBe(0);
        expect(refused.stderr).toContain('the cache AUTH token must be 16 to 128 characters');
        expect(existsSync(envFile)).toBe(false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
