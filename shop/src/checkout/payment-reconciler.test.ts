import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PaymentProvider } from '../payments/payment-provider.js';
import { TestPaymentProvider } from '../payments/test-payment-provider.js';
import { createTestShop, type TestShop } from '../testing/index.js';
import { registerShopper } from '../testing/shoppers.js';
import { stockOf, stockProduct } from '../testing/stocked-products.js';
import { reconcilePayments } from './payment-reconciler.js';

const body = (productId: number) => ({
  items: [{ productId, quantity: 1 }],
  shipping: { name: 'Alex Kim', phone: '+82 10 5555 0000', address1: '1 Teheran-ro', postalCode: '06236' },
  payment: { card: '4242424242424242' },
});

describe('the payment reconciler, card flow', () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'));
  });
  afterAll(async () => shop.close());

  /** A provider that takes the money and then loses the answer (a timeout after the charge), or never gets the call. */
  function faulty(kind: 'answer-lost' | 'unreachable') {
    const real = new TestPaymentProvider();
    const provider: PaymentProvider = {
      name: kind,
      charge: async (request) => {
        if (kind === 'answer-lost') await real.charge(request);
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      },
      refund: (reference) => real.refund(reference),
      settle: (request) => real.settle(request),
    };
    return { real, provider };
  }

  async function checkoutWith(provider: PaymentProvider) {
    const product = await stockProduct(shop.sql, { stock: 3 });
    const shopper = await registerShopper(shop.app);
    const original = shop.app.payments.provider;
    shop.app.payments.provider = provider;
    try {
      const res = await shop.app.inject({ method: 'POST', url: '/api/checkout', headers: { cookie: shopper.cookie, 'idempotency-key': randomUUID() }, payload: body(product.id) });
      expect(res.statusCode).toBe(503);
      return { orderId: res.json<{ error: { details: { orderId: number } } }>().error.details.orderId, productId: product.id };
    } finally {
      shop.app.payments.provider = original;
    }
  }

  const reconcileWith = (provider: PaymentProvider) => reconcilePayments({ writer: shop.app.pools.writer, payments: { provider }, afterSeconds: 0, logger: shop.app.log });
  const statusOf = async (id: number) =>
    (await shop.sql<{ status: string; unsettled: boolean }[]>`SELECT status, payment_unsettled_since IS NOT NULL AS unsettled FROM orders WHERE id = ${id}`)[0];

  it('places an order whose charge went through but whose answer was lost, charging once', async () => {
    const { real, provider } = faulty('answer-lost');
    const { orderId, productId } = await checkoutWith(provider);
    expect(await statusOf(orderId)).toEqual({ status: 'pending_payment', unsettled: true });
    expect((await reconcileWith(provider)).get(orderId)).toBe('placed');
    expect(await statusOf(orderId)).toEqual({ status: 'placed', unsettled: false });
    expect(real.charges).toHaveLength(1);
    expect(await stockOf(shop.sql, productId)).toBe(2);
  });

  it('leaves an order whose charge never arrived to its customer (or its expiry), no longer in doubt', async () => {
    const { real, provider } = faulty('unreachable');
    const { orderId } = await checkoutWith(provider);
    expect((await reconcileWith(provider)).get(orderId)).toBe('waiting');
    expect(await statusOf(orderId)).toEqual({ status: 'pending_payment', unsettled: false });
    expect(real.charges).toHaveLength(0);
  });

  it('refunds a charge that went through after staff cancelled the order', async () => {
    const { real, provider } = faulty('answer-lost');
    const { orderId, productId } = await checkoutWith(provider);
    await shop.sql`UPDATE orders SET status = 'cancelled' WHERE id = ${orderId}`;
    expect((await reconcileWith(provider)).get(orderId)).toBe('refunded');
    expect(real.refunds).toHaveLength(1);
    expect(await statusOf(orderId)).toEqual({ status: 'cancelled', unsettled: false });
    // The stock of a cancelled order is returned by the cancellation, not by the reconciler.
    expect(await stockOf(shop.sql, productId)).toBe(2);
  });
});
