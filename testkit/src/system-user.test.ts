import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ownedDir, postgresOwner, systemUser } from './system-user.js';

describe('the root→postgres user switch', () => {
  it('runs PostgreSQL as the postgres user when we are root, and as ourselves otherwise', () => {
    const owner = postgresOwner();
    if (process.getuid?.() === 0) expect(owner).toEqual(systemUser('postgres'));
    else expect(owner).toBeUndefined();
  });

  it('knows no uid for a user the machine does not have', () => {
    expect(systemUser('no-such-user-evermall')).toBeUndefined();
  });

  it('hands a new folder to its owner', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'evermall-owned-'));
    try {
      const owner = postgresOwner();
      const dir = ownedDir(path.join(root, 'a', 'b'), owner);
      expect(statSync(dir).isDirectory()).toBe(true);
      if (owner) expect(statSync(dir)).toMatchObject({ uid: owner.uid, gid: owner.gid });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
