import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databaseClient } from '@evermall/topology';
import { freePort, PostgresServer } from '@evermall/testkit';
import { connect, isRetryableDbError } from './pools.js';
import { serverAnswers } from './server-probe.js';

describe('a silent database server', () => {
  let server: PostgresServer;
  // A hung server: its kernel still accepts and acknowledges, nothing answers (PostgresServer.freeze).
  const freeze = () => server.freeze(true);
  const thaw = () => server.freeze(false);

  beforeAll(async () => {
    server = await PostgresServer.start({ fast: true });
  });
  afterEach(thaw);
  afterAll(async () => {
    await server?.stop();
  });

  it('answers the probe while it runs, and does not once it is frozen or gone', async () => {
    const address = { host: '127.0.0.1', port: server.port };
    expect(await serverAnswers(address, databaseClient.probeTimeoutMs)).toBe(true);
    freeze();
    expect(await serverAnswers(address, databaseClient.probeTimeoutMs)).toBe(false);
    thaw();
    expect(await serverAnswers(address, databaseClient.probeTimeoutMs)).toBe(true);
    expect(await serverAnswers({ host: '127.0.0.1', port: await freePort() }, databaseClient.probeTimeoutMs)).toBe(false);
  });

  it('ends a query caught on a frozen server with a retryable error, and the pool works again once it thaws', async () => {
    const sql = connect(server.url(), { max: 1 });
    try {
      await sql`SELECT 1`;
      freeze();
      const caught = await sql`SELECT 1`.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(caught).toBeDefined();
      expect(isRetryableDbError(caught)).toBe(true);
      thaw();
      const [row] = await sql<{ n: number }[]>`SELECT 2 AS n`;
      expect(row?.n).toBe(2);
    } finally {
      thaw();
      await sql.end({ timeout: 1 });
    }
  });

  it('lets a query that runs longer than the quiet time finish on a busy but live server', async () => {
    const sql = connect(server.url(), { max: 1 });
    try {
      const seconds = databaseClient.quietSeconds * 2.5;
      const [row] = await sql<{ done: boolean }[]>`SELECT true AS done FROM pg_sleep(${seconds})`;
      expect(row?.done).toBe(true);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
