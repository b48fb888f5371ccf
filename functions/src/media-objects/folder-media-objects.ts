import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MediaObjects } from './media-objects.js';

/**
 * The twin's S3: bucket `b` is the folder `<root>/b` and key `k` the file `<root>/b/k`, so an
 * upload to `.twin/s3/media` is an object in bucket `media`. Content type and cache headers are
 * not stored: whoever serves the folder derives them from the key's extension.
 */
export class FolderMediaObjects implements MediaObjects {
  constructor(private readonly root: string) {}

  async get(bucket: string, key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.file(bucket, key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Written to a temp name in the same folder and renamed, as S3 makes an object visible only once complete. */
  async put(bucket: string, key: string, body: Uint8Array): Promise<void> {
    const file = this.file(bucket, key);
    await mkdir(path.dirname(file), { recursive: true });
    const temp = path.join(path.dirname(file), `.put-${randomBytes(8).toString('hex')}.tmp`);
    try {
      await writeFile(temp, body, { mode: 0o644 });
      await rename(temp, file);
    } finally {
      await rm(temp, { force: true });
    }
  }

  /** Refuses a bucket or key that would name a file outside the bucket's folder (`..`, an absolute path). */
  private file(bucket: string, key: string): string {
    const folder = path.resolve(this.root, bucket);
    const file = path.resolve(folder, key);
    if (bucket.includes('/') || bucket.startsWith('.') || !file.startsWith(folder + path.sep)) {
      throw new Error(`Object key outside its bucket: ${bucket}/${key}`);
    }
    return file;
  }
}
