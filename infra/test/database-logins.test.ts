import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { databaseCredentialsFile, databaseRoles } from '@evermall/shop/release';
import { databaseLoginRefreshMinutes, instanceDirectories, rdsCaBundle } from '../lib/constructs/user-data.js';
import { type CfnJson, only, renderText, resourcesOf, synthesize, template, type Synthesized } from './support/synthesized.js';

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
    // Attached to the instance: host, port and dbname are in each secret.
    expect(resourcesOf(template(s, 'data'), 'AWS::SecretsManager::SecretTargetAttachment')).toHaveLength(3);
  });

  it('rotates the app login by alternating users, the migration role and the master as single users', () => {
    const t = template(s, 'data');
    // Each rotation function is a serverless application whose id a mapping holds per partition.
    const mappings = t.toJSON().Mappings as Record<string, Record<string, { applicationId: string }>>;
    const applications = resourcesOf(t, 'AWS::Serverless::Application').map((a) => mappings[a.Properties.Location.ApplicationId['Fn::FindInMap'][0]]!.aws!.applicationId);
    expect(applications.filter((a) => a.includes('SecretsManagerRDSPostgreSQLRotationMultiUser'))).toHaveLength(1);
    expect(applications.filter((a) => a.includes('SecretsManagerRDSPostgreSQLRotationSingleUser'))).toHaveLength(2);
    const schedules = resourcesOf(t, 'AWS::SecretsManager::RotationSchedule');
    expect(schedules).toHaveLength(3);
    for (const schedule of schedules) expect(schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(30 days)' });
    // The shop's logins are not rotated at deploy: their roles exist only once an instance created them.
    const app = schedules.find((x) => JSON.stringify(x.Properties.SecretId).includes('AppSecret'));
    const migrator = schedules.find((x) => JSON.stringify(x.Properties.SecretId).includes('MigratorSecret'));
    expect(app?.Properties.RotateImmediatelyOnUpdate).toBe(false);
    expect(migrator?.Properties.RotateImmediatelyOnUpdate).toBe(false);
  });

  it('lets the instances read the three database secrets', () => {
    const policies = resourcesOf(template(s, 'app'), 'AWS::IAM::Policy').filter((p) => JSON.stringify(p.Properties.Roles).includes('FleetInstanceRole'));
    const reads = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement as CfnJson[])
      .filter((x) => JSON.stringify(x.Action).includes('secretsmanager:GetSecretValue'))
      .map((x) => JSON.stringify(x.Resource));
    for (const name of ['DatabaseInstanceSecretAttachment', 'DatabaseAppSecretAttachment', 'DatabaseMigratorSecretAttachment']) {
      expect(
        reads.some((r) => r.includes(name)),
        name,
      ).toBe(true);
    }
  });

  it('does not rotate the shop logins at deploy but keeps the database behind two peers: the fleet and the rotation functions', () => {
    const t = template(s, 'data');
    t.hasResourceProperties('AWS::EC2::SecurityGroup', { GroupDescription: Match.stringLikeRegexp('rotation functions') });
    const dbSg = resourcesOf(t, 'AWS::EC2::SecurityGroup').find((g) => String(g.Properties.GroupDescription).startsWith('RDS'));
    const rules = resourcesOf(t, 'AWS::EC2::SecurityGroupIngress').filter((r) => JSON.stringify(r.Properties.GroupId).includes(dbSg!.id));
    expect(rules).toHaveLength(2);
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

  it('creates the roles as the master user, then checks the schema as the app role, before the shop starts', () => {
    // The deploy migrates once per release (first-deploy.test.ts); a boot only checks.
    const setup = userData.indexOf('\n/usr/local/bin/evermall-db-setup check\n');
    expect(setup).toBeGreaterThan(0);
    expect(setup).toBeLessThan(userData.indexOf('systemctl enable --now evermall-shop.service'));
    expect(userData).toMatch(
      /for login in master:\$\{Fn::ImportValue:"[^"]*DatabaseInstanceSecretAttachment[^ ]* app:[^ ]*DatabaseAppSecretAttachment[^ ]* migrator:[^ ]*DatabaseMigratorSecretAttachment/,
    );
    expect(userData).toContain('shop "$work/master.json" create-db-roles --app "$work/app.json" --migrator "$work/migrator.json"');
    expect(userData).toContain('check) shop "$work/app.json" migrate ;;');
    expect(userData).toContain('migrate) shop "$work/migrator.json" migrate ;;');
  });

  it("writes the shop's environment and login files with a script Node runs as written", () => {
    // The Node part of evermall-write-env, run against a secret shaped as Secrets Manager keeps it,
    // with the instance's paths moved into a temporary folder.
    const script = /\$\{runtimeNode\} -e '([\s\S]*?)'\n/.exec(userData.replaceAll('/opt/evermall/current/runtime/node', '${runtimeNode}'))?.[1];
    expect(script).toBeDefined();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-env-step-'));
    try {
      const local = script!.replaceAll(instanceDirectories.secrets, dir).replace(/fs\.chownSync\([^)]*\);/, '');
      writeFileSync(path.join(dir, 'env-step.cjs'), local);
      const secret = {
        engine: 'postgres',
        host: 'db.example.internal',
        port: 5433,
        dbname: 'evermall',
        username: 'evermall_app_clone',
        password: 'p@ss:word/1',
        masterarn: 'arn:x',
      };
      execFileSync(process.execPath, [path.join(dir, 'env-step.cjs')], {
        env: { APP_SECRET: JSON.stringify(secret), SESSION_SECRET_VALUE: 'session', READER_HOST: 'replica.example.internal' },
      });
      const env = execFileSync('cat', [path.join(dir, 'shop.env')], { encoding: 'utf8' });
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
