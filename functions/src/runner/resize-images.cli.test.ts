import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';

const CLI = path.join(import.meta.dirname, 'resize-images.cli.ts');

describe('resize-images (the twin resize function)', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('resizes an original dropped in the bucket folder, then stops cleanly on SIGTERM', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'evermall-resize-cli-'));
    const failures = path.join(root, 'failed');
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--root', root, '--bucket', 'media', '--failures', failures, '--retry-delays-seconds', '0,0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await vi.waitFor(() => expect(output).toContain('watching for originals'), { timeout: 30_000 });
      mkdirSync(path.join(root, 'media'), { recursive: true });
      const temp = path.join(root, 'media', '.upload.tmp');
      writeFileSync(
        temp,
        await sharp({ create: { width: 400, height: 300, channels: 3, background: '#080' } })
          .jpeg()
          .toBuffer(),
      );
      renameSync(temp, path.join(root, 'media', 'abc.jpg'));
      writeFileSync(path.join(root, 'media', '.junk.tmp'), 'x');
      renameSync(path.join(root, 'media', '.junk.tmp'), path.join(root, 'media', 'junk.png'));

      await vi.waitFor(() => expect(readdirSync(path.join(root!, 'media', 'variants', 'abc.jpg'))).toHaveLength(6), { timeout: 30_000 });
      // The junk "PNG" fails three times and lands in the failure folder with Lambda's record.
      await vi.waitFor(() => expect(existsSync(failures) && readdirSync(failures)).toHaveLength(1), { timeout: 30_000 });
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect({ code, output }).toMatchObject({ code: 0 });
    expect(output).toContain('NOT_AN_IMAGE');
  });
});
