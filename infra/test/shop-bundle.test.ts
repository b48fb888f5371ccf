import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { releaseFiles, runtimeMajor, serviceCommand } from '@evermall/shop/release';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceDir } from '../lib/constructs/workspace.js';

// The bundle the instances run (shop/build.mjs), built into a temporary folder once.
let out = '';
beforeAll(() => {
  out = mkdtempSync(path.join(tmpdir(), 'evermall-bundle-'));
  const build = spawnSync(process.execPath, [path.join(workspaceDir('@evermall/shop'), 'build.mjs'), '--out', out], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`shop/build.mjs failed: ${build.stderr}`);
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

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

  it(`ships its own Node ${runtimeMajor} runtime, so instances install no Node`, () => {
    const version = spawnSync(releaseFiles(out).runtime, ['--version'], { encoding: 'utf8' });
    expect(version.stdout.trim()).toMatch(new RegExp(`^v${runtimeMajor}\\.`));
  });

  it('starts from the release alone, on its own runtime, and fails fast naming a missing variable', () => {
    const [runtime, ...args] = serviceCommand(out);
    const run = spawnSync(runtime, args, { cwd: out, env: {}, encoding: 'utf8' });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain('DATABASE_URL');
  });
});
