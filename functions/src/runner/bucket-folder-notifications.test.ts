import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { imageVariants } from '@evermall/topology';
import type { S3Event } from 'aws-lambda';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FolderMediaObjects } from '../media-objects/index.js';
import { createResizeImageHandler } from '../resize-image.js';
import { BucketFolderNotifications } from './bucket-folder-notifications.js';
import { FunctionRunner, type InvocationResult } from './function-runner.js';

describe('BucketFolderNotifications', () => {
  let root: string;
  let notifications: BucketFolderNotifications | undefined;
  let runner: FunctionRunner<S3Event, unknown> | undefined;
  /** Writes as the shop does: a dot-named temp file, renamed into place. */
  const put = (key: string, body: Buffer | string) => {
    const temp = path.join(root, 'media', `.upload-${key}.tmp`);
    writeFileSync(temp, body);
    renameSync(temp, path.join(root, 'media', key));
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'evermall-s3-'));
  });
  afterEach(async () => {
    notifications?.close();
    await runner?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('raises one ObjectCreated event per new original, none for dot files, other suffixes or subfolders', async () => {
    const events: S3Event[] = [];
    notifications = new BucketFolderNotifications({
      root,
      bucket: 'media',
      suffixes: imageVariants.originalSuffixes,
      notify: (e) => events.push(e),
      onError: (err) => expect.fail(err.message),
    });
    put('placeholder.svg', '<svg/>');
    writeFileSync(path.join(root, 'media', '.half-written.jpg'), 'x');
    mkdirSync(path.join(root, 'media', 'variants', 'a.jpg'), { recursive: true });
    writeFileSync(path.join(root, 'media', 'variants', 'a.jpg', '320.webp'), 'x');
    put('0123 abcd.jpg', 'twelve bytes');

    await vi.waitFor(() => expect(events).toHaveLength(1));
    expect(events[0]!.Records[0]).toMatchObject({
      eventName: 'ObjectCreated:Put',
      eventSource: 'aws:s3',
      s3: { bucket: { name: 'media', arn: 'arn:aws:s3:::media' }, object: { key: '0123+abcd.jpg', size: 12 } },
    });
    // Whatever else fs.watch reports for the files above arrives before this turn ends.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toHaveLength(1);
  });

  it('on the twin, an upload to the media folder gets its variants from the resize handler, run unchanged', async () => {
    const results: Promise<InvocationResult<unknown>>[] = [];
    runner = new FunctionRunner<S3Event, unknown>({
      name: 'resize-image',
      handler: createResizeImageHandler(new FolderMediaObjects(root)),
      concurrency: 2,
      timeoutMs: 60_000,
      memoryMb: 1769,
      retryDelaysMs: [10, 20],
      failureDir: path.join(root, 'failed'),
    });
    notifications = new BucketFolderNotifications({
      root,
      bucket: 'media',
      suffixes: imageVariants.originalSuffixes,
      notify: (event) => results.push(runner!.invoke(event)),
      onError: (err) => expect.fail(err.message),
    });

    put(
      'cafe.png',
      await sharp({ create: { width: 700, height: 350, channels: 3, background: '#c63' } })
        .png()
        .toBuffer(),
    );
    await vi.waitFor(() => expect(results).toHaveLength(1));

    expect(await results[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(readdirSync(path.join(root, 'media', 'variants', 'cafe.png')).sort()).toEqual(['1280.avif', '1280.webp', '320.avif', '320.webp', '640.avif', '640.webp']);
    // The variants under media/variants/ raised no event of their own.
    await runner.idle();
    expect(results).toHaveLength(1);
  });
});
