import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MediaStorage } from './media-storage.js';

/** How a contract run reaches one adapter's store. */
export interface MediaStorageUnderTest {
  /** A fresh, empty store. */
  create(): Promise<MediaStorage>;
  /** Every key the store holds, sorted; for the folder, every file in it (temp files included). */
  stored(): Promise<string[]>;
  /** Removes what `create` made. */
  destroy(): Promise<void>;
}

const KEY = '0123456789abcdef0123456789abcdef.png';
const VARIANT = `variants/${KEY}/640.webp`;

async function commit(media: MediaStorage, key: string, content: string, contentType = 'image/png'): Promise<string> {
  const staged = await media.stage();
  try {
    await writeFile(staged.file, content, { flag: 'wx' });
    await staged.commit(key, contentType);
    return staged.file;
  } finally {
    await staged.discard();
  }
}

/**
 * The behaviour the shop relies on from any MediaStorage (media-storage.ts): nothing visible
 * before a commit, a commit whole, a missing key as undefined (never an error), removal. Each
 * adapter's test calls this with its store.
 */
export function describeMediaStorageContract(name: string, underTest: MediaStorageUnderTest): void {
  describe(`MediaStorage contract: ${name}`, () => {
    let media: MediaStorage;
    beforeEach(async () => {
      media = await underTest.create();
    });
    afterEach(async () => {
      await media.close();
      await underTest.destroy();
    });

    it('serves a committed image back whole, with its length, and keeps no temp file', async () => {
      const staged = await commit(media, KEY, 'the original png');
      const image = await media.open(KEY);
      expect(image?.size).toBe('the original png'.length);
      expect(await text(image!.body)).toBe('the original png');
      expect(await media.has(KEY)).toBe(true);
      expect(existsSync(staged)).toBe(false);
      expect(await underTest.stored()).toEqual([KEY]);
    });

    it('shows nothing under the key until the commit, and a discarded image leaves nothing anywhere', async () => {
      const staged = await media.stage();
      await writeFile(staged.file, 'an image that fails its check', { flag: 'wx' });
      expect(await media.open(KEY)).toBeUndefined();
      expect(await media.has(KEY)).toBe(false);
      await staged.discard();
      expect(existsSync(staged.file)).toBe(false);
      expect(await underTest.stored()).toEqual([]);
      // Discarding one that was never written is no error either.
      await (await media.stage()).discard();
    });

    it('answers undefined and false for a key it does not hold, not an error', async () => {
      await commit(media, KEY, 'the original png');
      expect(await media.open('fedcba9876543210fedcba9876543210.jpg')).toBeUndefined();
      expect(await media.has('fedcba9876543210fedcba9876543210.jpg')).toBe(false);
      expect(await media.open(VARIANT)).toBeUndefined();
    });

    it('keeps a variant under its nested key beside the original', async () => {
      await commit(media, KEY, 'the original png');
      await commit(media, VARIANT, 'the 640 px webp', 'image/webp');
      expect(await text((await media.open(VARIANT))!.body)).toBe('the 640 px webp');
      expect(await underTest.stored()).toEqual([KEY, VARIANT].sort());
    });

    it('gives each staged image its own file, so two uploads at once never mix', async () => {
      const [first, second] = await Promise.all([media.stage(), media.stage()]);
      expect(first!.file).not.toBe(second!.file);
      await Promise.all([first!.discard(), second!.discard()]);
    });

    it('removes an object and its variant; removing a key it does not hold is no error', async () => {
      await commit(media, KEY, 'the original png');
      await commit(media, VARIANT, 'the 640 px webp', 'image/webp');
      await media.remove(KEY);
      await media.remove(VARIANT);
      await media.remove(`variants/${KEY}/320.avif`);
      expect(await media.open(KEY)).toBeUndefined();
      expect(await media.has(VARIANT)).toBe(false);
      expect(await underTest.stored()).toEqual([]);
    });
  });
}
