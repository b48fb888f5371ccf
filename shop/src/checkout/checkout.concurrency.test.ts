import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestShop, type TestShop } from '../testing/index.js';
import { loginAs, type TestLogin } from '../testing/sessions.js';
import { stockOf, stockProduct, type StockedProduct } from '../testing/stocked-products.js';
import { CHECKOUT_LANES } from './commit-batcher.js';

const SHOPPERS = 300;
const STOCK = 50;
/** Enough connections that many checkout transactions really run at once against one row. */
const POOL = '40';
const body = {
  shipping: { name: 'Flash Buyer', phone: '010-0000-0000', address1: '1 Sale St', postalCode: '04524' },
  payment: { card: '4242424242424242' },
};

describe('checkout under concurrency', () => {
  let shop: TestShop;
  let hot: StockedProduct;
  let spare: StockedProduct;
  const shoppers: (TestLogin & { key: string })[] = [];

  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'), { DATABASE_POOL_MAX: POOL });
    hot = await stockProduct(shop.sql, { stock: STOCK, priceWon: 19_900, name: 'Limited sneaker' });
    spare = await stockProduct(shop.sql, { stock: 10_000 });
    for (let i = 0; i < SHOPPERS; i++) shoppers.push({ ...(await loginAs(shop.app, shop.sql, 'customer')), key: randomUUID() });
    const added = await Promise.all(
      shoppers.map((s) => shop.app.inject({ method: 'POST', url: '/api/cart/items', headers: { cookie: s.cookie }, payload: { productId: hot.id, quantity: 1 } })),
    );
    expect(added.every((r) => r.statusCode === 200)).toBe(true);
  });
  afterAll(async () => shop.close());

  const checkout = (s: { cookie: string; key: string }) =>
    shop.app.inject({ method: 'POST', url: '/api/checkout', headers: { cookie: s.cookie, 'idempotency-key': s.key }, payload: body });

  /** Checkout backends of the shop (not this test's connections) waiting on a row lock. */
  async function checkoutsWaitingOnLocks(): Promise<number> {
    const [row] = await shop.sql<{ n: bigint }[]>`
      SELECT count(*) AS n FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = ${`evermall-${shop.config.INSTANCE_ID}`} AND wait_event_type = 'Lock'`;
    return Number(row?.n ?? 0);
  }

  it(`sells exactly ${STOCK} of ${STOCK} units to ${SHOPPERS} simultaneous buyers, then replays without selling more`, async () => {
    // Hold the hot row so the checkouts pile up on it (every checkout lane's transaction blocked,
    // the other requests queued behind them), then let them all go at once: the contention is
    // real, not an accident of scheduling.
    const gate = await shop.sql.reserve();
    await gate`BEGIN`;
    await gate`SELECT stock FROM products WHERE id = ${hot.id} FOR UPDATE`;
    const wave = Promise.all(shoppers.map(checkout));
    const deadline = Date.now() + 30_000;
    let waiting = 0;
    while (Date.now() < deadline && (waiting = await checkoutsWaitingOnLocks()) < CHECKOUT_LANES) await new Promise((r) => setTimeout(r, 50));
    await gate`COMMIT`;
    gate.release();
    expect(waiting).toBeGreaterThanOrEqual(CHECKOUT_LANES);

    const first = await wave;
    const statuses = first.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(STOCK);
    expect(statuses.filter((s) => s === 409)).toHaveLength(SHOPPERS - STOCK);
    for (const r of first.filter((r) => r.statusCode === 409)) {
      expect(r.json().error).toMatchObject({ code: 'OUT_OF_STOCK', details: [{ productId: hot.id, requested: 1, available: 0 }] });
    }
    expect(await stockOf(shop.sql, hot.id)).toBe(0);
    const [sold] = await shop.sql<{ orders: bigint; units: bigint }[]>`
      SELECT count(DISTINCT o.id) AS orders, COALESCE(sum(l.quantity), 0) AS units
      FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE l.product_id = ${hot.id} AND o.status = 'placed'`;
    expect(Number(sold?.orders)).toBe(STOCK);
    expect(Number(sold?.units)).toBe(STOCK);
    // The checkouts that queued behind the held row were committed together, several per transaction.
    const batches = /shop_checkout_batch_size_count\{[^}]*\} (\d+)/.exec(await shop.app.metrics.registry.metrics());
    expect(Number(batches?.[1])).toBeGreaterThan(0);
    expect(Number(batches?.[1])).toBeLessThan(SHOPPERS);
    const [negative] = await shop.sql<{ n: bigint }[]>`SELECT count(*) AS n FROM products WHERE stock < 0`;
    expect(Number(negative?.n)).toBe(0);

    // Second wave: every key again. Winners get their own order back (sent twice at once, too);
    // some winners changed their cart first and get 422; losers are still out of stock.
    const orderOf = new Map(shoppers.map((s, i) => [s.key, first[i]!.statusCode === 201 ? (first[i]!.json() as { id: number }).id : undefined]));
    const winners = shoppers.filter((s) => orderOf.get(s.key) !== undefined);
    const changed = new Set(winners.slice(0, 10).map((s) => s.key));
    for (const s of winners.filter((w) => changed.has(w.key))) {
      const res = await shop.app.inject({
        method: 'POST',
        url: '/api/cart/items',
        headers: { cookie: s.cookie },
        payload: { productId: spare.id, quantity: 1 },
      });
      expect(res.statusCode).toBe(200);
    }
    const resend = [...shoppers, ...winners];
    const second = await Promise.all(resend.map(checkout));
    second.forEach((res, i) => {
      const s = resend[i]!;
      const orderId = orderOf.get(s.key);
      if (orderId === undefined) {
        expect(res.statusCode).toBe(409);
      } else if (changed.has(s.key)) {
        expect(res.statusCode).toBe(422);
        expect(res.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
      } else {
        expect(res.statusCode).toBe(200);
        expect(res.headers['idempotent-replayed']).toBe('true');
        expect(res.json().id).toBe(orderId);
      }
    });

    const [after] = await shop.sql<{ orders: bigint; keys: bigint }[]>`
      SELECT count(*) AS orders, count(DISTINCT (user_id, idempotency_key)) AS keys FROM orders`;
    expect(Number(after?.orders)).toBe(STOCK);
    expect(Number(after?.keys)).toBe(STOCK);
    expect(await stockOf(shop.sql, hot.id)).toBe(0);
    expect(await stockOf(shop.sql, spare.id)).toBe(10_000);
  });

  it('mixes buy-now and cart checkouts of two products across batches: every unit accounted for, carts emptied only by their orders', async () => {
    const a = await stockProduct(shop.sql, { stock: 40, priceWon: 10_000, name: 'Drop A' });
    const b = await stockProduct(shop.sql, { stock: 25, priceWon: 2_000, name: 'Drop B' });
    const wants = shoppers.map((_, i) => (i % 3 === 0 ? [a.id] : [a.id, b.id]));
    const viaCart = (i: number) => i % 3 === 2;
    await shop.sql`DELETE FROM cart_items`;
    for (const [i, s] of shoppers.entries()) {
      if (!viaCart(i)) continue;
      for (const productId of [b.id, a.id]) {
        const res = await shop.app.inject({ method: 'POST', url: '/api/cart/items', headers: { cookie: s.cookie }, payload: { productId, quantity: 1 } });
        expect(res.statusCode).toBe(200);
      }
    }

    const gate = await shop.sql.reserve();
    await gate`BEGIN`;
    await gate`SELECT stock FROM products WHERE id = ${a.id} FOR UPDATE`;
    const wave = Promise.all(
      shoppers.map((s, i) =>
        shop.app.inject({
          method: 'POST',
          url: '/api/checkout',
          headers: { cookie: s.cookie, 'idempotency-key': randomUUID() },
          payload: viaCart(i) ? body : { ...body, items: wants[i]!.map((productId) => ({ productId, quantity: 1 })) },
        }),
      ),
    );
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await checkoutsWaitingOnLocks()) < CHECKOUT_LANES) await new Promise((r) => setTimeout(r, 50));
    await gate`COMMIT`;
    gate.release();
    const results = await wave;

    const sold = new Map<number, number>();
    for (const [i, res] of results.entries()) {
      if (res.statusCode === 201) {
        const lines = (res.json() as { lines: { productId: number; quantity: number }[] }).lines;
        expect(lines.map((l) => l.productId)).toEqual([...wants[i]!].sort((x, y) => x - y));
        for (const l of lines) sold.set(l.productId, (sold.get(l.productId) ?? 0) + l.quantity);
      } else {
        expect(res.statusCode).toBe(409);
        expect(res.json().error.code).toBe('OUT_OF_STOCK');
      }
      if (viaCart(i)) {
        const cart = (await shop.app.inject({ method: 'GET', url: '/api/cart', headers: { cookie: shoppers[i]!.cookie } })).json();
        expect(cart.itemCount).toBe(res.statusCode === 201 ? 0 : 2);
      }
    }
    expect(sold.get(a.id)).toBe(40);
    for (const p of [a, b]) {
      const [db] = await shop.sql<{ units: bigint }[]>`
        SELECT COALESCE(sum(l.quantity), 0) AS units FROM order_lines l JOIN orders o ON o.id = l.order_id
        WHERE l.product_id = ${p.id} AND o.status = 'placed'`;
      expect(Number(db?.units)).toBe(sold.get(p.id) ?? 0);
      expect((await stockOf(shop.sql, p.id)) + Number(db?.units)).toBe(p.id === a.id ? 40 : 25);
    }
  });
});
