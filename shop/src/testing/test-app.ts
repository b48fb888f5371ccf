import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import type { Config } from '../config.js';
import { connect, type Sql } from '../db/pools.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { testShopConfig } from './test-config.js';

export interface TestShop {
  app: FastifyInstance;
  config: Config;
  db: TestDatabase;
  /** A direct connection to the test database, for arranging and checking data. */
  sql: Sql;
  mediaDir: string;
  close(): Promise<void>;
}

/** A shop app on its own fresh database and media dir. Use `app.inject()` against it. */
export async function createTestShop(adminUrl: string, env: Record<string, string> = {}): Promise<TestShop> {
  const db = await createTestDatabase(adminUrl);
  const mediaDir = mkdtempSync(path.join(os.tmpdir(), 'evermall-media-'));
  const config = testShopConfig(db.url, mediaDir, env);
  const app = await buildApp({ config, logger: false });
  await app.ready();
  const sql = connect(db.url, { max: 4, applicationName: 'evermall-test' });
  return {
    app,
    config,
    db,
    sql,
    mediaDir,
    async close() {
      await app.close();
      await sql.end();
      await db.drop();
      rmSync(mediaDir, { recursive: true, force: true });
    },
  };
}
