import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRedisServer, type RedisServer } from '@evermall/testkit';
import { buildApp } from '../app.js';
import { createTestShop, loginAs, type TestLogin, type TestShop } from '../testing/index.js';
import { loginShopper, registerShopper } from '../testing/shoppers.js';

/**
 * Two shop instances on one database and one real redis-server, as on AWS and the twin: what
 * the cache holds is shared and kept correct, and with the cache down or slow every answer still
 * comes, right, from PostgreSQL.
 */
describe('the cache tier', () => {
  let redis: RedisServer;
  /** The test's own view of the cache, to see and tamper with what the shop stored. */
  let peek: Redis;
  let shop: TestShop;
  let other: FastifyInstance;
  let admin: TestLogin;
  let productId: number;

  beforeAll(async () => {
    redis = await startRedisServer({ password: 'cache-password-for-tests' });
    shop = await createTestShop(inject('pgAdminUrl'), {
      CACHE_URL: redis.url,
      CACHE_PASSWORD: redis.password!,
      LOGIN_RATE_LIMIT_PER_MINUTE: '3',
    });
    other = await buildApp({ config: { ...shop.config, INSTANCE_ID: 'test-2' }, logger: false });
    await other.ready();
    peek = new Redis(redis.url, { password: redis.password, lazyConnect: true, maxRetriesPerRequest: 1 });
    // It loses its connection in the outage test like the shop does; its retries need no log.
    peek.on('error', () => undefined);
    await peek.connect();
    await waitForCache(shop.app);
    await waitForCache(other);
    admin = await loginAs(shop.app, shop.sql, 'admin');
    const [category] = await shop.sql<{ id: number }[]>`INSERT INTO categories (slug, name, name_en) VALUES ('tea', '차', 'Tea') RETURNING id`;
    const [product] = await shop.sql<{ id: number }[]>`
      INSERT INTO products (sku, slug, name, name_en, price_won, category_id, stock)
      VALUES ('TEA-1', 'green-tea', '녹차', 'Green tea', 12000, ${category!.id}, 40) RETURNING id`;
    productId = Number(product!.id);
  });

  afterAll(async () => {
    peek?.disconnect();
    await other?.close();
    await shop?.close();
    await redis?.stop();
  });

  const price = async (app: FastifyInstance) => {
    const res = await app.inject('/api/products/green-tea');
    expect(res.statusCode).toBe(200);
    return res.json<{ priceWon: number }>().priceWon;
  };
  const listedPrice = async (app: FastifyInstance, query = 'category=tea') => {
    const res = await app.inject(`/api/products?${query}`);
    expect(res.statusCode).toBe(200);
    return res.json<{ items: { priceWon: number }[] }>().items[0]!.priceWon;
  };
  const me = (app: FastifyInstance, cookie: string) => app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
  /**
   * Until `read` answers `expected`, at most ANNOUNCED_MS: another instance learns of a staff
   * change through the cache's announcement, a moment after the change was answered, and well
   * before its own copy would expire (`catalogCaching.instanceSeconds`).
   */
  const shows = async <T>(read: () => Promise<T>, expected: T) => {
    const deadline = Date.now() + ANNOUNCED_MS;
    let seen = await read();
    while (seen !== expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      seen = await read();
    }
    expect(seen).toBe(expected);
  };
  const hits = async (app: FastifyInstance, operation: string) => {
    const metric = await app.metrics.registry.getSingleMetric('shop_cache_hits_total')!.get();
    return metric.values.find((v) => v.labels.operation === operation)?.value ?? 0;
  };

  it('serves catalog answers from the cache to every instance, and a staff price change shows on the other instance at once', async () => {
    expect(await price(shop.app)).toBe(12000);
    expect(await listedPrice(shop.app)).toBe(12000);
    // Changed behind the shop's back (not a staff change): both instances keep the cached answer.
    await shop.sql`UPDATE products SET price_won = 99999 WHERE id = ${productId}`;
    expect(await price(other)).toBe(12000);
    expect(await listedPrice(other)).toBe(12000);
    expect(await hits(other, 'catalog-read')).toBeGreaterThanOrEqual(2);
    // The cached answer still carries the catalog's caching headers and revalidates.
    const cached = await other.inject('/api/products/green-tea');
    expect(cached.headers['cache-control']).toMatch(/^public, max-age=\d+/);
    expect((await other.inject({ url: '/api/products/green-tea', headers: { 'if-none-match': cached.headers.etag as string } })).statusCode).toBe(304);

    const patched = await shop.app.inject({ method: 'PATCH', url: `/api/admin/products/${productId}`, headers: { cookie: admin.cookie }, payload: { priceWon: 15000 } });
    expect(patched.statusCode).toBe(200);
    expect(await price(shop.app)).toBe(15000);
    await shows(() => price(other), 15000);
    await shows(() => listedPrice(other), 15000);
  });

  it("keeps a hot answer in each instance's memory, which a staff change on another instance empties by announcement", async () => {
    const nearHits = () => hits(other, 'catalog-near-read');
    await price(other);
    const before = await nearHits();
    expect(await price(other)).toBe(15000);
    expect(await nearHits()).toBe(before + 1);
    // Behind the shop's back the memory copy is kept too; a staff change is announced and ends it.
    await shop.sql`UPDATE products SET price_won = 99999 WHERE id = ${productId}`;
    expect(await price(other)).toBe(15000);
    const patched = await shop.app.inject({ method: 'PATCH', url: `/api/admin/products/${productId}`, headers: { cookie: admin.cookie }, payload: { priceWon: 15500 } });
    expect(patched.statusCode).toBe(200);
    await shows(() => price(other), 15500);
    expect((await other.inject('/api/products/green-tea')).headers.etag).toBe((await shop.app.inject('/api/products/green-tea')).headers.etag);
  });

  it('shows a staff stock change, a deactivation and a new image on every instance', async () => {
    await price(other);
    const stock = await other.inject({ method: 'PUT', url: `/api/admin/products/${productId}/stock`, headers: { cookie: admin.cookie }, payload: { stock: 7 } });
    expect(stock.statusCode).toBe(200);
    await shows(async () => (await shop.app.inject('/api/products/green-tea')).json<{ stock: number }>().stock, 7);
    await shop.app.inject({ method: 'DELETE', url: `/api/admin/products/${productId}`, headers: { cookie: admin.cookie } });
    await shows(async () => (await other.inject('/api/products/green-tea')).statusCode, 404);
    await shows(async () => (await other.inject('/api/products?category=tea')).json<{ items: unknown[] }>().items.length, 0);
    await shop.app.inject({ method: 'PATCH', url: `/api/admin/products/${productId}`, headers: { cookie: admin.cookie }, payload: { active: true } });
    await shows(async () => (await other.inject('/api/products/green-tea')).statusCode, 200);
  });

  it('keeps every session through a cache flush: they are read back from PostgreSQL', async () => {
    const shopper = await registerShopper(shop.app, { email: 'flush@example.test' });
    expect((await me(shop.app, shopper.cookie)).statusCode).toBe(200);
    const before = await hits(other, 'session-read');
    expect((await me(other, shopper.cookie)).statusCode).toBe(200);
    expect(await hits(other, 'session-read')).toBe(before + 1);
    await redis.flushAll();
    const res = await me(other, shopper.cookie);
    expect(res.statusCode).toBe(200);
    expect(res.json().user.email).toBe('flush@example.test');
    expect((await me(shop.app, shopper.cookie)).statusCode).toBe(200);
  });

  it('refuses a logged-out session on every instance, even when its copy is put back in the cache', async () => {
    const shopper = await registerShopper(shop.app, { email: 'logout@example.test' });
    expect((await me(shop.app, shopper.cookie)).statusCode).toBe(200);
    const stored = await sessionCopies();
    expect(stored.size).toBeGreaterThan(0);

    const out = await other.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: shopper.cookie } });
    expect(out.statusCode).toBe(204);
    // A copy that outlived the logout (a fill racing it, a delete that was lost) is still refused.
    for (const [key, value] of stored) await peek.set(key, value);
    expect((await me(shop.app, shopper.cookie)).statusCode).toBe(401);
    expect((await me(other, shopper.cookie)).statusCode).toBe(401);
  });

  it("ends a user's other sessions in the cache on a password change; the new session works", async () => {
    const shopper = await registerShopper(shop.app, { email: 'change@example.test', password: 'first long passphrase' });
    const second = await loginShopper(other, shopper.email, shopper.password);
    expect((await me(shop.app, second)).statusCode).toBe(200);
    expect((await me(other, shopper.cookie)).statusCode).toBe(200);
    const stored = await sessionCopies();

    const change = await shop.app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: { cookie: shopper.cookie },
      payload: { currentPassword: 'first long passphrase', newPassword: 'second longer passphrase' },
    });
    expect(change.statusCode).toBe(204);
    for (const [key, value] of stored) await peek.set(key, value);
    for (const app of [shop.app, other]) {
      expect((await me(app, second)).statusCode).toBe(401);
      expect((await me(app, shopper.cookie)).statusCode).toBe(401);
    }
    const renewed = change.headers['set-cookie'] as string;
    const cookie = renewed.split(';')[0]!;
    expect((await me(other, cookie)).statusCode).toBe(200);
    expect((await me(shop.app, cookie)).statusCode).toBe(200);
  });

  it('counts login attempts once for both instances, in the cache', async () => {
    const login = (app: FastifyInstance, i: number) =>
      app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '198.51.100.70', payload: { email: `spread-${i}@example.test`, password: 'not the password' } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await login(i % 2 ? other : shop.app, i)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const [row] = await shop.sql`SELECT attempts FROM attempt_counters WHERE scope = 'login-client' AND key = '198.51.100.70'`;
    expect(row).toBeUndefined();
  });

  it('answers a slow cache from PostgreSQL instead of waiting for it', async () => {
    const shopper = await registerShopper(shop.app, { email: 'slow@example.test' });
    expect((await me(shop.app, shopper.cookie)).statusCode).toBe(200);
    expect(await redis.command('CLIENT', 'PAUSE', String(PAUSE_MS), 'ALL')).toBe('+OK');
    // Answered only when the pause ends (every client waits, CLIENT UNPAUSE too).
    const pauseEnded = peek.ping().then(() => 'pause ended');
    const requests = (async () => {
      await shop.sql`UPDATE products SET price_won = 16000 WHERE id = ${productId}`;
      for (let i = 0; i < 3; i++) {
        // A page no instance holds in memory: each read asks the paused cache, then PostgreSQL.
        expect(await listedPrice(other, 'category=tea&limit=7')).toBe(16000);
        expect((await me(other, shopper.cookie)).statusCode).toBe(200);
      }
      expect((await other.inject('/readyz')).statusCode).toBe(200);
      return 'requests answered';
    })();
    try {
      expect(await Promise.race([requests, pauseEnded])).toBe('requests answered');
    } finally {
      await pauseEnded;
    }
  });

  it('answers from PostgreSQL while the cache is down, and uses the cache again by itself when it returns', async () => {
    const shopper = await registerShopper(shop.app, { email: 'outage@example.test' });
    await me(shop.app, shopper.cookie);
    await redis.stop();

    await shop.sql`UPDATE products SET price_won = 17000 WHERE id = ${productId}`;
    for (const app of [shop.app, other]) {
      expect(await price(app)).toBe(17000);
      expect((await me(app, shopper.cookie)).statusCode).toBe(200);
      expect((await app.inject('/readyz')).statusCode).toBe(200);
      const health = await app.inject('/healthz');
      expect(health.statusCode).toBe(200);
      expect(health.json().cache).toBe('unavailable');
    }
    // Staff changes still apply, and login is still limited, counted in PostgreSQL.
    const patched = await shop.app.inject({ method: 'PATCH', url: `/api/admin/products/${productId}`, headers: { cookie: admin.cookie }, payload: { priceWon: 18000 } });
    expect(patched.statusCode).toBe(200);
    expect(await price(other)).toBe(18000);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await (i % 2 ? other : shop.app).inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: '198.51.100.80',
        payload: { email: `outage-${i}@example.test`, password: 'not the password' },
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);

    await redis.restart();
    await waitForCache(shop.app);
    await waitForCache(other);
    expect((await shop.app.inject('/healthz')).json().cache).toBe('ready');
    expect(await price(shop.app)).toBe(18000);
    const before = await hits(other, 'catalog-read');
    expect(await price(other)).toBe(18000);
    expect(await hits(other, 'catalog-read')).toBe(before + 1);
    expect((await me(other, shopper.cookie)).statusCode).toBe(200);
  });

  /** The session copies the cache holds now, to put back after they should be gone. */
  async function sessionCopies(): Promise<Map<string, string>> {
    const copies = new Map<string, string>();
    for (const key of await peek.keys('session:*')) {
      const value = await peek.get(key);
      if (value !== null) copies.set(key, value);
    }
    return copies;
  }
});

/** A generous bound on an announcement's delivery (it is sub-millisecond on loopback), well under `catalogCaching.instanceSeconds`. */
const ANNOUNCED_MS = 500;

/** Far longer than a few requests that each wait at most the command timeout per cache call. */
const PAUSE_MS = 5000;

/** Until the instance's cache connection is up again (it reconnects on its own, every retryDelayMs). */
async function waitForCache(app: FastifyInstance): Promise<void> {
  for (let i = 0; i < 200 && app.cache?.shared.state !== 'ready'; i++) await new Promise((r) => setTimeout(r, 25));
  expect(app.cache?.shared.state).toBe('ready');
}
