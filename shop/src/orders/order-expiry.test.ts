import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect, type Sql } from '../db/pools.js';
import type { ChargeRequest, PaymentProvider } from '../payments/payment-provider.js';
import { TestPaymentProvider } from '../payments/test-payment-provider.js';
import { createTestShop, type TestShop } from '../testing/index.js';
import { loginAs } from '../testing/sessions.js';
import { registerShopper, type Shopper } from '../testing/shoppers.js';
import { stockOf, stockProduct, type StockedProduct } from '../testing/stocked-products.js';
import { startOrderExpiry, sweepUnpaidOrders } from './order-expiry.js';

const EXPIRY_SECONDS = 15 * 60;
const DEADLINE_MS = 30_000;
const body = {
  shipping: { name: '박서준', phone: '010-2222-3333', address1: '서울특별시 중구 세종대로 110', postalCode: '04524' },
  payment: { card: '4242424242424242' },
};
const unreachable: PaymentProvider = {
  name: 'unreachable',
  charge: async () => {
    throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  },
  refund: async () => undefined,
};

describe('unpaid orders expire and return their stock', () => {
  let shop: TestShop;
  /** Two more pools on the shop's database: the sweeps of two other instances. */
  let instanceA: Sql;
  let instanceB: Sql;
  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'));
    instanceA = connect(shop.db.url, { max: 2, applicationName: 'evermall-sweeper-a' });
    instanceB = connect(shop.db.url, { max: 2, applicationName: 'evermall-sweeper-b' });
  });
  afterAll(async () => {
    await instanceA.end();
    await instanceB.end();
    await shop.close();
  });

  const checkout = (shopper: Shopper, key: string, items: { productId: number; quantity: number }[]) =>
    shop.app.inject({ method: 'POST', url: '/api/checkout', headers: { cookie: shopper.cookie, 'idempotency-key': key }, payload: { ...body, items } });

  /** Orders left pending: the provider was unreachable and nobody retried. */
  async function pendingOrders(product: StockedProduct, quantities: number[]): Promise<{ shopper: Shopper; key: string; orderId: number }[]> {
    const original = shop.app.payments.provider;
    shop.app.payments.provider = unreachable;
    try {
      const placed = [];
      for (const quantity of quantities) {
        const shopper = await registerShopper(shop.app);
        const key = randomUUID();
        const res = await checkout(shopper, key, [{ productId: product.id, quantity }]);
        expect(res.statusCode).toBe(503);
        placed.push({ shopper, key, orderId: res.json().error.details.orderId as number });
      }
      return placed;
    } finally {
      shop.app.payments.provider = original;
    }
  }
  const backdate = (orderIds: number[], minutes: number) =>
    shop.sql`UPDATE orders SET created_at = now() - make_interval(mins => ${minutes}) WHERE id = ANY(${orderIds}::bigint[])`;
  const statusOf = async (orderId: number) => (await shop.sql<{ status: string }[]>`SELECT status FROM orders WHERE id = ${orderId}`)[0]?.status;

  /** Backends of this database waiting on a row lock held by another transaction. */
  async function untilLockWaiters(n: number): Promise<void> {
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      const [row] = await shop.sql<{ n: bigint }[]>`
        SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      if (Number(row?.n) >= n) return;
      if (Date.now() > deadline) throw new Error(`fewer than ${n} backends ever waited on a lock`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('expires only orders unpaid past the expiry: the customer sees "expired", the units are on sale again, a retry is answered 409', async () => {
    const product = await stockProduct(shop.sql, { stock: 10 });
    const [old, fresh] = await pendingOrders(product, [3, 2]);
    const paid = await registerShopper(shop.app);
    const paidOrder = await checkout(paid, randomUUID(), [{ productId: product.id, quantity: 1 }]);
    expect(paidOrder.statusCode).toBe(201);
    await backdate([old!.orderId, paidOrder.json().id], 16);
    await backdate([fresh!.orderId], 10);
    expect(await stockOf(shop.sql, product.id)).toBe(4);

    const expiry = startOrderExpiry({ writer: shop.app.pools.writer, expirySeconds: EXPIRY_SECONDS, intervalSeconds: 3600, logger: pino({ level: 'silent' }) });
    try {
      // Its first round runs at start.
      const deadline = Date.now() + DEADLINE_MS;
      while ((await statusOf(old!.orderId)) === 'pending_payment' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    } finally {
      await expiry.stop();
    }
    expect(await stockOf(shop.sql, product.id)).toBe(7);
    expect(await statusOf(fresh!.orderId)).toBe('pending_payment');
    expect(await statusOf(paidOrder.json().id)).toBe('placed');
    const mine = await shop.app.inject({ method: 'GET', url: `/api/orders/${old!.orderId}`, headers: { cookie: old!.shopper.cookie } });
    expect(mine.json().status).toBe('expired');
    const [record] = await shop.sql<{ delta: number; reason: string }[]>`SELECT delta, reason FROM stock_adjustments WHERE product_id = ${product.id}`;
    expect(record).toEqual({ delta: 3, reason: `order ${old!.orderId} expired unpaid` });

    // The client comes back with its key: the order is gone, and no stock is taken or returned again.
    const retry = await checkout(old!.shopper, old!.key, [{ productId: product.id, quantity: 3 }]);
    expect(retry.statusCode).toBe(409);
    expect(retry.json().error).toMatchObject({ code: 'ORDER_EXPIRED', details: { orderId: old!.orderId } });
    expect(await sweepUnpaidOrders(shop.app.pools.writer, { expirySeconds: EXPIRY_SECONDS })).toEqual([]);
    expect(await stockOf(shop.sql, product.id)).toBe(7);

    // Staff cannot revive or cancel an expired order (its stock is back already).
    const admin = await loginAs(shop.app, shop.sql, 'admin');
    const cancel = await shop.app.inject({ method: 'PUT', url: `/api/admin/orders/${old!.orderId}/status`, headers: { cookie: admin.cookie }, payload: { status: 'cancelled' } });
    expect(cancel.statusCode).toBe(409);
    expect(await stockOf(shop.sql, product.id)).toBe(7);
  });

  it('returns the stock exactly once when two instances sweep at the same time', async () => {
    const product = await stockProduct(shop.sql, { stock: 10 });
    const orders = await pendingOrders(product, [2, 2, 2, 2]);
    await backdate(
      orders.map((o) => o.orderId),
      60,
    );
    expect(await stockOf(shop.sql, product.id)).toBe(2);

    // Hold the product row: both sweeps expire their orders and then wait to put the units
    // back, each holding the orders it moved, until the row is let go.
    const gate = await shop.sql.reserve();
    let swept: number[][];
    try {
      await gate`BEGIN`;
      await gate`SELECT stock FROM products WHERE id = ${product.id} FOR UPDATE`;
      const sweeps = Promise.all([instanceA, instanceB].map((writer) => sweepUnpaidOrders(writer, { expirySeconds: EXPIRY_SECONDS, maxOrdersPerSweep: 2 })));
      await untilLockWaiters(2);
      await gate`COMMIT`;
      swept = await sweeps;
    } finally {
      gate.release();
    }

    expect(swept.flat().sort((a, b) => a - b)).toEqual(orders.map((o) => o.orderId).sort((a, b) => a - b));
    expect(await stockOf(shop.sql, product.id)).toBe(10);
    const [returned] = await shop.sql<{ units: bigint; records: bigint }[]>`
      SELECT COALESCE(sum(delta), 0) AS units, count(*) AS records FROM stock_adjustments WHERE product_id = ${product.id}`;
    expect(Number(returned?.units)).toBe(8);
    expect(Number(returned?.records)).toBe(4);
    for (const o of orders) expect(await statusOf(o.orderId)).toBe('expired');
  });

  /** A provider that runs `during` once the charge has reached it, then approves. */
  function providerThat(during: (orderId: number) => Promise<void>) {
    const provider = new TestPaymentProvider();
    const hooked: PaymentProvider = {
      name: 'hooked',
      charge: async (request: ChargeRequest) => {
        await during(Number(request.idempotencyKey.split('-').at(-1)));
        return provider.charge(request);
      },
      refund: (reference) => provider.refund(reference),
    };
    return { provider, hooked };
  }

  it('a charge that completes while its order expires is refunded and answered 409 ORDER_EXPIRED; the stock goes back once', async () => {
    const shopper = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 5 });
    const gate = await shop.sql.reserve();
    let sweep: Promise<number[]> | undefined;
    // While the card is being charged, the order turns out to be past its expiry and a sweep
    // expires it; the sweep then waits on the held product row, holding the order.
    const { provider, hooked } = providerThat(async (orderId) => {
      await backdate([orderId], 60);
      await gate`BEGIN`;
      await gate`SELECT stock FROM products WHERE id = ${product.id} FOR UPDATE`;
      sweep = sweepUnpaidOrders(instanceA, { expirySeconds: EXPIRY_SECONDS });
      await untilLockWaiters(1);
    });
    const original = shop.app.payments.provider;
    let res;
    try {
      shop.app.payments.provider = hooked;
      const answer = checkout(shopper, randomUUID(), [{ productId: product.id, quantity: 2 }]);
      // The approved charge now waits to mark the order placed, behind the sweep's hold on it.
      await untilLockWaiters(2);
      await gate`COMMIT`;
      res = await answer;
    } finally {
      gate.release();
      shop.app.payments.provider = original;
    }

    const orderId = res.json().error.details.orderId as number;
    expect(await sweep).toEqual([orderId]);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('ORDER_EXPIRED');
    expect(provider.charges).toHaveLength(1);
    expect(provider.refunds).toHaveLength(1);
    expect(await statusOf(orderId)).toBe('expired');
    expect(await stockOf(shop.sql, product.id)).toBe(5);
  });

  it('a charge settled first keeps its order placed: a sweep at the same moment passes over it', async () => {
    const shopper = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 5 });
    const gate = await shop.sql.reserve();
    // The order is past its expiry, but its approved payment is being recorded (the held order
    // row stands for that transaction) when a sweep runs.
    const { provider, hooked } = providerThat(async (orderId) => {
      await backdate([orderId], 60);
      await gate`BEGIN`;
      await gate`SELECT status FROM orders WHERE id = ${orderId} FOR UPDATE`;
    });
    const original = shop.app.payments.provider;
    let res;
    let swept: number[];
    try {
      shop.app.payments.provider = hooked;
      const answer = checkout(shopper, randomUUID(), [{ productId: product.id, quantity: 2 }]);
      // The approved charge waits to mark the order placed; the sweep does not wait for it.
      await untilLockWaiters(1);
      swept = await sweepUnpaidOrders(instanceA, { expirySeconds: EXPIRY_SECONDS });
      await gate`COMMIT`;
      res = await answer;
    } finally {
      gate.release();
      shop.app.payments.provider = original;
    }

    expect(res.statusCode).toBe(201);
    expect(res.json().status).toBe('placed');
    expect(swept).toEqual([]);
    expect(await sweepUnpaidOrders(instanceB, { expirySeconds: EXPIRY_SECONDS })).toEqual([]);
    expect(provider.charges).toHaveLength(1);
    expect(provider.refunds).toHaveLength(0);
    expect(await statusOf(res.json().id)).toBe('placed');
    expect(await stockOf(shop.sql, product.id)).toBe(3);
  });
});
