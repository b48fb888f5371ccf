import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAdmin } from '../admin/staff-accounts.js';
import { CART_COOKIE_MAX_AGE_SECONDS } from '../cart/cart-cookie.js';
import { createTestShop, loginAs, type TestShop } from '../testing/index.js';
import { cookiesFrom } from '../testing/shoppers.js';
import { stockProduct } from '../testing/stocked-products.js';
import { startExpirySweep } from './sessions-sweeper.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('the CSRF guard compares whole origins', () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'), { COOKIE_SECURE: 'true', ALLOWED_ORIGINS: 'https://www.shop.test, https://admin.shop.test:8443' });
  });
  afterAll(async () => shop.close());

  const logout = async (origin: string, host = 'api.shop.test') => {
    const { cookie } = await loginAs(shop.app, shop.sql, 'customer');
    return shop.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie, origin, host } });
  };

  it('accepts a write from the shop’s own https origin and from each allowed origin', async () => {
    expect((await logout('https://api.shop.test')).statusCode).toBe(204);
    expect((await logout('https://api.shop.test:443')).statusCode).toBe(204);
    expect((await logout('https://www.shop.test')).statusCode).toBe(204);
    expect((await logout('https://admin.shop.test:8443')).statusCode).toBe(204);
  });

  it.each([
    ['the same host over plain http', 'http://api.shop.test'],
    ['an allowed host over plain http', 'http://www.shop.test'],
    ['an allowed host on another port', 'https://www.shop.test:8443'],
    ['the same host on another port', 'https://api.shop.test:444'],
    ['another site', 'https://evil.test'],
    ['an opaque origin', 'null'],
  ])('refuses %s with 403 CSRF_REJECTED', async (_what, origin) => {
    const res = await logout(origin);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('CSRF_REJECTED');
  });
});

describe('sessions end when they should', () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'), { SESSION_IDLE_MINUTES: '30' });
  });
  afterAll(async () => shop.close());

  const me = (cookie: string) => shop.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
  const idleFor = (userId: number, minutes: number) => shop.sql`UPDATE sessions SET last_seen_at = now() - make_interval(mins => ${minutes}) WHERE user_id = ${userId}`;

  it('a session unused for SESSION_IDLE_MINUTES logs nobody in; one in use stays alive', async () => {
    const idle = await loginAs(shop.app, shop.sql, 'customer');
    const busy = await loginAs(shop.app, shop.sql, 'customer');
    await idleFor(idle.userId, 31);
    await idleFor(busy.userId, 20);
    expect((await me(idle.cookie)).statusCode).toBe(401);
    // A request moves the idle clock forward: 20 more minutes later the session still works.
    expect((await me(busy.cookie)).statusCode).toBe(200);
    await shop.sql`UPDATE sessions SET last_seen_at = last_seen_at - interval '20 minutes' WHERE user_id = ${busy.userId}`;
    expect((await me(busy.cookie)).statusCode).toBe(200);
  });

  it('making an account staff (shop create-admin) ends its sessions in the same transaction', async () => {
    const customer = await loginAs(shop.app, shop.sql, 'customer');
    expect((await me(customer.cookie)).json().user.role).toBe('customer');
    const result = await createAdmin(shop.sql, { email: customer.email, password: 'staff passphrase 7' });
    expect(result).toMatchObject({ id: customer.userId, created: false, sessionsEnded: 1 });
    expect((await me(customer.cookie)).statusCode).toBe(401);
  });

  it('create-admin refuses a weak password with WEAK_PASSWORD and changes nothing', async () => {
    const customer = await loginAs(shop.app, shop.sql, 'customer');
    await expect(createAdmin(shop.sql, { email: customer.email, password: 'password123' })).rejects.toMatchObject({ code: 'WEAK_PASSWORD' });
    expect((await me(customer.cookie)).json().user.role).toBe('customer');
  });

  it('the expiry sweep deletes expired and idle sessions, unreachable anonymous carts and ended attempt windows, ', async () => {
    const live = await loginAs(shop.app, shop.sql, 'customer');
    const idle = await loginAs(shop.app, shop.sql, 'customer');
    const expired = await loginAs(shop.app, shop.sql, 'customer');
    await idleFor(idle.userId, 31);
    await shop.sql`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = ${expired.userId}`;

    const product = await stockProduct(shop.sql, { stock: 5 });
    const addAnonymously = async () => cookiesFrom(await shop.app.inject({ method: 'POST', url: '/api/cart/items', payload: { productId: product.id, quantity: 1 } }));
    const oldCart = await addAnonymously();
    const newCart = await addAnonymously();
    const [oldest] = await shop.sql<{ id: string }[]>`SELECT id FROM carts WHERE user_id IS NULL ORDER BY created_at LIMIT 1`;
    await shop.sql`UPDATE carts SET created_at = now() - make_interval(secs => ${CART_COOKIE_MAX_AGE_SECONDS + 60}) WHERE id = ${oldest!.id}`;
    await shop.sql`INSERT INTO attempt_counters (scope, key, window_started_at, attempts) VALUES ('login-client', '192.0.2.1', now() - interval '2 hours', 4), ('login-client', '192.0.2.2', now(), 1)`;

    const sweep = startExpirySweep({ writer: shop.sql, intervalSeconds: 3600, idleSeconds: 30 * 60, logger: silent });
    await sweep.stop();
    expect(await sweep.runOnce()).toMatchObject({ sessions: expect.any(Number), carts: 1, attemptWindows: 1 });
    const [remaining] = await shop.sql<{ sessions: bigint; carts: bigint; windows: bigint }[]>`
      SELECT (SELECT count(*) FROM sessions WHERE user_id IN (${live.userId}, ${idle.userId}, ${expired.userId})) AS sessions,
             (SELECT count(*) FROM carts WHERE user_id IS NULL) AS carts,
             (SELECT count(*) FROM attempt_counters WHERE key LIKE '192.0.2.%') AS windows`;
    expect({ sessions: Number(remaining!.sessions), carts: Number(remaining!.carts), windows: Number(remaining!.windows) }).toEqual({ sessions: 1, carts: 1, windows: 1 });
    expect((await me(live.cookie)).statusCode).toBe(200);
    const cartOf = async (cookie: string) => (await shop.app.inject({ method: 'GET', url: '/api/cart', headers: { cookie } })).json().lines.length;
    expect(await cartOf(newCart)).toBe(1);
    expect(await cartOf(oldCart)).toBe(0);
  });

  it('a sweep round that finds the lock taken (another instance sweeping) does nothing', async () => {
    const sweep = startExpirySweep({ writer: shop.sql, intervalSeconds: 3600, idleSeconds: 30 * 60, logger: silent });
    await sweep.stop();
    const held = shop.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(4242030)`;
      return sweep.runOnce();
    });
    expect(await held).toBeUndefined();
  });
});
