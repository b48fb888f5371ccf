import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import postgres from 'postgres';
import { buildApp } from '../app.js';
import { loadConfig, type Config } from '../config.js';
import type { Sql } from '../db/pools.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

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
  const config = loadConfig({
    DATABASE_URL: db.url,
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123',
    MEDIA_DIR: mediaDir,
    ZONE: 'a',
    INSTANCE_ID: 'test-1',
    LOG_LEVEL: 'silent',
    DRAIN_SECONDS: '0',
    LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    ...env,
  });
  const app = await buildApp({ config, logger: false });
  await app.ready();
  const sql = postgres(db.url, { max: 4, onnotice: () => undefined, types: { bigint: postgres.BigInt } }) as unknown as Sql;
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
