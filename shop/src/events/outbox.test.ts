import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { markOrdersPlaced } from '../checkout/checkout.repository.js';
import { transitionOrder } from '../orders/orders.repository.js';
import { createTestShop, loginAs, type TestShop } from '../testing/index.js';
import { registerShopper, type Shopper } from '../testing/shoppers.js';
import { stockProduct } from '../testing/stocked-products.js';

const LOW_UNITS = 10;
const DECLINED_CARD = '4000000000000002';
const shipping = { name: '박서준', phone: '010-2222-3333', address1: '서울특별시 중구 세종대로 110', postalCode: '04524' };

interface OutboxRow {
  id: number;
  aggregate_id: number;
  type: string;
  payload: { status?: string; lines?: { productId: number; quantity: number }[]; stock?: number };
}

describe('the outbox: an event for every committed change, none for one rolled back', () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'), { STOCK_LOW_UNITS: String(LOW_UNITS) });
  });
  afterAll(async () => {
    await shop.close();
  });

  const checkout = (shopper: Shopper, productId: number, quantity: number, card = '4242424242424242') =>
    shop.app.inject({
      method: 'POST',
      url: '/api/checkout',
      headers: { cookie: shopper.cookie, 'idempotency-key': randomUUID() },
      payload: { shipping, payment: { card }, items: [{ productId, quantity }] },
    });
  const eventsOf = async (aggregateId: number) =>
    (await shop.sql<OutboxRow[]>`SELECT id::int, aggregate_id::int, type, payload FROM outbox WHERE aggregate_id = ${aggregateId} ORDER BY id`).filter((e) =>
      e.type.startsWith('order.'),
    );

  it('writes exactly one order.placed per placed order, with its lines, for checkouts committed together', async () => {
    const product = await stockProduct(shop.sql, { stock: 1000 });
    const shoppers = await Promise.all(Array.from({ length: 12 }, () => registerShopper(shop.app)));
    // Sent at once, so group commit reserves and places them in shared batches.
    const answers = await Promise.all(shoppers.map((s, i) => checkout(s, product.id, 1 + (i % 3))));
    expect(answers.map((a) => a.statusCode)).toEqual(shoppers.map(() => 201));
    for (const [i, answer] of answers.entries()) {
      const order = answer.json<{ id: number; status: string }>();
      expect(order.status).toBe('placed');
      const events = await eventsOf(order.id);
      expect(events.map((e) => e.type)).toEqual(['order.placed']);
      expect(events[0]!.payload.lines).toEqual([expect.objectContaining({ productId: product.id, quantity: 1 + (i % 3) })]);
    }
  });

  it('announces a declined payment as order.cancelled (payment_declined) and never as placed', async () => {
    const product = await stockProduct(shop.sql, { stock: 100 });
    const res = await checkout(await registerShopper(shop.app), product.id, 1, DECLINED_CARD);
    expect(res.statusCode).toBe(402);
    const orderId = res.json<{ error: { details: { orderId: number } } }>().error.details.orderId;
    const events = await eventsOf(orderId);
    expect(events.map((e) => [e.type, e.payload.status])).toEqual([['order.cancelled', 'payment_declined']]);
  });

  it("keeps each order's events in the order its changes committed: placed, paid, shipped", async () => {
    const product = await stockProduct(shop.sql, { stock: 100 });
    const admin = await loginAs(shop.app, shop.sql, 'admin');
    const order = (await checkout(await registerShopper(shop.app), product.id, 2)).json<{ id: number }>();
    for (const status of ['paid', 'shipped']) {
      const res = await shop.app.inject({ method: 'PUT', url: `/api/admin/orders/${order.id}/status`, headers: { cookie: admin.cookie }, payload: { status } });
      expect(res.statusCode).toBe(200);
    }
    // A refused transition changes nothing and announces nothing.
    const refused = await shop.app.inject({ method: 'PUT', url: `/api/admin/orders/${order.id}/status`, headers: { cookie: admin.cookie }, payload: { status: 'cancelled' } });
    expect(refused.statusCode).toBe(409);
    expect((await eventsOf(order.id)).map((e) => e.type)).toEqual(['order.placed', 'order.paid', 'order.shipped']);
  });

  it('leaves no event behind a transaction that rolled back', async () => {
    const product = await stockProduct(shop.sql, { stock: 100 });
    const order = (await checkout(await registerShopper(shop.app), product.id, 1)).json<{ id: number }>();
    const before = await eventsOf(order.id);
    await expect(
      shop.sql.begin(async (tx) => {
        expect(await transitionOrder(tx, order.id, ['placed'], 'paid')).toBeInstanceOf(Date);
        throw new Error('the change fails after its event was written');
      }),
    ).rejects.toThrow('the change fails');
    const pending = await checkout(await registerShopper(shop.app), product.id, 1);
    // (The order above is placed already; take a pending one for the placing statement.)
    await shop.sql`UPDATE orders SET status = 'pending_payment' WHERE id = ${pending.json<{ id: number }>().id}`;
    const pendingBefore = await eventsOf(pending.json<{ id: number }>().id);
    await expect(
      shop.sql.begin(async (tx) => {
        expect((await markOrdersPlaced(tx, [{ orderId: pending.json<{ id: number }>().id, paymentRef: 'ref-rolled-back' }])).size).toBe(1);
        throw new Error('the batch fails after placing');
      }),
    ).rejects.toThrow('the batch fails');
    expect(await eventsOf(order.id)).toEqual(before);
    expect(await eventsOf(pending.json<{ id: number }>().id)).toEqual(pendingBefore);
    expect((await shop.sql<{ status: string }[]>`SELECT status FROM orders WHERE id = ${order.id}`)[0]!.status).toBe('placed');
  });

  it('announces stock.low once, when a sale takes a product to the threshold or below', async () => {
    const product = await stockProduct(shop.sql, { stock: LOW_UNITS + 3 });
    const lowEvents = () => shop.sql<OutboxRow[]>`SELECT id::int, aggregate_id::int, type, payload FROM outbox WHERE type = 'stock.low' AND aggregate_id = ${product.id}`;
    expect((await checkout(await registerShopper(shop.app), product.id, 2)).statusCode).toBe(201);
    expect(await lowEvents()).toHaveLength(0);
    expect((await checkout(await registerShopper(shop.app), product.id, 2)).statusCode).toBe(201);
    expect((await checkout(await registerShopper(shop.app), product.id, 1)).statusCode).toBe(201);
    const events = await lowEvents();
    expect(events.map((e) => e.payload.stock)).toEqual([LOW_UNITS - 1]);
  });

  it('announces stock.low when staff count or take out stock past the threshold, in the same transaction', async () => {
    const admin = await loginAs(shop.app, shop.sql, 'admin');
    const counted = await stockProduct(shop.sql, { stock: LOW_UNITS + 5 });
    const adjusted = await stockProduct(shop.sql, { stock: LOW_UNITS + 5 });
    const lows = async (productId: number) =>
      (await shop.sql<OutboxRow[]>`SELECT id::int, aggregate_id::int, type, payload FROM outbox WHERE type = 'stock.low' AND aggregate_id = ${productId}`).map(
        (e) => e.payload.stock,
      );
    const staff = (method: 'PUT' | 'POST', url: string, payload: object) => shop.app.inject({ method, url, headers: { cookie: admin.cookie }, payload });

    expect((await staff('PUT', `/api/admin/products/${counted.id}/stock`, { stock: LOW_UNITS + 1 })).statusCode).toBe(200);
    expect((await staff('PUT', `/api/admin/products/${counted.id}/stock`, { stock: 2 })).statusCode).toBe(200);
    expect((await staff('PUT', `/api/admin/products/${counted.id}/stock`, { stock: 1 })).statusCode).toBe(200);
    expect(await lows(counted.id)).toEqual([2]);

    expect((await staff('POST', `/api/admin/products/${adjusted.id}/stock-adjustments`, { delta: -6, reason: 'damaged' })).statusCode).toBe(201);
    // Refused (more than there is): nothing changes, nothing is announced.
    expect((await staff('POST', `/api/admin/products/${adjusted.id}/stock-adjustments`, { delta: -100, reason: 'lost' })).statusCode).toBe(409);
    expect(await lows(adjusted.id)).toEqual([LOW_UNITS - 1]);
  });
});
