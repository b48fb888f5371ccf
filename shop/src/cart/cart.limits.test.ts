import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { createTestShop, loginAs, type TestShop } from '../testing/index.js';
import { cookiesFrom } from '../testing/shoppers.js';
import { MAX_CART_LINES } from './cart.schemas.js';

describe('cart limits', () => {
  let shop: TestShop;
  /** A second instance on the same database, as behind the load balancer. */
  let other: FastifyInstance;
  let productIds: number[];

  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'), { ANONYMOUS_CART_RATE_LIMIT_PER_HOUR: '3' });
    other = await buildApp({ config: { ...shop.config, INSTANCE_ID: 'test-2' }, logger: false });
    await other.ready();
    const [category] = await shop.sql<{ id: bigint }[]>`INSERT INTO categories (slug, name, name_en) VALUES ('many', '많은', 'Many') RETURNING id`;
    const rows = await shop.sql<{ id: bigint }[]>`
      INSERT INTO products (sku, slug, name, name_en, price_won, category_id, stock)
      SELECT 'SKU-' || g, 'product-' || g, '상품 ' || g, 'Product ' || g, 1000, ${Number(category!.id)}, 50
      FROM generate_series(1, ${MAX_CART_LINES + 1}) g
      RETURNING id`;
    productIds = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
  });
  afterAll(async () => {
    await other?.close();
    await shop?.close();
  });

  const add = (app: FastifyInstance, productId: number, cookie: string | undefined, remoteAddress = '127.0.0.1') =>
    app.inject({ method: 'POST', url: '/api/cart/items', payload: { productId, quantity: 1 }, headers: cookie ? { cookie } : {}, remoteAddress });

  it(`refuses a product past the ${MAX_CART_LINES}th in a customer's cart with 409 CART_FULL, and still adds to a line it holds`, async () => {
    const customer = await loginAs(shop.app, shop.sql, 'customer');
    for (const id of productIds.slice(0, MAX_CART_LINES)) expect((await add(shop.app, id, customer.cookie)).statusCode).toBe(200);
    const refused = await add(shop.app, productIds[MAX_CART_LINES]!, customer.cookie);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'CART_FULL', details: { maxLines: MAX_CART_LINES } });
    const more = await add(shop.app, productIds[0]!, customer.cookie);
    expect(more.statusCode).toBe(200);
    const cart = (await shop.app.inject({ url: '/api/cart', headers: { cookie: customer.cookie } })).json() as { lines: { productId: number; quantity: number }[] };
    expect(cart.lines).toHaveLength(MAX_CART_LINES);
    expect(cart.lines.find((l) => l.productId === productIds[0])?.quantity).toBe(2);
  });

  it(`refuses a product past the ${MAX_CART_LINES}th in a visitor's cart, leaving the cart as it was`, async () => {
    let cookie = '';
    for (const id of productIds.slice(0, MAX_CART_LINES)) {
      const res = await add(shop.app, id, cookie, '192.0.2.10');
      expect(res.statusCode).toBe(200);
      cookie = cookiesFrom(res, cookie);
    }
    const refused = await add(shop.app, productIds[MAX_CART_LINES]!, cookie, '192.0.2.10');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('CART_FULL');
    const cart = (await shop.app.inject({ url: '/api/cart', headers: { cookie } })).json() as { lines: unknown[] };
    expect(cart.lines).toHaveLength(MAX_CART_LINES);
  });

  it('limits the anonymous carts one client creates, counted across instances', async () => {
    const client = '198.51.100.7';
    const cartsBefore = await anonymousCarts();
    const first = await add(shop.app, productIds[0]!, undefined, client);
    const second = await add(other, productIds[0]!, undefined, client);
    const third = await add(shop.app, productIds[0]!, undefined, client);
    expect([first.statusCode, second.statusCode, third.statusCode]).toEqual([200, 200, 200]);

    const fourth = await add(other, productIds[0]!, undefined, client);
    expect(fourth.statusCode).toBe(429);
    expect(fourth.json().error.code).toBe('RATE_LIMITED');
    expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
    expect(await anonymousCarts()).toBe(cartsBefore + 3);

    // A cart the client already has still takes adds; another client still gets a cart.
    expect((await add(other, productIds[1]!, cookiesFrom(first), client)).statusCode).toBe(200);
    expect((await add(shop.app, productIds[0]!, undefined, '198.51.100.8')).statusCode).toBe(200);
  });

  async function anonymousCarts(): Promise<number> {
    const [row] = await shop.sql<{ n: number }[]>`SELECT count(*)::integer AS n FROM carts WHERE user_id IS NULL`;
    return row!.n;
  }
});
