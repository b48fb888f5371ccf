import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockHolders } from '../package-locks.mjs';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function until<T>(read: () => T, done: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('lockHolders', () => {
  it('names the process that holds a lock file, and nobody once it lets go', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'locks-'));
    dirs.push(dir);
    const lock = path.join(dir, 'lock-frontend');
    const free = path.join(dir, 'lock');
    writeFileSync(lock, '');
    writeFileSync(free, '');
    // util-linux flock holds the lock while its command runs, as dpkg does during an install.
    const holder = spawn('flock', ['--close', lock, 'sleep', '30'], { stdio: 'ignore', detached: true });
    try {
      const held = await until(
        () => lockHolders([lock, free]),
        (h) => h.length > 0,
      );
      expect(held).toEqual([{ file: lock, pid: holder.pid, command: `flock --close ${lock} sleep 30` }]);
    } finally {
      if (holder.pid) process.kill(-holder.pid, 'SIGKILL');
    }
    expect(
      await until(
        () => lockHolders([lock, free]),
        (h) => h.length === 0,
      ),
    ).toEqual([]);
  });

  it('finds nothing for files that do not exist', () => {
    expect(lockHolders(['/nonexistent/lock'])).toEqual([]);
  });
});
