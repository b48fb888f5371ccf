import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { databaseCredentialsFile, databaseRoles } from '@evermall/shop/release';
import { databaseLoginRefreshMinutes, instanceDirectories, rdsCaBundle } from '../lib/constructs/user-data.js';
import { tossPayments } from '../lib/constructs/payment-provider.js';
import { cacheEnvStepInputs, type CfnJson, only, renderText, resourcesOf, synthesize, template, writeEnvStep, type Synthesized } from './support/synthesized.js';

/**
 * The shop's database logins on AWS (issue 11, defect 1): its own least-privilege role and a
 * migration role, each in a secret of its own; the app's rotated by alternating users; the
 * instances verify the database's certificate and re-read their login after every rotation.
 */
let s: Synthesized;
let userData = '';
beforeAll(() => {
  s = synthesize('example');
  userData = renderText(only(template(s, 'app'), 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData);
});

describe('database logins', () => {
  it('keeps the app role and the migration role in secrets of their own, each naming the master secret', () => {
    const secrets = resourcesOf(template(s, 'data'), 'AWS::SecretsManager::Secret');
    for (const username of [databaseRoles.app, databaseRoles.migrator]) {
      const secret = secrets.find((x) => JSON.stringify(x.Properties.GenerateSecretString?.SecretStringTemplate).includes(`username\\":\\"${username}\\"`));
      expect(secret, username).toBeDefined();
      // masterarn: the multi-user rotation function acts as the master user (to create the clone).
      expect(JSON.stringify(secret!.Properties.GenerateSecretString.SecretStringTemplate)).toContain('masterarn');
    }
    // Attached to the instance: host, port and dbname are in each secret (the fourth: the event consumers', order-events.test.ts).
    expect(resourcesOf(template(s, 'data'), 'AWS::SecretsManager::SecretTargetAttachment')).toHaveLength(4);
  });

  it('rotates the app and consumer logins by alternating users, the migration role and the master as single users', () => {
    const t = template(s, 'data');
    // Each rotation function is a serverless application whose id a mapping holds per partition.
    const mappings = t.toJSON().Mappings as Record<string, Record<string, { applicationId: string }>>;
    const applications = resourcesOf(t, 'AWS::Serverless::Application').map((a) => mappings[a.Properties.Location.ApplicationId['Fn::FindInMap'][0]]!.aws!.applicationId);
    expect(applications.filter((a) => a.includes('SecretsManagerRDSPostgreSQLRotationMultiUser'))).toHaveLength(2);
    expect(applications.filter((a) => a.includes('SecretsManagerRDSPostgreSQLRotationSingleUser'))).toHaveLength(2);
    const schedules = resourcesOf(t, 'AWS::SecretsManager::RotationSchedule');
    expect(schedules).toHaveLength(4);
    for (const schedule of schedules) expect(schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(30 days)' });
    // The shop's logins are not rotated at deploy: a rotation first logs in as the current user.
    const app = schedules.find((x) => JSON.stringify(x.Properties.SecretId).includes('AppSecret'));
    const migrator = schedules.find((x) => JSON.stringify(x.Properties.SecretId).includes('MigratorSecret'));
    expect(app?.Properties.RotateImmediatelyOnUpdate).toBe(false);
    expect(migrator?.Properties.RotateImmediatelyOnUpdate).toBe(false);
  });

  it('lets the instances read the app and migration logins, the session key, the payment keys, the cache token and the sign-in client, and never the master secret', () => {
    const t = template(s, 'app');
    const instanceRole = resourcesOf(t, 'AWS::IAM::Role').find((r) => r.id.startsWith('FleetInstanceRole'));
    const policies = resourcesOf(t, 'AWS::IAM::Policy').filter((p) => JSON.stringify(p.Properties.Roles).includes('FleetInstanceRole'));
    const reads = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement as CfnJson[])
      .filter((x) => JSON.stringify(x.Action).includes('secretsmanager:GetSecretValue'))
      .flatMap((x) => (Array.isArray(x.Resource) ? x.Resource : [x.Resource]).map((r: CfnJson) => JSON.stringify(r)));
    for (const name of ['DatabaseAppSecretAttachment', 'DatabaseMigratorSecretAttachment', 'SessionSecret', 'PaymentProviderTossSecret', 'CacheAuthToken']) {
      expect(
        reads.some((r) => r.includes(name)),
        name,
      ).toBe(true);
    }
    // The sixth: the shop's sign-in client, by its fixed name (user-pool.test.ts).
    expect(reads).toHaveLength(6);
    expect(reads.filter((r) => r.includes('shop-oidc-client'))).toHaveLength(1);
    // The master secret's ARN (its attachment's, as the data stack exports it) appears nowhere in the role or its policies.
    const masterArn = /DatabaseInstanceSecretAttachment|DatabaseInstanceSecret[0-9A-F]{8}/;
    expect(JSON.stringify([instanceRole, ...policies])).not.toMatch(masterArn);
    // Only the database-roles function and the rotation functions read it (data stack).
    const masterReaders = resourcesOf(template(s, 'data'), 'AWS::IAM::Policy').filter((p) =>
      (p.Properties.PolicyDocument.Statement as CfnJson[]).some(
        (x) => JSON.stringify(x.Action).includes('secretsmanager:GetSecretValue') && masterArn.test(JSON.stringify(x.Resource)),
      ),
    );
    expect(masterReaders.map((p) => p.id).filter((id) => id.startsWith('DatabaseRolesFunction'))).toHaveLength(1);
  });

  it('creates the shop roles at deploy through a custom resource after the database, with every secret it reads named', () => {
    const t = template(s, 'data');
    const [roles] = Object.entries(t.findResources('Custom::EvermallDatabaseRoles'));
    expect(roles).toBeDefined();
    const [, resource] = roles! as [string, CfnJson];
    expect(resource.Properties).toMatchObject({ AppRole: databaseRoles.app, MigratorRole: databaseRoles.migrator });
    expect(JSON.stringify(resource.Properties.MasterSecretArn)).toMatch(/DatabaseInstanceSecretAttachment/);
    expect(JSON.stringify(resource.Properties.AppSecretArn)).toMatch(/DatabaseAppSecretAttachment/);
    expect(resource.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^DatabaseInstance[0-9A-F]{8}$/)]));
    const fn = resourcesOf(t, 'AWS::Lambda::Function').find((f) => f.id.startsWith('DatabaseRolesFunction'));
    expect(fn?.Properties).toMatchObject({ Runtime: 'nodejs24.x', Handler: 'index.handler', Environment: { Variables: { NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' } } });
  });

  it('keeps the database behind four peers: the fleet, the database-roles function, the event consumers and the rotation functions', () => {
    const t = template(s, 'data');
    t.hasResourceProperties('AWS::EC2::SecurityGroup', { GroupDescription: Match.stringLikeRegexp('rotation functions') });
    const dbSg = resourcesOf(t, 'AWS::EC2::SecurityGroup').find((g) => String(g.Properties.GroupDescription).startsWith('RDS'));
    const rules = resourcesOf(t, 'AWS::EC2::SecurityGroupIngress').filter((r) => JSON.stringify(r.Properties.GroupId).includes(dbSg!.id));
    expect(rules).toHaveLength(4);
  });
});

describe('the Toss Payments keys', () => {
  it('are one secret in the data stack with no generated or placeholder value, which the env step reads or stops on', () => {
    const secret = resourcesOf(template(s, 'data'), 'AWS::SecretsManager::Secret').find((x) => x.id.startsWith('PaymentProviderTossSecret'));
    expect(secret).toBeDefined();
    expect(secret!.Properties.GenerateSecretString).toBeUndefined();
    expect(secret!.Properties.SecretString).toBeUndefined();
    expect(secret!.DeletionPolicy).toBe('Retain');
    expect(userData).toMatch(/payment=\$\(aws secretsmanager get-secret-value [^)]*PaymentProviderTossSecret[^)]*\) \|\| \{ echo "cannot read the Toss Payments keys/);
  });
});

describe('the env step on an instance', () => {
  it('verifies the database certificate: verify-full against the RDS CA bundle fetched at boot, never sslmode=require', () => {
    expect(rdsCaBundle.url).toBe('https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem');
    expect(userData).toContain(`curl -sSf --retry 5 -o ${rdsCaBundle.path}.new '${rdsCaBundle.url}'`);
    expect(userData).toContain(`sslmode=verify-full&sslrootcert=${rdsCaBundle.path}`);
    expect(userData).not.toMatch(/sslmode=(require|prefer|disable)/);
  });

  it('writes the app login to the credentials file the shop re-reads, with no password in the URLs, and refreshes it on a timer', () => {
    const file = databaseCredentialsFile(instanceDirectories);
    expect(file).toBe('/run/evermall/db-credentials.json');
    expect(userData).toContain(`Environment=DATABASE_CREDENTIALS_FILE=${file}`);
    expect(userData).toContain(`install -d -m 0750 -o root -g evermall ${instanceDirectories.secrets}`);
    expect(userData).toMatch(/--secret-id '\$\{Fn::ImportValue:"[^"]*DatabaseAppSecretAttachment[^']*' --query SecretString/);
    expect(userData).not.toContain('encodeURIComponent(s.password)');
    expect(userData).toContain(`OnUnitActiveSec=${databaseLoginRefreshMinutes}min`);
    expect(userData).toMatch(/systemctl enable --now [^\n]*evermall-db-login\.timer/);
    // The shop logs in as the app role, which cannot migrate: the bootstrap migrates before it starts.
    expect(userData).toContain('Environment=MIGRATE_ON_START=false');
  });

  it('checks the schema as the app role before the shop starts, and never reads the master login or creates roles', () => {
    // The deploy migrates once per release (first-deploy.test.ts); a boot only checks.
    const setup = userData.indexOf('\n/usr/local/bin/evermall-db-setup check\n');
    expect(setup).toBeGreaterThan(0);
    expect(setup).toBeLessThan(userData.indexOf('systemctl enable --now evermall-shop.service'));
    expect(userData).toMatch(/for login in app:\$\{Fn::ImportValue:"[^"]*DatabaseAppSecretAttachment[^ ]* migrator:[^ ]*DatabaseMigratorSecretAttachment[^ ]*; do/);
    expect(userData).not.toMatch(/DatabaseInstanceSecretAttachment|master\.json|create-db-roles/);
    expect(userData).toContain('check) shop "$work/app.json" migrate ;;');
    expect(userData).toContain('migrate) shop "$work/migrator.json" migrate ;;');
  });

  it("writes the shop's environment and login files with a script Node runs as written", () => {
    // The Node part of evermall-write-env, run against a secret shaped as Secrets Manager keeps it,
    // with the instance's paths moved into a temporary folder.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-env-step-'));
    try {
      const envStep = writeEnvStep(userData, instanceDirectories.secrets, dir);
      const secret = {
        engine: 'postgres',
        host: 'db.example.internal',
        port: 5433,
        dbname: 'evermall',
        username: 'evermall_app_clone',
        password: 'p@ss:word/1',
        masterarn: 'arn:x',
      };
      const toss = { clientKey: 'test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq', secretKey: 'test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R' };
      const run = (payment: unknown) =>
        spawnSync(process.execPath, [envStep], {
          env: {
            APP_SECRET: JSON.stringify(secret),
            SESSION_SECRET_VALUE: 'session',
            PAYMENT_SECRET: JSON.stringify(payment),
            READER_HOST: 'replica.example.internal',
            ...cacheEnvStepInputs,
          },
          encoding: 'utf8',
        });
      // The operator has not put both keys yet, or put one that would break the environment file: no environment, and a message saying what to do.
      for (const payment of [{}, { clientKey: toss.clientKey, secretKey: '' }, { ...toss, secretKey: 'sk\nDATABASE_URL=postgres://evil' }]) {
        const refused = run(payment);
        expect(refused.status, JSON.stringify(payment)).not.toBe(0);
        expect(refused.stderr).toContain('Toss Payments secret needs a non-empty');
        expect(existsSync(path.join(dir, 'shop.env'))).toBe(false);
      }
      const written = run(toss);
      expect(written.status, written.stderr).toBe(0);
      const env = execFileSync('cat', [path.join(dir, 'shop.env')], { encoding: 'utf8' });
      for (const line of [
        `PAYMENT_PROVIDER=${tossPayments.provider}`,
        'TOSS_API_URL=https://api.tosspayments.com',
        'TOSS_SDK_URL=https://js.tosspayments.com/v2/standard',
        `TOSS_CLIENT_KEY=${toss.clientKey}`,
        `TOSS_SECRET_KEY=${toss.secretKey}`,
      ]) {
        expect(env.split('\n')).toContain(line);
      }
      expect(env).toContain(`DATABASE_URL=postgres://evermall_app_clone@db.example.internal:5433/evermall?sslmode=verify-full&sslrootcert=${rdsCaBundle.path}\n`);
      expect(env).toContain('DATABASE_READ_URL=postgres://evermall_app_clone@replica.example.internal:5433/evermall?sslmode=verify-full');
      expect(env).not.toContain('p@ss');
      const login = JSON.parse(execFileSync('cat', [path.join(dir, 'db-credentials.json')], { encoding: 'utf8' })) as unknown;
      expect(login).toEqual({ username: 'evermall_app_clone', password: 'p@ss:word/1' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
