import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ensureCurrentRelease,
  releaseFiles,
  releaseInputsDigest,
  releaseManifestFile,
  releaseTarget,
  runtimeMajor,
  serviceCommand,
  staleReason,
  type ReleaseManifest,
} from '@evermall/shop/release';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceDir } from '../lib/constructs/workspace.js';

const shopDir = workspaceDir('@evermall/shop');
const repositoryRoot = path.dirname(shopDir);

// The bundle the instances run (shop/build.mjs), built into a temporary folder once.
let out = '';
// Other work may edit the shop's sources while this file runs: what the build saw is this digest.
let digestAtBuild = '';
beforeAll(() => {
  out = mkdtempSync(path.join(tmpdir(), 'evermall-bundle-'));
  digestAtBuild = releaseInputsDigest(repositoryRoot);
  const build = spawnSync(process.execPath, [path.join(shopDir, 'build.mjs'), '--out', out], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`shop/build.mjs failed: ${build.stderr}`);
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('shop bundle', () => {
  it('holds the server, the CLI and the SQL migrations', () => {
    expect(existsSync(path.join(out, 'server.js'))).toBe(true);
    expect(existsSync(path.join(out, 'cli.js'))).toBe(existsSync(path.join(workspaceDir('@evermall/shop'), 'src', 'cli.ts')));
    expect(readdirSync(path.join(out, 'migrations')).filter((f) => f.endsWith('.sql')).length).toBeGreaterThan(0);
  });

  it('ships exactly the x86_64 glibc argon2 binary, whatever machine built it, so instances never npm install at boot', () => {
    expect(existsSync(path.join(out, 'node_modules', '@node-rs', 'argon2', 'package.json'))).toBe(true);
    const binaries = readdirSync(path.join(out, 'node_modules', '@node-rs')).filter((d) => d.startsWith('argon2-'));
    expect(binaries).toEqual(['argon2-linux-x64-gnu']);
  });

  it('records the target, the runtime, the native packages and a digest of its inputs in release.json', () => {
    const manifest = JSON.parse(readFileSync(path.join(out, releaseManifestFile), 'utf8')) as ReleaseManifest;
    expect(manifest.target).toEqual({ os: 'linux', cpu: 'x64', libc: 'glibc' });
    expect(manifest.target).toEqual(releaseTarget);
    expect(manifest.node).toMatch(new RegExp(`^v${runtimeMajor}\\.`));
    expect(manifest.native).toEqual([expect.stringMatching(/^@node-rs\/argon2-linux-x64-gnu@\d+\.\d+\.\d+$/)]);
    expect(manifest.inputsDigest).toBe(digestAtBuild);
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

  it('is current while its sources are unchanged: infra ships it as it is', () => {
    const unchanged = releaseInputsDigest(repositoryRoot) === digestAtBuild;
    expect(staleReason(out, repositoryRoot)).toBe(unchanged ? undefined : 'its sources changed since it was built');
  });

  it('refuses a stale or foreign release: infra rebuilds it before shipping it', () => {
    const dist = mkdtempSync(path.join(tmpdir(), 'evermall-stale-'));
    try {
      cpSync(out, dist, { recursive: true });
      const manifestPath = path.join(dist, releaseManifestFile);
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as ReleaseManifest;
      // Built from other sources (an old shop/dist).
      writeFileSync(manifestPath, JSON.stringify({ ...manifest, inputsDigest: 'sha256:0' }));
      expect(staleReason(dist, repositoryRoot)).toBe('its sources changed since it was built');
      // Built on (and for) an arm64 laptop.
      writeFileSync(manifestPath, JSON.stringify({ ...manifest, target: { os: 'darwin', cpu: 'arm64', libc: 'glibc' } }));
      expect(staleReason(dist, repositoryRoot)).toMatch(/^it was built for .*darwin/);
      // Built before releases carried a manifest.
      rmSync(manifestPath);
      expect(staleReason(dist, repositoryRoot)).toMatch(/no release\.json/);

      expect(ensureCurrentRelease(shopDir, dist)).toMatch(/no release\.json/);
      expect(staleReason(dist, repositoryRoot)).toBeUndefined();
      expect(ensureCurrentRelease(shopDir, dist)).toBeUndefined();
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
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
