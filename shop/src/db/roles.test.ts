import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PostgresServer } from '@evermall/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseCredentials } from './credentials.js';
import { migrate } from './migrate.js';
import { connect, isRetryableDbError, type Sql } from './pools.js';
import { consumerRole, databaseRoles, provisionDatabaseRoles, rotateAlternatingUser } from './roles.js';

/**
 * The shop's two roles on a server that checks passwords (scram-sha-256 for everyone but the
 * superuser), and a login rotated by alternating users while pools stay open.
 */
describe('database roles and a rotated login', () => {
  let server: PostgresServer;
  let dir: string;
  let admin: Sql;
  const opened: Sql[] = [];
  const url = (login?: DatabaseCredentials) =>
    `postgres://${login ? `${login.username}:${encodeURIComponent(login.password)}@` : 'nobody@'}127.0.0.1:${server.port}/roles_test?sslmode=disable`;
  const open = (u: string, credentialsFile?: string) => {
    const sql = connect(u, { max: 2, credentialsFile });
    opened.push(sql);
    return sql;
  };
  const firstApp = { username: databaseRoles.app, password: 'app-password-1' };
  const firstMigrator = { username: databaseRoles.migrator, password: 'migrator-password-1' };
  const consumer = { username: consumerRole, password: 'consumer-password-1' };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-roles-'));
    chmodSync(dir, 0o755);
    const hba = path.join(dir, 'pg_hba.conf');
    writeFileSync(hba, 'local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n', { mode: 0o644 });
    server = await PostgresServer.start({ settings: { hba_file: hba }, fast: true });
    const root = connect(server.url(), { max: 1 });
    await root`CREATE DATABASE roles_test`;
    await root.end();
    admin = connect(server.url('roles_test'), { max: 1 });
    // A table from before the roles existed, as on a database the master user migrated.
    await admin`CREATE TABLE legacy_notes (id serial PRIMARY KEY, note text)`;
    await provisionDatabaseRoles(admin, { app: firstApp.password, migrator: firstMigrator.password, consumer: consumer.password });
    await migrate(open(url(firstMigrator)));
  });

  afterAll(async () => {
    await Promise.all(opened.map((sql) => sql.end({ timeout: 1 })));
    await admin?.end();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs a query, reconnecting past connections the server just terminated (as a pool recycling them would). */
  async function query<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt > 20 || code === '28P01' || !isRetryableDbError(err)) throw err;
      }
    }
  }

  /** Ends every connection of the app's users, as connection recycling does within the hour. */
  async function recycleAppConnections(): Promise<void> {
    await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename IN (${databaseRoles.app}, ${`${databaseRoles.app}_clone`})`;
  }

  it('the migrator owns the schema; the app reads and writes rows but cannot create, alter or drop', async () => {
    const app = open(url(firstApp));
    await app`INSERT INTO legacy_notes (note) VALUES ('kept')`;
    expect((await app<{ n: number }[]>`SELECT count(*)::int AS n FROM schema_migrations`)[0]!.n).toBeGreaterThan(0);
    for (const ddl of ['CREATE TABLE sneaky (id int)', 'ALTER TABLE legacy_notes ADD COLUMN extra int', 'DROP TABLE schema_migrations', 'TRUNCATE legacy_notes']) {
      await expect(app.unsafe(ddl), ddl).rejects.toMatchObject({ code: '42501' });
    }
    const owners = await admin<
      { owner: string }[]
    >`SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`;
    expect(owners.map((o) => o.owner)).toEqual([databaseRoles.migrator]);
  });

  it("the consumers' login reads the columns a notification needs and writes only the inbox and the analytics store; the app reads the store", async () => {
    await admin`INSERT INTO users (id, email, name, password_hash) VALUES (900, 'c@example.com', 'C', 'secret-hash')`;
    const asConsumer = open(url(consumer));
    expect(await asConsumer`SELECT id, email, name FROM users WHERE id = 900`).toMatchObject([{ email: 'c@example.com' }]);
    await asConsumer`INSERT INTO consumer_inbox (consumer, event_id) VALUES ('sales-feed', 1)`;
    await asConsumer`INSERT INTO analytics.daily_sales (day, product_id, category_id, units, revenue_won, orders) VALUES ('2026-12-01', 1, 1, 2, 2000, 1)`;
    await asConsumer`UPDATE analytics.daily_sales SET units = units + 1`;
    for (const refused of [
      'SELECT password_hash FROM users',
      'SELECT * FROM orders',
      'SELECT * FROM sessions',
      'UPDATE products SET stock = 0',
      'DELETE FROM consumer_inbox',
      'DELETE FROM analytics.daily_sales',
      'CREATE TABLE analytics.sneaky (id int)',
    ]) {
      await expect(asConsumer.unsafe(refused), refused).rejects.toMatchObject({ code: '42501' });
    }
    const app = open(url(firstApp));
    expect(await app`SELECT units FROM analytics.daily_sales`).toEqual([{ units: 3 }]);
    // The staff sales page reads all three (admin/sales.repository.ts).
    for (const table of ['analytics.order_sales', 'analytics.stock_low']) await app.unsafe(`SELECT count(*) FROM ${table}`);
    await expect(app`DELETE FROM analytics.daily_sales`).rejects.toMatchObject({ code: '42501' });
  });

  it('provisioning grants the analytics privileges again, whichever came first, the roles or the schema', async () => {
    await admin`REVOKE ALL ON analytics.stock_low FROM ${admin(consumerRole)}`;
    const asConsumer = open(url(consumer));
    const insert = () => asConsumer`INSERT INTO analytics.stock_low (event_id, product_id, sku, stock, low_units, at) VALUES (7, 1, 'SKU-1', 3, 10, now())`;
    await expect(insert()).rejects.toMatchObject({ code: '42501' });
    await provisionDatabaseRoles(admin, { app: 'unused', migrator: 'unused', consumer: 'unused' });
    await insert();
  });

  it('lets the app run an up-to-date migrate (as create-admin does first) but not a pending one', async () => {
    const app = open(url(firstApp));
    expect((await migrate(app)).applied).toEqual([]);
    const extra = mkdtempSync(path.join(os.tmpdir(), 'evermall-pending-'));
    try {
      writeFileSync(path.join(extra, '999_pending.sql'), 'CREATE TABLE pending_change (id int);');
      await expect(migrate(app, extra)).rejects.toMatchObject({ code: '42501' });
    } finally {
      rmSync(extra, { recursive: true, force: true });
    }
  });

  it("runs the AWS bootstrap's steps through the CLI: create-db-roles as the master, migrate as the migrator, each from a secret file", { timeout: 180_000 }, async () => {
    await admin`CREATE DATABASE roles_cli`;
    // Secret files shaped as Secrets Manager keeps an RDS login (extra fields are ignored).
    const secret = (name: string, login: DatabaseCredentials) => {
      const file = path.join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify({ engine: 'postgres', host: '127.0.0.1', port: server.port, dbname: 'roles_cli', masterarn: 'arn:aws:secretsmanager:x', ...login }));
      return file;
    };
    const master = secret('master', { username: 'postgres', password: 'unused-by-trust' });
    const app = secret('app', firstApp);
    const migrator = secret('migrator', firstMigrator);
    const bin = fileURLToPath(new URL('../../bin/shop.mjs', import.meta.url));
    const cliUrl = `postgres://someone@127.0.0.1:${server.port}/roles_cli?sslmode=disable`;
    const shop = (login: string, ...args: string[]) =>
      promisify(execFile)(process.execPath, [bin, ...args], {
        env: { PATH: process.env.PATH, NODE_ENV: 'production', DATABASE_URL: cliUrl, DATABASE_CREDENTIALS_FILE: login },
        timeout: 120_000,
      });
    expect((await shop(master, 'create-db-roles', '--app', app, '--migrator', migrator)).stdout).toContain('Both roles exist; privileges applied.');
    expect((await shop(migrator, 'migrate')).stdout).toMatch(/^Applied 001_/);
    const asApp = open(url(firstApp).replace('/roles_test?', '/roles_cli?'));
    await asApp`INSERT INTO schema_migrations (name) VALUES ('written by the app')`;
    await expect(asApp.unsafe('CREATE TABLE nope (id int)')).rejects.toMatchObject({ code: '42501' });
  });

  it('provisioning again changes no password: rotation owns them', async () => {
    await provisionDatabaseRoles(admin, { app: 'another', migrator: 'another' });
    const app = open(url(firstApp));
    expect((await app<{ me: string }[]>`SELECT current_user AS me`)[0]!.me).toBe(databaseRoles.app);
  });

  it('a pool that re-reads the credentials file follows two rotations without a restart; one that kept the first password is locked out', async () => {
    const file = path.join(dir, 'app-credentials.json');
    const publish = (login: DatabaseCredentials) => writeFileSync(file, JSON.stringify({ ...login, engine: 'postgres' }));
    publish(firstApp);
    const rereading = open(url(), file);
    const kept = open(url(firstApp));
    const whoAmI = async (sql: Sql) => (await query(() => sql<{ me: string }[]>`SELECT current_user AS me`))[0]!.me;
    expect(await whoAmI(rereading)).toBe(databaseRoles.app);
    expect(await whoAmI(kept)).toBe(databaseRoles.app);

    // First rotation: the clone gets a password and becomes the secret's login; the first user still works.
    const second = await rotateAlternatingUser(admin, firstApp, 'app-password-2');
    publish(second);
    await recycleAppConnections();
    expect(await whoAmI(rereading)).toBe(`${databaseRoles.app}_clone`);
    await query(() => rereading`INSERT INTO legacy_notes (note) VALUES ('as the clone')`);
    expect(await whoAmI(kept)).toBe(databaseRoles.app);

    // Second rotation: back to the first user, with a new password.
    const third = await rotateAlternatingUser(admin, second, 'app-password-3');
    publish(third);
    await recycleAppConnections();
    expect(await whoAmI(rereading)).toBe(databaseRoles.app);
    await query(() => rereading`INSERT INTO legacy_notes (note) VALUES ('after two rotations')`);
    await expect(whoAmI(kept)).rejects.toMatchObject({ code: '28P01' });
  });
});
