import { mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { greyPng } from '../../test/grey-png.js';
import { ImageResizer } from './image-resizer.js';

describe('ImageResizer (the twin resize Lambda)', () => {
  let root: string | undefined;
  let resizer: ImageResizer | undefined;
  afterEach(async () => {
    await resizer?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('gives an upload to the media folder its variants, and stops', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'evermall-twin-resizer-'));
    resizer = new ImageResizer({ root, bucket: 'media', failureDir: path.join(root, 'failed'), logFile: path.join(root, 'logs', 'resize-image.log'), owner: undefined });
    await resizer.start();
    mkdirSync(path.join(root, 'media'), { recursive: true });
    writeFileSync(path.join(root, 'media', '.upload.tmp'), greyPng(500));
    renameSync(path.join(root, 'media', '.upload.tmp'), path.join(root, 'media', '0123456789abcdef0123456789abcdef.png'));

    await vi.waitFor(() => expect(readdirSync(path.join(root!, 'media', 'variants', '0123456789abcdef0123456789abcdef.png'))).toHaveLength(6), { timeout: 30_000 });
    await resizer.stop();
  });
});
