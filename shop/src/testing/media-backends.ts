import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inProcessS3 } from './in-process-s3.js';
import { createTestShop, type TestShop } from './test-app.js';

/** Where a test shop keeps its images, for tests that hold both places to the same behaviour. */
export interface TestMediaBackend {
  readonly name: string;
  /** A test shop (createTestShop) keeping its images here. */
  createShop(adminUrl: string, env?: Record<string, string>): Promise<TestShop>;
  /**
   * Everything stored, sorted: the bucket's keys, and every file under MEDIA_DIR (temp files
   * included) as `MEDIA_DIR/<path>`, so an upload that went to the wrong place shows too.
   */
  stored(shop: TestShop): string[];
  /** Stores bytes under a key beside the shop, as the resize function or an operator would. */
  put(shop: TestShop, key: string, body: string): void;
}

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));

/** The folder (MEDIA_DIR: the twin, development) and the bucket (MEDIA_BUCKET: AWS, here an in-process S3). */
export const mediaBackends = (): TestMediaBackend[] => [
  {
    name: 'MEDIA_DIR',
    createShop: (adminUrl, env) => createTestShop(adminUrl, env),
    stored: (shop) => filesUnder(shop.mediaDir).sort(),
    put: (shop, key, body) => {
      mkdirSync(path.dirname(path.join(shop.mediaDir, key)), { recursive: true });
      writeFileSync(path.join(shop.mediaDir, key), body);
    },
  },
  {
    name: 'MEDIA_BUCKET',
    createShop: (adminUrl, env) => createTestShop(adminUrl, env, { mediaBucket: inProcessS3() }),
    stored: (shop) => [...bucketOf(shop).objects.keys(), ...filesUnder(shop.mediaDir).map((file) => `MEDIA_DIR/${file}`)].sort(),
    put: (shop, key, body) => bucketOf(shop).put(key, body),
  },
];

function bucketOf(shop: TestShop) {
  if (!shop.mediaBucket) throw new Error('this test shop was made without a media bucket');
  return shop.mediaBucket;
}
