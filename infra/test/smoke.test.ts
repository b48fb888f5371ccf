import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSmoke } from '../scripts/smoke.js';

/** A stand-in for the deployed shop: /readyz fails `readyFailures` times before it answers 200. */
function fakeShop(behaviour: { readyFailures: number; products: 'ok' | 'html' | 'error' }) {
  let readyCalls = 0;
  return createServer((req, res) => {
    if (req.url === '/readyz') {
      readyCalls += 1;
      res.writeHead(readyCalls > behaviour.readyFailures ? 200 : 503, { 'content-type': 'application/json' }).end('{}');
    } else if (req.url === '/api/products' && behaviour.products === 'ok') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"items":[],"total":0}');
    } else if (req.url === '/api/products' && behaviour.products === 'html') {
      // What a CloudFront default behaviour would answer if /api/* were routed to the SPA.
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html>');
    } else {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('Bad Gateway');
    }
  });
}

describe('the post-deploy smoke check', () => {
  const servers: Server[] = [];
  const start = async (server: Server) => {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  };
  let healthy = '';
  let broken = '';
  let spa = '';
  beforeAll(async () => {
    healthy = await start(fakeShop({ readyFailures: 2, products: 'ok' }));
    broken = await start(fakeShop({ readyFailures: 0, products: 'error' }));
    spa = await start(fakeShop({ readyFailures: 0, products: 'html' }));
  });
  afterAll(() => {
    for (const server of servers) server.close();
  });

  it('passes a shop that becomes ready within its retries', async () => {
    expect(await runSmoke(healthy, { attempts: 3, delayMs: 0 })).toEqual([]);
  });

  it('fails a catalog that answers 502, or HTML instead of the product list', async () => {
    expect(await runSmoke(broken, { attempts: 2, delayMs: 0 })).toEqual([`${broken}api/products: status 502`]);
    expect(await runSmoke(spa, { attempts: 1, delayMs: 0 })).toEqual([`${spa}api/products: content-type text/html`]);
  });

  it('exits non-zero from the command line when a check never passes, and 0 when all pass', async () => {
    const script = path.resolve(import.meta.dirname, '../scripts/smoke.ts');
    const tsx = path.resolve(import.meta.dirname, '../../node_modules/.bin/tsx');
    // The servers live in this process, so the command runs alongside it, not synchronously.
    const exitCode = (url: string) =>
      new Promise<number | null>((resolve) => {
        spawn(tsx, [script, url, '--attempts', '3', '--delay-seconds', '0'], { stdio: 'ignore' }).on('exit', resolve);
      });
    const [brokenCode, healthyCode] = await Promise.all([exitCode(broken), exitCode(healthy)]);
    expect(brokenCode).toBe(1);
    expect(healthyCode).toBe(0);
  });
});
