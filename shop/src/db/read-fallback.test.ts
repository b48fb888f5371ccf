import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseClient } from '@evermall/topology';
import { freePort, PostgresServer } from '@evermall/testkit';
import { allowIdleInTransaction, connect, readWithFallback, type Sql } from './pools.js';

/** Which server answered: each test server listens on its own port. */
const port = async (sql: Sql) => Number((await sql<{ port: number }[]>`SELECT inet_server_port() AS port`)[0]?.port);

describe('catalog reads when the reader is sick', () => {
  let writerServer: PostgresServer;
  let readerServer: PostgresServer;
  let writer: Sql;
  let reader: Sql;

  beforeAll(async () => {
    [writerServer, readerServer] = await Promise.all([PostgresServer.start({ fast: true }), PostgresServer.start({ fast: true })]);
    writer = connect(writerServer.url(), { max: 2 });
    reader = connect(readerServer.url(), { max: 2 });
  });
  afterEach(() => readerServer.freeze(false));
  afterAll(async () => {
    await Promise.all([writer?.end({ timeout: 1 }), reader?.end({ timeout: 1 })]);
    await Promise.all([writerServer?.stop(), readerServer?.stop()]);
  });

  it('reads from the reader while it answers', async () => {
    expect(await readWithFallback({ reader, writer }, port)).toBe(readerServer.port);
  });

  it('answers from the writer when the reader hangs', async () => {
    await port(reader); // a connection is open, then goes silent
    readerServer.freeze(true);
    expect(await readWithFallback({ reader, writer }, port)).toBe(writerServer.port);
  });

  it('answers from the writer when the reader refuses connections', async () => {
    const gone = connect(`postgres://postgres@127.0.0.1:${await freePort()}/postgres`, { max: 1 });
    try {
      expect(await readWithFallback({ reader: gone, writer }, port)).toBe(writerServer.port);
    } finally {
      await gone.end({ timeout: 1 });
    }
  });

  it('passes on an error of the query itself instead of running it again', async () => {
    let runs = 0;
    const failing = async (sql: Sql) => {
      runs += 1;
      return sql`SELECT 1 / 0`;
    };
    await expect(readWithFallback({ reader, writer }, failing)).rejects.toMatchObject({ code: '22012' });
    expect(runs).toBe(1);
  });
});

describe('a transaction whose client went quiet', () => {
  let server: PostgresServer;
  let sql: Sql;
  let other: Sql;

  beforeAll(async () => {
    server = await PostgresServer.start({ fast: true });
    sql = connect(server.url(), { max: 2 });
    other = connect(server.url(), { max: 1 });
    await sql`CREATE TABLE stock (id int PRIMARY KEY, units int NOT NULL)`;
    await sql`INSERT INTO stock VALUES (1, 10)`;
  });
  afterAll(async () => {
    await Promise.all([sql?.end({ timeout: 1 }), other?.end({ timeout: 1 })]);
    await server?.stop();
  });

  const idleLongEnough = () => sleep(databaseClient.idleInTransactionSeconds * 1000 + 1000);

  it('is ended by the server, and the row locks it held are free again', async () => {
    const held = sql
      .begin(async (tx) => {
        await tx`SELECT units FROM stock WHERE id = 1 FOR UPDATE`;
        await idleLongEnough();
        await tx`UPDATE stock SET units = units - 1 WHERE id = 1`;
      })
      .then(
        () => 'committed',
        () => 'ended',
      );
    expect(await held).toBe('ended');
    const [row] = await other<{ units: number }[]>`UPDATE stock SET units = units - 1 WHERE id = 1 RETURNING units`;
    expect(row?.units).toBe(9);
  });

  it('is left alone when it lifted the limit for itself', async () => {
    const outcome = await sql.begin(async (tx) => {
      await allowIdleInTransaction(tx);
      await tx`SELECT units FROM stock WHERE id = 1 FOR UPDATE`;
      await idleLongEnough();
      await tx`UPDATE stock SET units = units + 1 WHERE id = 1`;
      return 'committed';
    });
    expect(outcome).toBe('committed');
  });
});
