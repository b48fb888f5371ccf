import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { catalogCaching } from '@evermall/topology';
import { freePort } from '@evermall/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twinPaths } from '../src/config/paths.js';
import { LoadBalancer } from '../src/load-balancer/load-balancer.js';

/**
 * The front door caches the catalog as CloudFront's catalog behaviours do (issue 14, item 5):
 * HAProxy as rendered from topology, in front of a stand-in shop that counts what reaches it and
 * answers the catalog paths with the shop's own Cache-Control.
 */
describe('the front door caches the catalog like CloudFront', () => {
  let dir: string;
  let lb: LoadBalancer;
  let shop: Server;
  let frontDoor: string;
  const reached: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-edge-'));
    const shopPort = await freePort();
    shop = createServer((req, res) => {
      if (req.url === '/healthz') return void res.end('ok');
      reached.push(`${req.method} ${req.url} ${req.headers.cookie ?? '-'}`);
      const catalog = catalogCaching.edgePaths.some((p) => req.url === p || req.url?.startsWith(`${p}/`) || req.url?.startsWith(`${p}?`));
      const cacheControl = req.url?.includes('private') ? 'no-store' : catalog ? `public, max-age=${catalogCaching.maxAgeSeconds}` : 'no-store';
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': cacheControl });
      res.end(JSON.stringify({ url: req.url, n: reached.length }));
    });
    await new Promise<void>((r) => shop.listen(shopPort, '127.0.0.1', () => r()));
    const fdPort = await freePort();
    lb = new LoadBalancer({
      paths: twinPaths(dir),
      ports: { listen: await freePort(), stats: await freePort(), trafficLog: await freePort() },
      frontDoor: { port: fdPort, bucketsPort: await freePort() },
    });
    await lb.start();
    await lb.register(shopPort);
    for (;;) {
      if ([...(await lb.health()).values()].some((h) => h.up)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    frontDoor = `http://127.0.0.1:${fdPort}`;
  }, 60_000);

  afterAll(async () => {
    await lb?.stop();
    shop?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (pathAndQuery: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${frontDoor}${pathAndQuery}`, { headers });
    return { status: res.status, xCache: res.headers.get('x-cache'), body: (await res.json()) as { n: number } };
  };
  const reachedFor = (p: string) => reached.filter((r) => r.startsWith(`GET ${p} `)).length;

  it('answers a repeated catalog read from its cache, keyed by path and query, whatever the cookies', async () => {
    const first = await get('/api/products?category=shoes&page=1');
    expect(first.xCache).toBe('Miss from front door');
    const again = await get('/api/products?category=shoes&page=1', { cookie: 'evermall_session=someone' });
    expect(again.xCache).toBe('Hit from front door');
    expect(again.body).toEqual(first.body);
    expect(reachedFor('/api/products?category=shoes&page=1')).toBe(1);

    // Another query is another object; a product page and the category tree are cached too.
    expect((await get('/api/products?category=shoes&page=2')).xCache).toBe('Miss from front door');
    await get('/api/products/linen-shirt');
    expect((await get('/api/products/linen-shirt')).xCache).toBe('Hit from front door');
    await get('/api/categories');
    expect((await get('/api/categories')).xCache).toBe('Hit from front door');
  });

  it('never caches what the shop marks no-store, nor anything outside the catalog', async () => {
    await get('/api/products/private-thing');
    await get('/api/products/private-thing');
    expect(reachedFor('/api/products/private-thing')).toBe(2);
    await get('/api/cart');
    const cart = await get('/api/cart');
    expect(cart.xCache).toBeNull();
    expect(reachedFor('/api/cart')).toBe(2);
    // A prefix that only looks like the catalog's is not the catalog.
    await get('/api/productsearch');
    await get('/api/productsearch');
    expect(reachedFor('/api/productsearch')).toBe(2);
  });
});
