import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderMediaStorage } from './folder-media-storage.js';
import { describeMediaStorageContract } from './media-storage.contract.js';

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();

let dir = '';
describeMediaStorageContract('the folder (MEDIA_DIR)', {
  create: async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-media-contract-'));
    return new FolderMediaStorage(dir);
  },
  stored: async () => filesUnder(dir),
  destroy: async () => rmSync(dir, { recursive: true, force: true }),
});

describe('FolderMediaStorage', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'evermall-media-folder-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const KEY = '0123456789abcdef0123456789abcdef.png';

  it('stages in the folder itself, so the commit is a rename other processes see whole, and keeps the key as the file name', async () => {
    const mediaDir = path.join(root, 'stage', 'media');
    const media = new FolderMediaStorage(mediaDir);
    const staged = await media.stage();
    expect(path.dirname(staged.file)).toBe(mediaDir);
    expect(path.basename(staged.file)).toMatch(/^\.upload-[0-9a-f]{16}\.tmp$/);
    await writeFile(staged.file, 'png bytes', { flag: 'wx', mode: 0o644 });
    const inode = statSync(staged.file).ino;
    await staged.commit(KEY, 'image/png');
    expect(statSync(path.join(mediaDir, KEY)).ino).toBe(inode);
    expect(readFileSync(path.join(mediaDir, KEY), 'utf8')).toBe('png bytes');
    expect(media.location).toBe(mediaDir);
  });

  it('removes the folders a removal leaves empty, as a bucket has none, but never the media folder itself', async () => {
    const mediaDir = path.join(root, 'prune');
    const media = new FolderMediaStorage(mediaDir);
    for (const key of [`variants/${KEY}/640.webp`, `variants/${KEY}/640.avif`]) {
      const staged = await media.stage();
      await writeFile(staged.file, key, { flag: 'wx' });
      await staged.commit(key, 'image/webp');
    }
    await media.remove(`variants/${KEY}/640.webp`);
    expect(filesUnder(mediaDir)).toEqual([`variants/${KEY}/640.avif`]);
    await media.remove(`variants/${KEY}/640.avif`);
    expect(readdirSync(mediaDir)).toEqual([]);
    await media.remove(KEY);
    expect(existsSync(mediaDir)).toBe(true);
  });

  it('refuses a key that would name a file outside the folder', async () => {
    const media = new FolderMediaStorage(path.join(root, 'refuse'));
    for (const key of ['../escape.png', '/etc/passwd', 'variants/../../x.png', '', 'a//b.png']) {
      await expect(media.open(key), key).rejects.toThrow(/not a media object key/);
    }
  });
});
