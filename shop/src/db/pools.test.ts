import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { PostgresServer } from '@evermall/testkit';
import { createPools, isRetryableDbError, withWriterRetry, writerUrl } from './pools.js';

/**
 * A primary and a streaming hot standby, as on the twin and RDS Multi-AZ. The writer pool
 * must land on the primary whichever host is listed first: postgres.js's `read-write` would
 * pick the standby (it reports default_transaction_read_only = off), `primary` does not.
 */
describe('writer pool on a multi-host URL', () => {
  let primary: PostgresServer;
  let standby: PostgresServer;

  beforeAll(async () => {
    primary = await PostgresServer.start({ settings: { wal_level: 'replica', max_wal_senders: 5 } });
    const admin = postgres(primary.url(), { max: 1, onnotice: () => undefined });
    await admin`CREATE TABLE writes (id serial PRIMARY KEY, note text NOT NULL)`;
    await admin.end();
    standby = await PostgresServer.startStandby(primary);
  });

  afterAll(async () => {
    await standby?.stop();
    await primary?.stop();
  });

  const url = (first: PostgresServer, second: PostgresServer) => `postgres://postgres@127.0.0.1:${first.port},127.0.0.1:${second.port}/postgres`;

  it.each([
    ['standby listed first', () => url(standby, primary)],
    ['primary listed first', () => url(primary, standby)],
  ])('writes to the primary with the %s', async (_name, makeUrl) => {
    const pools = createPools({ writerUrl: makeUrl(), readerUrl: makeUrl(), max: 2 });
    try {
      const [row] = await pools.writer<{ recovery: boolean }[]>`SELECT pg_is_in_recovery() AS recovery`;
      expect(row?.recovery).toBe(false);
      await pools.writer`INSERT INTO writes (note) VALUES ('hello')`;
    } finally {
      await pools.close();
    }
  });

  it('shows why read-write is wrong: it connects to the hot standby', async () => {
    const sql = postgres(`${url(standby, primary)}?target_session_attrs=read-write`, { max: 1, onnotice: () => undefined });
    try {
      const err = await sql`INSERT INTO writes (note) VALUES ('nope')`.catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe('25006');
      expect(isRetryableDbError(err)).toBe(true);
    } finally {
      await sql.end();
    }
  });

  it('upgrades read-write to primary when rewriting writer URLs', () => {
    expect(writerUrl('postgres://u@h1:1,h2:2/db?target_session_attrs=read-write')).toContain('target_session_attrs=primary');
    expect(writerUrl('postgres://u@h1:1,h2:2/db')).toContain('target_session_attrs=primary');
    expect(writerUrl('postgres://u@h1:1/db')).not.toContain('target_session_attrs');
  });
});

describe('writer pool across a failover', () => {
  it('reconnects by itself and the retried write lands on the promoted standby', async () => {
    const primary = await PostgresServer.start({ settings: { wal_level: 'replica', max_wal_senders: 5 } });
    let standby: PostgresServer | undefined;
    let pools: ReturnType<typeof createPools> | undefined;
    try {
      standby = await PostgresServer.startStandby(primary);
      const multiHost = `postgres://postgres@127.0.0.1:${primary.port},127.0.0.1:${standby.port}/postgres`;
      const writer = (pools = createPools({ writerUrl: multiHost, readerUrl: multiHost, max: 2 })).writer;
      await writer`CREATE TABLE orders_seen (id int PRIMARY KEY)`;
      await writer`INSERT INTO orders_seen VALUES (1)`;
      // Let the standby catch up, then lose the primary and promote the standby.
      await waitForReplay(standby, 'orders_seen', 1);
      await primary.stop({ keep: true });
      standby.promote();

      let attempts = 0;
      await withWriterRetry(async () => {
        attempts += 1;
        await writer`INSERT INTO orders_seen VALUES (2) ON CONFLICT DO NOTHING`;
      });
      const rows = await writer<{ id: number }[]>`SELECT id FROM orders_seen ORDER BY id`;
      expect(rows.map((r) => r.id)).toEqual([1, 2]);
      expect(attempts).toBeGreaterThanOrEqual(1);
    } finally {
      await pools?.close();
      await standby?.stop();
      await primary.stop();
    }
  });
});

async function waitForReplay(server: PostgresServer, table: string, count: number): Promise<void> {
  const sql = postgres(server.url(), { max: 1, onnotice: () => undefined });
  try {
    for (let i = 0; i < 200; i++) {
      const rows = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM ${sql(table)}`.catch(() => [{ n: -1 }]);
      if ((rows[0]?.n ?? -1) >= count) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`standby never replayed ${table}`);
  } finally {
    await sql.end();
  }
}

/**
 * The reader URL the twin gives instances: the read replica first, then both failover candidates
 * (twin/src/database/database-cluster.ts). Catalog reads must keep coming while the primary fails
 * over, from the replica, and from the promoted standby when the replica is down too.
 */
describe('reader pool across a primary failover', () => {
  it('serves from the replica while the primary is gone, then from the new primary without the replica', async () => {
    const primary = await PostgresServer.start({ settings: { wal_level: 'replica', max_wal_senders: 5 } });
    const started: PostgresServer[] = [];
    let pools: ReturnType<typeof createPools> | undefined;
    try {
      const admin = postgres(primary.url(), { max: 1, onnotice: () => undefined });
      await admin`CREATE TABLE products (id int PRIMARY KEY)`;
      await admin`INSERT INTO products VALUES (1), (2)`;
      await admin.end();
      const standby = await PostgresServer.startStandby(primary);
      started.push(standby);
      const replica = await PostgresServer.startStandby(primary);
      started.push(replica);
      const hosts = (...servers: PostgresServer[]) => `postgres://postgres@${servers.map((s) => `127.0.0.1:${s.port}`).join(',')}/postgres`;
      pools = createPools({ writerUrl: hosts(primary, standby), readerUrl: hosts(replica, standby, primary), max: 2 });
      const read = async () => {
        const [row] = await pools!.reader<{ port: number; n: number }[]>`SELECT inet_server_port() AS port, (SELECT count(*)::int FROM products) AS n`;
        return row;
      };
      expect(await read()).toEqual({ port: replica.port, n: 2 });

      // The primary dies and the standby is promoted: the replica, following nobody now, still answers.
      await primary.stop({ keep: true });
      standby.promote();
      expect(await read()).toEqual({ port: replica.port, n: 2 });

      // The replica goes down as well: the pool moves on to the next host, the new primary.
      await replica.stop();
      started.splice(started.indexOf(replica), 1);
      expect(await read()).toEqual({ port: standby.port, n: 2 });
    } finally {
      await pools?.close();
      for (const server of started) await server.stop();
      await primary.stop();
    }
  });
});
