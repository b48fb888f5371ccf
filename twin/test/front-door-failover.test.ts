import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { catalogAnswers } from '@evermall/shop/release';
import { frontDoorFailover } from '@evermall/topology';
import { freePort } from '@evermall/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twinPaths } from '../src/config/paths.js';
import { EventLog } from '../src/events.js';
import { FrontDoor } from '../src/front-door/front-door.js';
import { LoadBalancer } from '../src/load-balancer/load-balancer.js';

type ShopState = 'up' | 'failing' | 'hung';

/**
 * The front door's per-request failover, CloudFront's origin group (issue 15, item 3): HAProxy as
 * rendered from topology and the front door's buckets, in front of a stand-in shop that answers,
 * answers 503, hangs, or is gone. The deep check never runs here (its interval is longer than the
 * test), so every backup answer comes from the request's own failover.
 */
describe('the front door fails over per request, like a CloudFront origin group', () => {
  let dir: string;
  let lb: LoadBalancer;
  let frontDoor: FrontDoor;
  let shop: Server | undefined;
  let shopPort: number;
  let state: ShopState = 'up';
  const hung: (() => void)[] = [];

  const startShop = async () => {
    shop = createServer((req, res) => {
      if (req.url === '/healthz') return void res.end('ok');
      if (state === 'hung') return void hung.push(() => res.destroy());
      if (state === 'failing') {
        res.writeHead(503, { 'content-type': 'application/json', 'x-served-by': 'i-1@a' });
        return void res.end(JSON.stringify({ error: { code: 'DATABASE_UNAVAILABLE', message: 'The database is failing over' } }));
      }
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-served-by': 'i-1@a' });
      res.end(JSON.stringify({ from: 'shop', method: req.method, url: req.url }));
    });
    await new Promise<void>((r) => shop!.listen(shopPort, '127.0.0.1', () => r()));
  };
  const stopShop = async () => {
    shop?.closeAllConnections();
    await new Promise<void>((r) => (shop ? shop.close(() => r()) : r()));
    shop = undefined;
  };

  /** The load balancer's failed-request checks take a failing shop out for a moment; each case starts with it in. */
  const shopInRotation = async () => {
    for (;;) {
      if ([...(await lb.health()).values()].some((h) => h.up)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-edge-failover-'));
    const paths = twinPaths(dir);
    // The backup site as the export writes it: pages, the catalog's JSON answers and an image.
    const api = path.join(paths.s3Backup, catalogAnswers.dir);
    mkdirSync(path.join(api, 'products'), { recursive: true });
    mkdirSync(path.join(paths.s3Backup, 'media'), { recursive: true });
    mkdirSync(paths.s3Spa, { recursive: true });
    writeFileSync(path.join(paths.s3Backup, 'index.html'), '<p>backup home</p>');
    writeFileSync(path.join(api, 'categories'), JSON.stringify({ items: [{ slug: 'shoes' }] }));
    writeFileSync(path.join(api, catalogAnswers.productListFile), JSON.stringify({ items: [{ slug: 'linen-shirt' }], nextCursor: null }));
    writeFileSync(path.join(api, 'products', 'linen-shirt'), JSON.stringify({ slug: 'linen-shirt', from: 'backup' }));
    writeFileSync(path.join(paths.s3Backup, 'media', 'a.webp'), 'image');
    writeFileSync(path.join(paths.s3Spa, 'index.html'), '<p>spa</p>');

    shopPort = await freePort();
    await startShop();
    const fdPort = await freePort();
    const bucketsPort = await freePort();
    lb = new LoadBalancer({
      paths,
      ports: { listen: await freePort(), stats: await freePort(), trafficLog: await freePort() },
      frontDoor: { port: fdPort, bucketsPort },
    });
    await lb.start();
    await lb.register(shopPort);
    const logger = pino({ level: 'silent' });
    frontDoor = new FrontDoor({
      port: fdPort,
      bucketsPort,
      loadBalancerUrl: lb.url,
      spaDir: paths.s3Spa,
      backupDir: paths.s3Backup,
      deepCheckPath: frontDoorFailover.deepCheckPath,
      intervalSeconds: 3600,
      failureThreshold: frontDoorFailover.failureThreshold,
      checkTimeoutMs: 1000,
      switchOrigin: (inRotation) => lb.setFrontDoorOrigin(inRotation),
      events: new EventLog(logger, path.join(dir, 'events.jsonl')),
      logger,
    });
    await frontDoor.start();
    await shopInRotation();
  }, 60_000);

  afterAll(async () => {
    for (const release of hung) release();
    await frontDoor?.stop();
    await lb?.stop();
    await stopShop();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = async (pathAndQuery: string, method = 'GET') => {
    const res = await fetch(`${frontDoor.url}${pathAndQuery}`, { method, ...(method === 'GET' ? {} : { body: '{}', headers: { 'content-type': 'application/json' } }) });
    const text = await res.text();
    return {
      status: res.status,
      via: res.headers.get('x-front-door'),
      type: res.headers.get('content-type'),
      body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : text,
    };
  };

  it('sends the catalog reads to the shop while it answers', async () => {
    expect(await send('/api/products/linen-shirt')).toMatchObject({ status: 200, via: 'primary', body: { from: 'shop' } });
    expect(await send('/api/cart', 'POST')).toMatchObject({ status: 200, body: { from: 'shop', method: 'POST' } });
  });

  it('answers a catalog read the shop answers with a 5xx from the backup site, and leaves writes and errors of the shop alone', async () => {
    await shopInRotation();
    state = 'failing';
    // A write never fails over: the shop's own answer (it carries x-served-by) reaches the shopper.
    expect(await send('/api/cart/items', 'POST')).toMatchObject({ status: 503, body: { error: { code: 'DATABASE_UNAVAILABLE' } } });
    expect(await send('/api/products/linen-shirt')).toMatchObject({ status: 200, via: 'backup', body: { slug: 'linen-shirt', from: 'backup' } });
    // The list ignores its query, as the bucket's object does.
    expect(await send('/api/products?category=shoes&sort=newest&limit=8')).toMatchObject({ status: 200, via: 'backup', body: { nextCursor: null } });
    expect(await send('/api/categories')).toMatchObject({ status: 200, via: 'backup', body: { items: [{ slug: 'shoes' }] } });
    state = 'up';
    await shopInRotation();
    // Per request: the next read goes to the shop again, with no health check in between.
    expect(await send('/api/products/linen-shirt')).toMatchObject({ status: 200, via: 'primary', body: { from: 'shop' } });
  });

  it('answers a read the shop leaves hanging from the backup site after the origin response timeout', async () => {
    await shopInRotation();
    state = 'hung';
    expect(await send('/api/products/linen-shirt')).toMatchObject({ status: 200, via: 'backup', body: { from: 'backup' } });
    expect(hung.length).toBeGreaterThan(0);
    state = 'up';
  }, 30_000);

  it('serves pages, catalog reads and images from the backup site with no instance left, and tells writes ordering is paused', async () => {
    await stopShop();
    expect(await send('/api/products/linen-shirt')).toMatchObject({ status: 200, via: 'backup', body: { from: 'backup' } });
    expect(await send('/media/a.webp')).toMatchObject({ status: 200, via: 'backup', body: 'image' });
    // The SPA itself comes from its own bucket, as on AWS; a product the copy lacks is a 404.
    expect(await send('/')).toMatchObject({ status: 200, body: '<p>spa</p>' });
    expect(await send('/api/products/not-in-the-copy')).toMatchObject({ status: 404, via: 'backup', body: { error: { code: 'NOT_FOUND' } } });
    for (const [method, url] of [
      ['POST', '/api/cart/items'],
      ['POST', '/api/checkout'],
      ['DELETE', '/api/cart/items/1'],
    ] as const) {
      const answer = await send(url, method);
      expect(answer, `${method} ${url}`).toMatchObject({ status: 503, body: { error: { code: 'ORDERING_PAUSED' } } });
      expect(answer.type).toContain('application/json');
    }
    await startShop();
  }, 30_000);
});
