import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestShop, loginAs, type TestLogin, type TestShop } from '../testing/index.js';
import { registerShopper, type Shopper } from '../testing/shoppers.js';
import { stockOf, stockProduct, type StockedProduct } from '../testing/stocked-products.js';
import { CHECKOUT_LANES } from './commit-batcher.js';

const RATE_LIMIT = 8;
const body = {
  shipping: { name: '이하나', phone: '010-5555-6666', address1: '부산광역시 해운대구 1', postalCode: '48094' },
  payment: { card: '4242424242424242' },
};

describe('checkout limits: units per customer, checkouts per account', () => {
  let shop: TestShop;
  let admin: TestLogin;
  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'), { CHECKOUT_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT), DATABASE_POOL_MAX: '10' });
    admin = await loginAs(shop.app, shop.sql, 'admin');
  });
  afterAll(async () => shop.close());

  const buyNow = (shopper: Shopper, productId: number, quantity: number, key = randomUUID()) =>
    shop.app.inject({ method: 'POST', url: '/api/checkout', headers: { cookie: shopper.cookie, 'idempotency-key': key }, payload: { ...body, items: [{ productId, quantity }] } });
  const limitTo = async (product: StockedProduct, maxPerCustomer: number | null) => {
    const res = await shop.app.inject({ method: 'PATCH', url: `/api/admin/products/${product.id}`, headers: { cookie: admin.cookie }, payload: { maxPerCustomer } });
    expect(res.statusCode).toBe(200);
  };

  it("holds a customer to a flash-sale item's limit over all their orders, and gives back what a cancel returned", async () => {
    const sneaker = await stockProduct(shop.sql, { stock: 100, name: '한정판 운동화' });
    await limitTo(sneaker, 2);
    const shopper = await registerShopper(shop.app);

    expect((await buyNow(shopper, sneaker.id, 1)).statusCode).toBe(201);
    const tooMany = await buyNow(shopper, sneaker.id, 2);
    expect(tooMany.statusCode).toBe(409);
    expect(tooMany.json().error).toMatchObject({
      code: 'PURCHASE_LIMIT',
      details: [{ productId: sneaker.id, name: '한정판 운동화', limit: 2, alreadyBought: 1, requested: 2 }],
    });
    const second = await buyNow(shopper, sneaker.id, 1);
    expect(second.statusCode).toBe(201);
    expect((await buyNow(shopper, sneaker.id, 1)).json().error.code).toBe('PURCHASE_LIMIT');
    // Through the cart the same: the limit is the customer's, not the request's.
    await shop.app.inject({ method: 'POST', url: '/api/cart/items', headers: { cookie: shopper.cookie }, payload: { productId: sneaker.id, quantity: 1 } });
    const viaCart = await shop.app.inject({ method: 'POST', url: '/api/checkout', headers: { cookie: shopper.cookie, 'idempotency-key': randomUUID() }, payload: body });
    expect(viaCart.json().error.code).toBe('PURCHASE_LIMIT');
    expect(await stockOf(shop.sql, sneaker.id)).toBe(98);

    // Another customer has their own allowance.
    expect((await buyNow(await registerShopper(shop.app), sneaker.id, 2)).statusCode).toBe(201);

    // Staff cancel one of the orders: its units no longer count against the customer.
    const cancel = await shop.app.inject({
      method: 'PUT',
      url: `/api/admin/orders/${second.json().id}/status`,
      headers: { cookie: admin.cookie },
      payload: { status: 'cancelled' },
    });
    expect(cancel.statusCode).toBe(200);
    expect((await buyNow(shopper, sneaker.id, 1)).statusCode).toBe(201);
    // Lifting the limit lifts it.
    await limitTo(sneaker, null);
    expect((await buyNow(shopper, sneaker.id, 5)).statusCode).toBe(201);
  });

  it('lets one customer firing many checkouts at once take only their limit, across batches and within one', async () => {
    const drop = await stockProduct(shop.sql, { stock: 50, name: 'Drop' });
    await limitTo(drop, 2);
    const hoarder = await registerShopper(shop.app);
    const rival = await registerShopper(shop.app);

    // Hold the row so the checkouts pile up and go in batches, then let them all go.
    const gate = await shop.sql.reserve();
    let answers;
    try {
      await gate`BEGIN`;
      await gate`SELECT stock FROM products WHERE id = ${drop.id} FOR UPDATE`;
      const wave = Promise.all([...Array.from({ length: RATE_LIMIT }, () => buyNow(hoarder, drop.id, 1)), buyNow(rival, drop.id, 2)]);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const [row] = await shop.sql<{ n: bigint }[]>`
          SELECT count(*) AS n FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = ${`evermall-${shop.config.INSTANCE_ID}`} AND wait_event_type = 'Lock'`;
        if (Number(row?.n) >= CHECKOUT_LANES || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      await gate`COMMIT`;
      answers = await wave;
    } finally {
      gate.release();
    }

    const mine = answers.slice(0, RATE_LIMIT);
    expect(mine.filter((r) => r.statusCode === 201)).toHaveLength(2);
    expect(mine.filter((r) => r.statusCode === 409).map((r) => r.json().error.code)).toEqual(Array(RATE_LIMIT - 2).fill('PURCHASE_LIMIT'));
    expect(answers.at(-1)!.statusCode).toBe(201);
    expect(await stockOf(shop.sql, drop.id)).toBe(46);
    const [held] = await shop.sql<{ units: bigint }[]>`
      SELECT COALESCE(sum(l.quantity), 0) AS units FROM orders o JOIN order_lines l ON l.order_id = o.id
      WHERE o.user_id = ${hoarder.userId} AND l.product_id = ${drop.id}`;
    expect(Number(held?.units)).toBe(2);
  });

  it('answers 429 RATE_LIMITED past the per-account checkout limit, for that account only', async () => {
    const product = await stockProduct(shop.sql, { stock: 100 });
    const busy = await registerShopper(shop.app);
    for (let i = 0; i < RATE_LIMIT; i++) expect((await buyNow(busy, product.id, 1)).statusCode).toBe(201);
    const refused = await buyNow(busy, product.id, 1);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await stockOf(shop.sql, product.id)).toBe(100 - RATE_LIMIT);

    expect((await buyNow(await registerShopper(shop.app), product.id, 1)).statusCode).toBe(201);
  });
});
