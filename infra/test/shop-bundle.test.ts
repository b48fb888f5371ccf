import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { workspaceDir } from '../lib/constructs/workspace.js';

// The bundle the instances run (shop/build.mjs), built into a temporary folder once.
let out = '';
beforeAll(() => {
  out = mkdtempSync(path.join(tmpdir(), 'evermall-bundle-'));
  const build = spawnSync(process.execPath, [path.join(workspaceDir('@evermall/shop'), 'build.mjs'), '--out', out], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`shop/build.mjs failed: ${build.stderr}`);
});

describe('shop bundle', () => {
  it('holds the server, the CLI and the SQL migrations', () => {
    expect(existsSync(path.join(out, 'server.js'))).toBe(true);
    expect(existsSync(path.join(out, 'cli.js'))).toBe(existsSync(path.join(workspaceDir('@evermall/shop'), 'src', 'cli.ts')));
    expect(readdirSync(path.join(out, 'migrations')).filter((f) => f.endsWith('.sql')).length).toBeGreaterThan(0);
  });

  it('ships the native argon2 binary for x86_64 Linux, so instances never npm install at boot', () => {
    expect(existsSync(path.join(out, 'node_modules', '@node-rs', 'argon2', 'package.json'))).toBe(true);
    const binaries = readdirSync(path.join(out, 'node_modules', '@node-rs')).filter((d) => d.startsWith('argon2-linux-x64'));
    expect(binaries).not.toEqual([]);
  });

  it('starts from the bundle alone and fails fast naming a missing variable', () => {
    const run = spawnSync(process.execPath, [path.join(out, 'server.js')], { cwd: out, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain('DATABASE_URL');
  });
});
