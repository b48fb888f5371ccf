import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import type { Config } from '../config.js';
import { connect, type Sql } from '../db/pools.js';
import type { InProcessS3 } from './in-process-s3.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { testShopConfig } from './test-config.js';

export interface TestShop {
  app: FastifyInstance;
  config: Config;
  db: TestDatabase;
  /** A direct connection to the test database, for arranging and checking data. */
  sql: Sql;
  /** MEDIA_DIR: where the images are, unless the shop has a media bucket. */
  mediaDir: string;
  /** The media bucket (MEDIA_BUCKET), when the shop was made with one. */
  mediaBucket?: InProcessS3;
  close(): Promise<void>;
}

export interface TestShopOptions {
  /** Keep the images in this bucket (MEDIA_BUCKET) instead of MEDIA_DIR. */
  mediaBucket?: InProcessS3;
}

/** A shop app on its own fresh database and media dir (or bucket). Use `app.inject()` against it. */
export async function createTestShop(adminUrl: string, env: Record<string, string> = {}, options: TestShopOptions = {}): Promise<TestShop> {
  const db = await createTestDatabase(adminUrl);
  const mediaDir = mkdtempSync(path.join(os.tmpdir(), 'evermall-media-'));
  const { mediaBucket } = options;
  const bucketEnv: Record<string, string> = mediaBucket ? { MEDIA_BUCKET: mediaBucket.bucket, MEDIA_BUCKET_REGION: mediaBucket.region } : {};
  const config = testShopConfig(db.url, mediaDir, { ...bucketEnv, ...env });
  const app = await buildApp({ config, logger: false, ...(mediaBucket ? { mediaS3Client: mediaBucket.client() } : {}) });
  await app.ready();
  const sql = connect(db.url, { max: 4, applicationName: 'evermall-test' });
  return {
    app,
    config,
    db,
    sql,
    mediaDir,
    ...(mediaBucket ? { mediaBucket } : {}),
    async close() {
      await app.close();
      await sql.end();
      await db.drop();
      rmSync(mediaDir, { recursive: true, force: true });
    },
  };
}
