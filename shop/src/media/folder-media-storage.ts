import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { MediaStorage, StagedImage, StoredImage } from './media-storage.js';

/**
 * Images in a folder (MEDIA_DIR): the twin's stand-in for the media bucket (`.twin/s3/media`, which
 * its function runner watches) and local development. An object key is a path under the folder.
 * Uploads are staged in the folder itself, so committing is a rename on one file system: another
 * process (the function runner, the static export) sees the whole file or none of it.
 */
export class FolderMediaStorage implements MediaStorage {
  readonly location: string;
  private readonly dir: string;

  constructor(dir: string) {
    this.location = dir;
    this.dir = path.resolve(dir);
  }

  async stage(): Promise<StagedImage> {
    await mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, `.upload-${randomBytes(8).toString('hex')}.tmp`);
    return {
      file,
      commit: async (key) => {
        const target = this.fileOf(key);
        await mkdir(path.dirname(target), { recursive: true });
        await rename(file, target);
      },
      discard: () => rm(file, { force: true }),
    };
  }

  async open(key: string): Promise<StoredImage | undefined> {
    const file = this.fileOf(key);
    const size = await this.sizeOf(file);
    return size === undefined ? undefined : { body: createReadStream(file), size };
  }

  async has(key: string): Promise<boolean> {
    return (await this.sizeOf(this.fileOf(key))) !== undefined;
  }

  /** A bucket has no folders: a folder the removal leaves empty goes too (the variants' `variants/<key>/`). */
  async remove(key: string): Promise<void> {
    const file = this.fileOf(key);
    await rm(file, { force: true });
    for (let dir = path.dirname(file); dir.startsWith(`${this.dir}${path.sep}`); dir = path.dirname(dir)) {
      try {
        await rmdir(dir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOENT') return;
        throw err;
      }
    }
  }

  async close(): Promise<void> {}

  private async sizeOf(file: string): Promise<number | undefined> {
    const info = await stat(file).catch(() => undefined);
    return info?.isFile() ? info.size : undefined;
  }

  /** Keys come from media-keys.ts; this only keeps a wrong one from naming a file outside the folder. */
  private fileOf(key: string): string {
    if (path.isAbsolute(key) || key.split('/').some((part) => part === '' || part === '.' || part === '..')) {
      throw new Error(`not a media object key: ${JSON.stringify(key)}`);
    }
    return path.join(this.dir, key);
  }
}
