import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestShop, type TestShop } from '../testing/index.js';
import { cookiesFrom, registerShopper } from '../testing/shoppers.js';
import { stockProduct } from '../testing/stocked-products.js';

const DEADLINE_MS = 30_000;

describe('cart adds with an Idempotency-Key', () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'), { DATABASE_POOL_MAX: '4' });
  });
  afterAll(async () => shop.close());

  const add = (payload: { productId: number; quantity: number }, key: string | undefined, cookie?: string) =>
    shop.app.inject({
      method: 'POST',
      url: '/api/cart/items',
      headers: { ...(cookie ? { cookie } : {}), ...(key ? { 'idempotency-key': key } : {}) },
      payload,
    });
  const cartOf = async (cookie: string) => (await shop.app.inject({ method: 'GET', url: '/api/cart', headers: { cookie } })).json();

  it('applies a replayed add once and answers it with the cart as it is', async () => {
    const shopper = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 10 });
    const key = randomUUID();

    const first = await add({ productId: product.id, quantity: 2 }, key, shopper.cookie);
    expect(first.statusCode).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    for (let i = 0; i < 2; i++) {
      const replay = await add({ productId: product.id, quantity: 2 }, key, shopper.cookie);
      expect(replay.statusCode).toBe(200);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.json()).toEqual(first.json());
    }
    expect((await cartOf(shopper.cookie)).lines).toMatchObject([{ productId: product.id, quantity: 2 }]);

    // A new action is a new key, and adds again.
    expect((await add({ productId: product.id, quantity: 1 }, randomUUID(), shopper.cookie)).json().lines[0].quantity).toBe(3);
  });

  it('gives a visitor whose first answer was lost, cookie and all, the cart that add created', async () => {
    const product = await stockProduct(shop.sql, { stock: 10 });
    const key = randomUUID();
    const first = await add({ productId: product.id, quantity: 1 }, key);
    expect(first.statusCode).toBe(200);
    const cookie = cookiesFrom(first);

    // The replay comes without the cookie the lost answer carried: the same cart, not a second one.
    const replay = await add({ productId: product.id, quantity: 1 }, key);
    expect(replay.statusCode).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(cookiesFrom(replay)).toBe(cookie);
    expect((await cartOf(cookie)).lines).toMatchObject([{ productId: product.id, quantity: 1 }]);
    const carts = await shop.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM cart_adds WHERE idempotency_key = ${key}`;
    expect(carts[0]?.n).toBe(1);
  });

  it('refuses a key reused for another add or by another shopper, changing nothing', async () => {
    const a = await registerShopper(shop.app);
    const b = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 10 });
    const other = await stockProduct(shop.sql, { stock: 10 });
    const key = randomUUID();
    expect((await add({ productId: product.id, quantity: 1 }, key, a.cookie)).statusCode).toBe(200);

    for (const [payload, cookie] of [
      [{ productId: other.id, quantity: 1 }, a.cookie],
      [{ productId: product.id, quantity: 2 }, a.cookie],
      [{ productId: product.id, quantity: 1 }, b.cookie],
      [{ productId: product.id, quantity: 1 }, undefined],
    ] as const) {
      const res = await add(payload, key, cookie);
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    }
    expect((await cartOf(a.cookie)).lines).toMatchObject([{ productId: product.id, quantity: 1 }]);
    expect((await cartOf(b.cookie)).lines).toEqual([]);
  });

  it('keeps no key for a refused add: the same add is applied once it fits', async () => {
    const shopper = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 1 });
    const key = randomUUID();
    const refused = await add({ productId: product.id, quantity: 2 }, key, shopper.cookie);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('INSUFFICIENT_STOCK');

    await shop.sql`UPDATE products SET stock = 5 WHERE id = ${product.id}`;
    const applied = await add({ productId: product.id, quantity: 2 }, key, shopper.cookie);
    expect(applied.statusCode).toBe(200);
    expect(applied.headers['idempotent-replayed']).toBeUndefined();
    expect(applied.json().lines[0].quantity).toBe(2);
  });

  it('adds once when the same add arrives many times at once (a client and a load balancer retrying)', async () => {
    const shopper = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 50 });
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 12 }, () => add({ productId: product.id, quantity: 3 }, key, shopper.cookie)));
    expect(answers.map((r) => r.statusCode)).toEqual(Array.from({ length: 12 }, () => 200));
    expect(answers.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    expect((await cartOf(shopper.cookie)).lines).toMatchObject([{ productId: product.id, quantity: 3 }]);
  });

  it('is retried on a fresh connection when its connection dies mid-transaction, and applied once', async () => {
    const shopper = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 10 });
    expect((await add({ productId: product.id, quantity: 1 }, randomUUID(), shopper.cookie)).statusCode).toBe(200);
    const key = randomUUID();

    // Hold the line: the keyed add claims its key, then blocks on the line's row lock, in the
    // middle of its transaction. Its backend is then killed, as a primary failing over would.
    const gate = await shop.sql.reserve();
    let sent;
    try {
      await gate`BEGIN`;
      await gate`
        SELECT 1 FROM cart_items ci JOIN carts c ON c.id = ci.cart_id
        WHERE c.user_id = ${shopper.userId} AND ci.product_id = ${product.id} FOR UPDATE OF ci`;
      sent = add({ productId: product.id, quantity: 2 }, key, shopper.cookie);
      const victim = await blockedShopBackend();
      const [killed] = await gate<{ ok: boolean }[]>`SELECT pg_terminate_backend(${victim}) AS ok`;
      expect(killed?.ok).toBe(true);
      // The shop tries again on another connection and blocks on the same line; the killed
      // attempt left no key behind.
      await blockedShopBackend(victim);
      expect((await shop.sql`SELECT 1 FROM cart_adds WHERE idempotency_key = ${key}`).length).toBe(0);
      await gate`COMMIT`;
    } finally {
      gate.release();
    }
    const res = await sent;
    expect(res.statusCode).toBe(200);
    expect(res.json().lines[0].quantity).toBe(3);
    // The client's own retry of the same add (its answer lost) changes nothing.
    expect((await add({ productId: product.id, quantity: 2 }, key, shopper.cookie)).json().lines[0].quantity).toBe(3);
  });

  it('refuses a malformed key', async () => {
    const product = await stockProduct(shop.sql, { stock: 10 });
    const res = await add({ productId: product.id, quantity: 1 }, 'short');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
  });

  /** The shop's backend waiting on a row lock, other than `except`. */
  async function blockedShopBackend(except = 0): Promise<number> {
    const started = Date.now();
    for (;;) {
      const [row] = await shop.sql<{ pid: number }[]>`
        SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = ${`evermall-${shop.config.INSTANCE_ID}`}
          AND wait_event_type = 'Lock' AND pid <> ${except}`;
      if (row) return row.pid;
      if (Date.now() - started > DEADLINE_MS) throw new Error('no cart add ever blocked on the held line');
      await new Promise((r) => setTimeout(r, 25));
    }
  }
});
