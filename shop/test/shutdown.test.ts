import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { freePort } from '@evermall/testkit';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.js';

const SHOP_DIR = fileURLToPath(new URL('..', import.meta.url));

interface Started {
  child: ChildProcess;
  port: number;
  exit: Promise<number | null>;
  output: () => string;
}

async function startShop(env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: SHOP_DIR,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`shop exited: ${output}`);
    const ok = await get(port, '/healthz').then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return { child, port, exit, output: () => output };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`shop never became healthy: ${output}`);
}

function get(port: number, pathName: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathName, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('graceful shutdown on SIGTERM', () => {
  let db: TestDatabase;
  let mediaDir: string;
  beforeAll(async () => {
    db = await createTestDatabase(inject('pgAdminUrl'));
    mediaDir = mkdtempSync(path.join(os.tmpdir(), 'evermall-media-'));
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(mediaDir, { recursive: true, force: true });
  });

  it('reports draining, completes the in-flight request, and exits 0', async () => {
    const shop = await startShop({
      DATABASE_URL: db.url,
      SESSION_SECRET: 'shutdown-test-secret-0123456789abcdef',
      MEDIA_DIR: mediaDir,
      DRAIN_SECONDS: '1',
      ZONE: 'a',
      INSTANCE_ID: 'shutdown-1',
    });
    try {
      // An in-flight request: headers sent, body still arriving when SIGTERM lands.
      const body = JSON.stringify({ email: 'nobody@example.com', password: 'not-a-real-password' });
      const req = http.request({
        host: '127.0.0.1',
        port: shop.port,
        path: '/api/auth/login',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      const inFlight = new Promise<number>((resolve, reject) => {
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
      });
      // Awaited below; until then, a reset must not count as an unhandled rejection of its own.
      inFlight.catch(() => undefined);
      await new Promise<void>((resolve, reject) => req.write(body.slice(0, 10), (err) => (err ? reject(err) : resolve())));

      shop.child.kill('SIGTERM');
      // While draining, the shallow check tells the load balancer to stop sending.
      await vi.waitFor(async () => {
        const health = await get(shop.port, '/healthz');
        expect(health.status).toBe(503);
        expect(health.body).toContain('draining');
      });
      req.end(body.slice(10));

      const status = await inFlight;
      expect(status).toBeGreaterThanOrEqual(200);
      expect(status).toBeLessThan(500);
      expect(await shop.exit).toBe(0);
      expect(shop.output()).toContain('draining');
    } finally {
      if (shop.child.exitCode === null) shop.child.kill('SIGKILL');
    }
  });

  it('fails fast on bad config, naming the variable', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: SHOP_DIR,
      env: { ...process.env, DATABASE_URL: db.url, SESSION_SECRET: 'too-short', PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toContain('SESSION_SECRET');
  });

  it('refuses to start in production with the test payment provider, naming PAYMENT_PROVIDER', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: SHOP_DIR,
      env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: db.url, SESSION_SECRET: 'shutdown-test-secret-0123456789abcdef', PORT: String(port), PAYMENT_PROVIDER: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(78);
    expect(stderr).toContain('Invalid configuration: PAYMENT_PROVIDER');
  });
});
