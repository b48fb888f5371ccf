import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerRole } from '@evermall/shop/db-roles';
import { databaseRoles } from '@evermall/shop/release';
import { PostgresServer } from '@evermall/testkit';
import {
  handleDatabaseRolesEvent,
  masterConnectionOptions,
  parseDatabaseSecret,
  physicalResourceId,
  type DatabaseRolesEvent,
  type DatabaseSecret,
} from '../lambda/db-roles/handler.js';

/**
 * The DatabaseRoles custom resource's handler against a real PostgreSQL 15 that checks passwords,
 * logged in as a master user shaped like RDS's (CREATEROLE and owner of the database, no superuser),
 * with the secrets read through the same dependency Secrets Manager fills on AWS.
 */
describe('the database-roles custom resource', () => {
  let server: PostgresServer;
  let dir: string;
  const opened: postgres.Sql[] = [];
  const secrets = new Map<string, DatabaseSecret>();
  const login = (database: string, username: string, password: string) => {
    const sql = postgres({ host: '127.0.0.1', port: server.port, database, username, password, max: 1, onnotice: () => {} });
    opened.push(sql);
    return sql;
  };
  const deps = {
    readSecret: async (arn: string) => {
      const secret = secrets.get(arn);
      if (!secret) throw new Error(`no secret ${arn}`);
      return secret;
    },
    // The same options as on AWS but without TLS: the throwaway server has no certificate.
    connect: (master: DatabaseSecret) => {
      const sql = postgres({ ...masterConnectionOptions(master), ssl: false });
      opened.push(sql);
      return sql;
    },
  };
  const event = (RequestType: DatabaseRolesEvent['RequestType']): DatabaseRolesEvent => ({
    RequestType,
    ...(RequestType === 'Create' ? {} : { PhysicalResourceId: physicalResourceId }),
    ResourceProperties: {
      MasterSecretArn: 'arn:master',
      AppSecretArn: 'arn:app',
      MigratorSecretArn: 'arn:migrator',
      AppRole: databaseRoles.app,
      MigratorRole: databaseRoles.migrator,
    },
  });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-db-roles-'));
    chmodSync(dir, 0o755);
    const hba = path.join(dir, 'pg_hba.conf');
    writeFileSync(hba, 'local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n', { mode: 0o644 });
    server = await PostgresServer.start({ settings: { hba_file: hba }, fast: true });
    const root = postgres(server.url(), { max: 1, onnotice: () => {} });
    await root`CREATE ROLE evermall_admin WITH LOGIN CREATEROLE PASSWORD 'master-password'`;
    await root`CREATE DATABASE evermall OWNER evermall_admin`;
    await root`CREATE DATABASE evermall_shop_copy OWNER evermall_admin`;
    await root.end();
    const host = { host: '127.0.0.1', port: server.port, dbname: 'evermall' };
    secrets.set('arn:master', { ...host, username: 'evermall_admin', password: 'master-password' });
    secrets.set('arn:app', { ...host, username: databaseRoles.app, password: 'app-password-1' });
    secrets.set('arn:migrator', { ...host, username: databaseRoles.migrator, password: 'migrator-password-1' });
    // A table the master user made before the roles existed: the migrator must come to own it.
    const admin = login('evermall', 'evermall_admin', 'master-password');
    await admin`CREATE TABLE legacy_notes (id serial PRIMARY KEY, note text)`;
  });

  afterAll(async () => {
    await Promise.all(opened.map((sql) => sql.end({ timeout: 1 })));
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Everything the roles may do in one database, as text to compare. */
  async function privileges(database: string) {
    const sql = postgres(server.url(database), { max: 1, onnotice: () => {} });
    try {
      return {
        roles:
          await sql`SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin, rolinherit FROM pg_roles WHERE rolname IN (${databaseRoles.app}, ${databaseRoles.migrator}) ORDER BY rolname`,
        database: await sql`SELECT datacl::text FROM pg_database WHERE datname = current_database()`,
        schema: await sql`SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public'`,
        defaults: await sql`SELECT pg_get_userbyid(defaclrole) AS role, defaclobjtype, defaclacl::text FROM pg_default_acl ORDER BY 1, 2`,
        tables: await sql`SELECT relname, relkind, pg_get_userbyid(relowner) AS owner, relacl::text FROM pg_class WHERE relnamespace = 'public'::regnamespace ORDER BY relname`,
      };
    } finally {
      await sql.end();
    }
  }

  it('creates both roles on Create, and an Update with nothing new changes nothing', async () => {
    const created = await handleDatabaseRolesEvent(event('Create'), deps);
    expect(created).toEqual({ PhysicalResourceId: physicalResourceId, Data: { Created: `${databaseRoles.migrator},${databaseRoles.app}` } });
    const before = await privileges('evermall');
    for (let i = 0; i < 2; i++) {
      expect(await handleDatabaseRolesEvent(event('Update'), deps)).toEqual({ PhysicalResourceId: physicalResourceId, Data: { Created: '' } });
    }
    expect(await privileges('evermall')).toEqual(before);
    expect(before.tables.find((t) => t.relname === 'legacy_notes')?.owner).toBe(databaseRoles.migrator);
  });

  it('gives the app rows only and the migrator the schema: the app cannot CREATE TABLE, the migrator can', async () => {
    const app = login('evermall', databaseRoles.app, 'app-password-1');
    const migrator = login('evermall', databaseRoles.migrator, 'migrator-password-1');
    await expect(app`CREATE TABLE sneaky (id int)`).rejects.toMatchObject({ code: '42501' });
    await expect(app`DROP TABLE legacy_notes`).rejects.toMatchObject({ code: '42501' });
    await migrator`CREATE TABLE orders_probe (id serial PRIMARY KEY)`;
    // Default privileges: what the migrator creates later is the app's to read and write.
    await app`INSERT INTO orders_probe DEFAULT VALUES`;
    expect((await app<{ n: number }[]>`SELECT count(*)::int AS n FROM orders_probe`)[0]!.n).toBe(1);
    await app`INSERT INTO legacy_notes (note) VALUES ('kept')`;
  });

  it('keeps a password a rotation set elsewhere on an Update that carries the old one', async () => {
    const admin = login('evermall', 'evermall_admin', 'master-password');
    await admin.unsafe(`ALTER ROLE ${databaseRoles.app} WITH PASSWORD 'rotated-password-2'`);
    await handleDatabaseRolesEvent(event('Update'), deps);
    expect((await login('evermall', databaseRoles.app, 'rotated-password-2')<{ one: number }[]>`SELECT 1 AS one`)[0]!.one).toBe(1);
    await expect(login('evermall', databaseRoles.app, 'app-password-1')`SELECT 1`).rejects.toMatchObject({ code: '28P01' });
  });

  it('leaves the roles in place on Delete', async () => {
    expect(await handleDatabaseRolesEvent(event('Delete'), deps)).toEqual({ PhysicalResourceId: physicalResourceId, Data: { Created: '' } });
    const roles = await privileges('evermall');
    expect(roles.roles.map((r) => r.rolname)).toEqual([databaseRoles.app, databaseRoles.migrator].sort());
  });

  it('creates the consumers’ login when the properties name its secret, as the stack’s do, and refuses another role for it', async () => {
    const { host, port, dbname } = secrets.get('arn:master')!;
    secrets.set('arn:consumer', { host, port, dbname, username: consumerRole, password: 'consumer-password-1' });
    const withConsumer = (role: string): DatabaseRolesEvent => ({
      ...event('Update'),
      ResourceProperties: { ...event('Update').ResourceProperties, ConsumerSecretArn: 'arn:consumer', ConsumerRole: role },
    });
    expect(await handleDatabaseRolesEvent(withConsumer(consumerRole), deps)).toEqual({ PhysicalResourceId: physicalResourceId, Data: { Created: consumerRole } });
    const consumer = login('evermall', consumerRole, 'consumer-password-1');
    expect((await consumer<{ one: number }[]>`SELECT 1 AS one`)[0]!.one).toBe(1);
    // Its own login, not the app's rights: no rows of the shop's tables beyond what roles.ts grants it.
    await expect(consumer`INSERT INTO legacy_notes (note) VALUES ('not yours')`).rejects.toMatchObject({ code: '42501' });
    await expect(handleDatabaseRolesEvent(withConsumer(databaseRoles.app), deps)).rejects.toThrow(/consumers' role must be the shop's/);
  });

  it('logs in as the master user with verify-full TLS and refuses a secret that is not an RDS login', () => {
    const master = parseDatabaseSecret(
      'arn:m',
      JSON.stringify({ username: 'evermall_admin', password: 'p', host: 'db.example', port: 5433, dbname: 'evermall', engine: 'postgres' }),
    );
    expect(masterConnectionOptions(master)).toMatchObject({ host: 'db.example', port: 5433, database: 'evermall', username: 'evermall_admin', ssl: 'verify-full' });
    expect(() => parseDatabaseSecret('arn:x', JSON.stringify({ username: 'u', password: 'p' }))).toThrow(/not an RDS login/);
    expect(() => parseDatabaseSecret('arn:x', undefined)).toThrow(/not an RDS login/);
  });

  it('fails a Create whose properties lack a secret', async () => {
    const bad = { ...event('Create'), ResourceProperties: { ...event('Create').ResourceProperties, MasterSecretArn: '' } };
    await expect(handleDatabaseRolesEvent(bad, deps)).rejects.toThrow(/MasterSecretArn is missing/);
  });
});
