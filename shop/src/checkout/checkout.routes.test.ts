import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestShop, type TestShop } from '../testing/index.js';
import { registerShopper, type Shopper } from '../testing/shoppers.js';
import { stockOf, stockProduct } from '../testing/stocked-products.js';
import { DECLINED_TEST_CARD, TestPaymentProvider } from '../payments/test-payment-provider.js';
import type { ChargeRequest, PaymentProvider } from '../payments/payment-provider.js';
import { loginAs } from '../testing/sessions.js';

const shipping = { name: '김지우', phone: '010-1234-5678', address1: '서울특별시 강남구 테헤란로 1', postalCode: '06236', city: '서울' };
const body = (card = '4242 4242 4242 4242', ship: object = shipping) => ({ shipping: ship, payment: { card } });

describe('checkout', () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'));
  });
  afterAll(async () => shop.close());

  const addToCart = async (shopper: Shopper, productId: number, quantity: number) => {
    const res = await shop.app.inject({ method: 'POST', url: '/api/cart/items', headers: { cookie: shopper.cookie }, payload: { productId, quantity } });
    expect(res.statusCode).toBe(200);
  };
  const checkout = (shopper: Shopper | undefined, key: string | undefined, payload: object = body()) =>
    shop.app.inject({
      method: 'POST',
      url: '/api/checkout',
      headers: { ...(shopper ? { cookie: shopper.cookie } : {}), ...(key === undefined ? {} : { 'idempotency-key': key }) },
      payload,
    });
  const cartOf = async (shopper: Shopper) => (await shop.app.inject({ method: 'GET', url: '/api/cart', headers: { cookie: shopper.cookie } })).json();
  const ordersFor = async (userId: number) =>
    shop.sql<{ id: bigint; status: string; total_won: number }[]>`SELECT id, status, total_won FROM orders WHERE user_id = ${userId} ORDER BY id`;

  it('refuses anonymous visitors, a missing or malformed key, an empty cart and a bad body', async () => {
    const shopper = await registerShopper(shop.app);
    expect((await checkout(undefined, randomUUID())).statusCode).toBe(401);

    const noKey = await checkout(shopper, undefined);
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().error.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    for (const key of ['short', 'has spaces in it', 'x'.repeat(256), '키키키키키키키키']) {
      const res = await checkout(shopper, key);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('IDEMPOTENCY_KEY_INVALID');
    }

    const empty = await checkout(shopper, randomUUID());
    expect(empty.statusCode).toBe(409);
    expect(empty.json().error.code).toBe('CART_EMPTY');

    for (const payload of [{}, { shipping }, body('not-a-card'), body('4242424242424242', { ...shipping, postalCode: 'abc' }), { ...body(), extra: 1 }]) {
      const res = await checkout(shopper, randomUUID(), payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    expect(await ordersFor(shopper.userId)).toHaveLength(0);
  });

  it('places an order at the prices of the moment, takes the stock and empties the cart', async () => {
    const shopper = await registerShopper(shop.app);
    const shoes = await stockProduct(shop.sql, { stock: 5, priceWon: 89_000 });
    const socks = await stockProduct(shop.sql, { stock: 10, priceWon: 3_000 });
    await addToCart(shopper, socks.id, 3);
    await addToCart(shopper, shoes.id, 2);
    await shop.sql`UPDATE products SET price_won = 79000 WHERE id = ${shoes.id}`;

    const key = randomUUID();
    const res = await checkout(shopper, key);
    expect(res.statusCode).toBe(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    const order = res.json();
    expect(order).toMatchObject({
      status: 'placed',
      totalWon: 2 * 79_000 + 3 * 3_000,
      shipping,
      lines: [
        { productId: shoes.id, name: shoes.name, unitPriceWon: 79_000, quantity: 2, lineTotalWon: 158_000 },
        { productId: socks.id, name: socks.name, unitPriceWon: 3_000, quantity: 3, lineTotalWon: 9_000 },
      ],
    });
    expect(await stockOf(shop.sql, shoes.id)).toBe(3);
    expect(await stockOf(shop.sql, socks.id)).toBe(7);
    expect((await cartOf(shopper)).lines).toEqual([]);
    expect(await shop.app.metrics.registry.metrics()).toMatch(/shop_orders_placed_total\{[^}]*\} [1-9]/);

    // The same key and the same request: the same order, marked as replayed, nothing taken twice.
    const again = await checkout(shopper, key);
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(order);
    expect(await stockOf(shop.sql, shoes.id)).toBe(3);
    expect(await ordersFor(shopper.userId)).toHaveLength(1);

    // The same key with a different cart, or different details: 422 and no new order.
    await addToCart(shopper, socks.id, 1);
    const otherCart = await checkout(shopper, key);
    expect(otherCart.statusCode).toBe(422);
    expect(otherCart.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    await shop.app.inject({ method: 'DELETE', url: `/api/cart/items/${socks.id}`, headers: { cookie: shopper.cookie } });
    const otherAddress = await checkout(shopper, key, body(undefined, { ...shipping, address1: '부산광역시 해운대구 1' }));
    expect(otherAddress.statusCode).toBe(422);
    expect(await ordersFor(shopper.userId)).toHaveLength(1);
    expect(await stockOf(shop.sql, socks.id)).toBe(7);
  });

  it('refuses with 409 OUT_OF_STOCK naming every short line, and changes nothing', async () => {
    const shopper = await registerShopper(shop.app);
    const plenty = await stockProduct(shop.sql, { stock: 10 });
    const scarce = await stockProduct(shop.sql, { stock: 3 });
    const withdrawn = await stockProduct(shop.sql, { stock: 3 });
    await addToCart(shopper, plenty.id, 2);
    await addToCart(shopper, scarce.id, 3);
    await addToCart(shopper, withdrawn.id, 1);
    await shop.sql`UPDATE products SET stock = 1 WHERE id = ${scarce.id}`;
    await shop.sql`UPDATE products SET active = false WHERE id = ${withdrawn.id}`;

    const res = await checkout(shopper, randomUUID());
    expect(res.statusCode).toBe(409);
    const error = res.json().error;
    expect(error.code).toBe('OUT_OF_STOCK');
    expect(error.details).toEqual([
      { productId: scarce.id, name: scarce.name, requested: 3, available: 1 },
      { productId: withdrawn.id, name: withdrawn.name, requested: 1, available: 0 },
    ]);
    expect(await stockOf(shop.sql, plenty.id)).toBe(10);
    expect(await stockOf(shop.sql, scarce.id)).toBe(1);
    expect(await ordersFor(shopper.userId)).toHaveLength(0);
    expect((await cartOf(shopper)).itemCount).toBe(6);
    expect(await shop.app.metrics.registry.metrics()).toMatch(/shop_checkout_conflicts_total\{[^}]*reason="out_of_stock"[^}]*\} [1-9]/);
  });

  it('returns the stock and the cart when the card is declined (402), and a new key can pay', async () => {
    const shopper = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 4 });
    await addToCart(shopper, product.id, 2);

    const key = randomUUID();
    const declined = await checkout(shopper, key, body(DECLINED_TEST_CARD));
    expect(declined.statusCode).toBe(402);
    expect(declined.json().error.code).toBe('PAYMENT_DECLINED');
    expect(await stockOf(shop.sql, product.id)).toBe(4);
    expect((await cartOf(shopper)).itemCount).toBe(2);
    expect((await ordersFor(shopper.userId)).map((o) => o.status)).toEqual(['payment_declined']);

    // Replaying the declined request gives the same answer and returns no stock twice.
    const replay = await checkout(shopper, key, body(DECLINED_TEST_CARD));
    expect(replay.statusCode).toBe(402);
    expect(await stockOf(shop.sql, product.id)).toBe(4);

    const paid = await checkout(shopper, randomUUID());
    expect(paid.statusCode).toBe(201);
    expect(await stockOf(shop.sql, product.id)).toBe(2);
  });

  it('keeps the order pending when the provider is unreachable, and a retry with the same key charges once', async () => {
    const shopper = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 4 });
    await addToCart(shopper, product.id, 1);

    const working = new TestPaymentProvider();
    const unreachable: PaymentProvider = {
      name: 'unreachable',
      charge: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      },
      refund: async () => undefined,
    };
    const original = shop.app.payments.provider;
    try {
      shop.app.payments.provider = unreachable;
      const key = randomUUID();
      const first = await checkout(shopper, key);
      expect(first.statusCode).toBe(503);
      expect(first.json().error.code).toBe('PAYMENT_UNAVAILABLE');
      // The stock stays reserved for the pending order meanwhile.
      expect((await ordersFor(shopper.userId)).map((o) => o.status)).toEqual(['pending_payment']);
      expect(await stockOf(shop.sql, product.id)).toBe(3);

      shop.app.payments.provider = working;
      const retry = await checkout(shopper, key);
      expect(retry.statusCode).toBe(200);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.json().status).toBe('placed');
      expect((await checkout(shopper, key)).json().status).toBe('placed');
      expect(working.charges).toHaveLength(1);
      expect(await stockOf(shop.sql, product.id)).toBe(3);
      expect(await ordersFor(shopper.userId)).toHaveLength(1);
    } finally {
      shop.app.payments.provider = original;
    }
  });

  it('lets staff release a stuck pending order, and refunds a charge that completes after that cancel', async () => {
    const admin = await loginAs(shop.app, shop.sql, 'admin');
    const shopper = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 4 });
    await addToCart(shopper, product.id, 3);

    // The provider is charging when staff cancel the order (it looked abandoned).
    const provider = new TestPaymentProvider();
    const slowProvider: PaymentProvider = {
      name: 'slow',
      charge: async (request: ChargeRequest) => {
        const orderId = Number(request.idempotencyKey.split('-').at(-1));
        const cancel = await shop.app.inject({
          method: 'PUT',
          url: `/api/admin/orders/${orderId}/status`,
          headers: { cookie: admin.cookie },
          payload: { status: 'cancelled' },
        });
        expect(cancel.statusCode).toBe(200);
        return provider.charge(request);
      },
      refund: (reference) => provider.refund(reference),
    };
    const original = shop.app.payments.provider;
    try {
      shop.app.payments.provider = slowProvider;
      const res = await checkout(shopper, randomUUID());
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('ORDER_CANCELLED');
    } finally {
      shop.app.payments.provider = original;
    }
    expect(provider.charges).toHaveLength(1);
    expect(provider.refunds).toHaveLength(1);
    expect((await ordersFor(shopper.userId)).map((o) => o.status)).toEqual(['cancelled']);
    expect(await stockOf(shop.sql, product.id)).toBe(4);
  });

  it('buys now: orders the given lines, leaves the cart alone, replays by key, and refuses repeated or unknown lines', async () => {
    const shopper = await registerShopper(shop.app);
    const hot = await stockProduct(shop.sql, { stock: 3, priceWon: 49_000 });
    const other = await stockProduct(shop.sql, { stock: 10, priceWon: 1_000 });
    await addToCart(shopper, other.id, 2);
    const buy = (key: string, items: object[], card?: string) => checkout(shopper, key, { ...body(card), items });

    const key = randomUUID();
    const res = await buy(key, [{ productId: hot.id, quantity: 2 }]);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ status: 'placed', totalWon: 98_000, lines: [{ productId: hot.id, quantity: 2, unitPriceWon: 49_000 }] });
    expect(await stockOf(shop.sql, hot.id)).toBe(1);
    expect((await cartOf(shopper)).lines).toMatchObject([{ productId: other.id, quantity: 2 }]);

    const again = await buy(key, [{ productId: hot.id, quantity: 2 }]);
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(res.json().id);
    const otherLines = await buy(key, [{ productId: hot.id, quantity: 1 }]);
    expect(otherLines.statusCode).toBe(422);
    expect(otherLines.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');

    const short = await buy(randomUUID(), [{ productId: hot.id, quantity: 2 }]);
    expect(short.statusCode).toBe(409);
    expect(short.json().error).toMatchObject({ code: 'OUT_OF_STOCK', details: [{ productId: hot.id, requested: 2, available: 1 }] });
    const twice = await buy(randomUUID(), [
      { productId: other.id, quantity: 1 },
      { productId: other.id, quantity: 1 },
    ]);
    expect(twice.statusCode).toBe(400);
    expect(twice.json().error.code).toBe('DUPLICATE_LINE');
    const unknown = await buy(randomUUID(), [{ productId: 999_999_999, quantity: 1 }]);
    expect(unknown.statusCode).toBe(409);
    expect(unknown.json().error.code).toBe('OUT_OF_STOCK');
    for (const items of [[], [{ productId: hot.id, quantity: 0 }], [{ productId: hot.id }]]) {
      const bad = await buy(randomUUID(), items);
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('VALIDATION_FAILED');
    }

    // A declined buy now gives the stock back and puts nothing in the cart.
    const declined = await buy(randomUUID(), [{ productId: hot.id, quantity: 1 }], DECLINED_TEST_CARD);
    expect(declined.statusCode).toBe(402);
    expect(await stockOf(shop.sql, hot.id)).toBe(1);
    expect((await cartOf(shopper)).lines).toMatchObject([{ productId: other.id, quantity: 2 }]);
    expect((await ordersFor(shopper.userId)).map((o) => o.status)).toEqual(['placed', 'payment_declined']);
    expect(await stockOf(shop.sql, other.id)).toBe(10);
  });
});
