import { spawn, spawnSync } from 'node:child_process';
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

  it('serves /healthz and the API docs from the release alone: every package it loads at run time is in it', async () => {
    const [runtime, ...args] = serviceCommand(out);
    // No database is reached: migrations are skipped and the pools connect on first query.
    const env = { DATABASE_URL: 'postgres://127.0.0.1:1/none', SESSION_SECRET: 'a-session-secret-of-at-least-32-characters', MIGRATE_ON_START: 'false', PORT: '0' };
    const server = spawn(runtime, args, { cwd: out, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        const read = (chunk: Buffer) => {
          output += chunk.toString();
          const listening = /Server listening at (http:\/\/[^"\s]+)/.exec(output);
          if (listening) resolve(listening[1]!);
        };
        server.stdout.on('data', read);
        server.stderr.on('data', read);
        server.once('exit', (code) => reject(new Error(`the release exited with ${code}: ${output}`)));
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/docs/`)).status).toBe(200);
    } finally {
      server.kill('SIGKILL');
    }
  });
});
