import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestShop, type TestShop } from '../testing/index.js';
import { registerShopper } from '../testing/shoppers.js';
import { stockOf, stockProduct } from '../testing/stocked-products.js';

const body = {
  shipping: { name: 'Crash Tester', phone: '010-9999-0000', address1: '9 Failover-ro', postalCode: '13529' },
  payment: { card: '4242424242424242' },
};
const DEADLINE_MS = 30_000;
const CLIENT_RETRIES = 5;

describe('checkout when the database connection dies mid-transaction', () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'), { DATABASE_POOL_MAX: '4' });
  });
  afterAll(async () => shop.close());

  /** The shop's backend blocked on a row lock (the checkout), other than `except`; undefined once `until` settles. */
  async function blockedCheckoutPid(except?: number, until?: { settled: boolean }): Promise<number | undefined> {
    const started = Date.now();
    for (;;) {
      if (until?.settled) return undefined;
      const [row] = await shop.sql<{ pid: number }[]>`
        SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = ${`evermall-${shop.config.INSTANCE_ID}`}
          AND wait_event_type = 'Lock' AND pid <> ${except ?? 0}`;
      if (row) return row.pid;
      if (Date.now() - started > DEADLINE_MS) throw new Error('no checkout ever blocked on the held row');
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  const ordersWithKey = async (userId: number, key: string) =>
    Number((await shop.sql<{ n: bigint }[]>`SELECT count(*) AS n FROM orders WHERE user_id = ${userId} AND idempotency_key = ${key}`)[0]?.n);

  it('leaves no trace of the killed attempt, completes on retry, and a client retry with the key changes nothing', async () => {
    const shopper = await registerShopper(shop.app);
    const first = await stockProduct(shop.sql, { stock: 10, priceWon: 1_000 });
    const second = await stockProduct(shop.sql, { stock: 10, priceWon: 2_000 });
    for (const [productId, quantity] of [
      [first.id, 2],
      [second.id, 3],
    ] as const) {
      await shop.app.inject({ method: 'POST', url: '/api/cart/items', headers: { cookie: shopper.cookie }, payload: { productId, quantity } });
    }
    const key = randomUUID();
    const send = () => shop.app.inject({ method: 'POST', url: '/api/checkout', headers: { cookie: shopper.cookie, 'idempotency-key': key }, payload: body });

    // Hold the cart's rows: the checkout records its key, takes both products' stock and writes
    // the order lines, then blocks where it empties the cart. That is the middle of the
    // transaction, with every write but the last one made.
    const gate = await shop.sql.reserve();
    let checkout;
    try {
      await gate`BEGIN`;
      await gate`
        SELECT ci.product_id FROM cart_items ci JOIN carts c ON c.id = ci.cart_id
        WHERE c.user_id = ${shopper.userId} FOR UPDATE OF ci`;
      checkout = send();
      const victim = (await blockedCheckoutPid())!;
      const [killed] = await gate<{ ok: boolean }[]>`SELECT pg_terminate_backend(${victim}) AS ok`;
      expect(killed?.ok).toBe(true);

      // The shop retries on a fresh connection and blocks again on the same row. Meanwhile the
      // killed attempt has left nothing: no order for the key, both products' stock whole.
      await blockedCheckoutPid(victim);
      expect(await ordersWithKey(shopper.userId, key)).toBe(0);
      expect(await stockOf(shop.sql, first.id)).toBe(10);
      expect(await stockOf(shop.sql, second.id)).toBe(10);
      await gate`COMMIT`;
    } finally {
      gate.release();
    }

    const res = await checkout;
    expect(res.statusCode).toBe(201);
    const order = res.json();
    expect(order).toMatchObject({ status: 'placed', totalWon: 2 * 1_000 + 3 * 2_000 });
    expect(order.lines).toHaveLength(2);
    expect(await ordersWithKey(shopper.userId, key)).toBe(1);
    expect(await stockOf(shop.sql, first.id)).toBe(8);
    expect(await stockOf(shop.sql, second.id)).toBe(7);

    // A client that never saw the answer retries with the same key: the same order, once.
    const retry = await send();
    expect(retry.statusCode).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json().id).toBe(order.id);
    expect(await ordersWithKey(shopper.userId, key)).toBe(1);
    expect(await stockOf(shop.sql, first.id)).toBe(8);
    expect(await stockOf(shop.sql, second.id)).toBe(7);
    const [lines] = await shop.sql<{ n: bigint }[]>`SELECT count(*) AS n FROM order_lines WHERE order_id = ${order.id}`;
    expect(Number(lines?.n)).toBe(2);
  });

  it('keeps all or nothing when the connection dies and the shop has no retry left: the client retry completes it once', async () => {
    const shopper = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 5 });
    await shop.app.inject({ method: 'POST', url: '/api/cart/items', headers: { cookie: shopper.cookie }, payload: { productId: product.id, quantity: 1 } });
    const key = randomUUID();
    const send = () => shop.app.inject({ method: 'POST', url: '/api/checkout', headers: { cookie: shopper.cookie, 'idempotency-key': key }, payload: body });

    // Kill every attempt the shop makes while the row is held, until it gives up with a 503.
    const gate = await shop.sql.reserve();
    let answer;
    try {
      await gate`BEGIN`;
      await gate`SELECT stock FROM products WHERE id = ${product.id} FOR UPDATE`;
      const checkout = send();
      const progress = { settled: false };
      void checkout.finally(() => (progress.settled = true));
      let victim: number | undefined;
      while ((victim = await blockedCheckoutPid(victim, progress)) !== undefined) {
        await gate`SELECT pg_terminate_backend(${victim})`;
      }
      answer = await checkout;
      expect(await ordersWithKey(shopper.userId, key)).toBe(0);
      await gate`COMMIT`;
    } finally {
      gate.release();
    }
    expect(answer.statusCode).toBe(503);
    expect(answer.json().error.code).toBe('TEMPORARILY_UNAVAILABLE');
    expect(await stockOf(shop.sql, product.id)).toBe(5);

    // A careful client retries a 503 with the same key (the first query on a pooled connection
    // that was killed while idle can still fail once).
    let retry = await send();
    for (let attempt = 1; retry.statusCode === 503 && attempt < CLIENT_RETRIES; attempt++) retry = await send();
    expect(retry.statusCode).toBe(201);
    expect((await send()).statusCode).toBe(200);
    expect(await ordersWithKey(shopper.userId, key)).toBe(1);
    expect(await stockOf(shop.sql, product.id)).toBe(4);
  });
});
