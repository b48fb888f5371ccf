import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PostgresServer } from '@evermall/testkit';
import { buildApp } from '../app.js';
import { migrate } from '../db/migrate.js';
import { connect, type Sql } from '../db/pools.js';
import { testShopConfig } from './test-config.js';

export interface ListeningShop {
  /** Where the shop listens: http://127.0.0.1:PORT. */
  baseUrl: string;
  /** The shop's database, as the `postgres` superuser. */
  databaseUrl: string;
  mediaDir: string;
  stop(): Promise<void>;
}

export interface ListeningShopOptions {
  /** Fills the migrated database before the shop starts: a catalog, staff accounts. */
  prepare?: (sql: Sql, mediaDir: string) => Promise<void>;
  /** Shop settings over the test defaults (`testShopConfig`). */
  env?: Record<string, string>;
}

/**
 * The shop listening on a free port of 127.0.0.1, on its own throwaway PostgreSQL with the shop's
 * migrations, for callers that need a real HTTP server rather than `app.inject()`: the
 * storefront's browser journeys and the twin's drills. Everything it started is gone after
 * `stop()`, and also when it fails to start.
 */
export async function startListeningShop(options: ListeningShopOptions = {}): Promise<ListeningShop> {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const server = await PostgresServer.start();
    cleanups.push(() => server.stop());
    const mediaDir = mkdtempSync(path.join(os.tmpdir(), 'evermall-shop-media-'));
    cleanups.push(() => rmSync(mediaDir, { recursive: true, force: true }));
    const databaseUrl = server.url();
    const sql = connect(databaseUrl, { max: 2 });
    try {
      await migrate(sql);
      await options.prepare?.(sql, mediaDir);
    } finally {
      await sql.end();
    }
    const app = await buildApp({ config: testShopConfig(databaseUrl, mediaDir, options.env), logger: false });
    cleanups.push(() => app.close());
    const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    return { baseUrl, databaseUrl, mediaDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
