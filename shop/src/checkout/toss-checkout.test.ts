import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { startTossStandin, TOSS_STANDIN_CARDS, type TossStandin } from '@evermall/testkit';
import { ConfigError, loadConfig } from '../config.js';
import { createTestShop, tossShopEnv, type TestShop } from '../testing/index.js';
import { registerShopper, type Shopper } from '../testing/shoppers.js';
import { stockOf, stockProduct } from '../testing/stocked-products.js';
import { sweepUnpaidOrders } from '../orders/order-expiry.js';
import { reconcilePayments } from './payment-reconciler.js';

const shipping = { name: 'Alex Kim', phone: '+82 10 5555 0000', address1: '1 Teheran-ro', postalCode: '06236' };

interface PaymentRequestJson {
  orderId: string;
  amountWon: number;
  orderName: string;
  clientKey: string;
  customerKey: string;
  sdkUrl: string;
  expiresAt: string;
}

describe('checkout through Toss Payments (redirect flow, against the local stand-in)', () => {
  let standin: TossStandin;
  let shop: TestShop;

  beforeAll(async () => {
    // A client timeout far below the stand-in's held answer: the "timeout" card is charged but unheard.
    standin = await startTossStandin({ slowResponseMs: 5_000 });
    shop = await createTestShop(inject('pgAdminUrl'), tossShopEnv(standin, { TOSS_TIMEOUT_MS: '300', PAYMENT_RECONCILE_AFTER_SECONDS: '1' }));
  });
  afterAll(async () => {
    await shop?.close();
    await standin?.close();
  });
  beforeEach(() => standin.setFaults({ count: 0 }));

  const reconcile = () => reconcilePayments({ writer: shop.app.pools.writer, payments: shop.app.payments, afterSeconds: 0, logger: shop.app.log });
  const paymentsOf = (orderRef: string) => standin.payments().filter((p) => p.orderId === orderRef);
  const orderRow = async (id: number) => {
    const [row] = await shop.sql<{ status: string; payment_ref: string | null; payment_unsettled_since: Date | null }[]>`
      SELECT status, payment_ref, payment_unsettled_since FROM orders WHERE id = ${id}`;
    return row!;
  };

  async function checkout(shopper: Shopper, body: Record<string, unknown>, key = randomUUID()) {
    return shop.app.inject({ method: 'POST', url: '/api/checkout', headers: { cookie: shopper.cookie, 'idempotency-key': key }, payload: { shipping, ...body } });
  }

  /** A shopper's buy now of `quantity` units, reserved and waiting for its payment. */
  async function reserve(productId: number, quantity = 1, shopper?: Shopper) {
    const who = shopper ?? (await registerShopper(shop.app));
    const res = await checkout(who, { items: [{ productId, quantity }], payment: { provider: 'toss' } });
    expect(res.statusCode, res.body).toBe(201);
    const order = res.json<{ id: number; status: string; totalWon: number; paymentRequest: PaymentRequestJson }>();
    return { shopper: who, order, request: order.paymentRequest };
  }

  const confirm = (shopper: Shopper, body: { paymentKey: string; orderId: string; amount: number }) =>
    shop.app.inject({ method: 'POST', url: '/api/checkout/confirm', headers: { cookie: shopper.cookie }, payload: body });

  async function authorizeAndConfirm(shopper: Shopper, request: PaymentRequestJson, card: string = TOSS_STANDIN_CARDS.approve) {
    const { paymentKey } = await standin.authorize({ orderId: request.orderId, amount: request.amountWon, orderName: request.orderName, card });
    return { paymentKey, res: await confirm(shopper, { paymentKey, orderId: request.orderId, amount: request.amountWon }) };
  }

  it('tells the storefront how to pay, reserves at checkout, and places the order once Toss confirms the amount it holds', async () => {
    const config = await shop.app.inject({ method: 'GET', url: '/api/payments/config' });
    expect(config.json()).toEqual({ provider: 'toss', flow: 'redirect', clientKey: standin.clientKey, sdkUrl: standin.sdkUrl });

    const product = await stockProduct(shop.sql, { stock: 5, priceWon: 12_000 });
    const { shopper, order, request } = await reserve(product.id, 2);
    expect(order.status).toBe('pending_payment');
    expect(request).toMatchObject({ orderId: `evermall-order-${order.id}`, amountWon: 24_000, clientKey: standin.clientKey, sdkUrl: standin.sdkUrl });
    expect(request.customerKey).not.toContain(String(shopper.userId));
    expect(await stockOf(shop.sql, product.id)).toBe(3);
    // Nothing was charged by the checkout itself, and the order page offers the payment again.
    expect(paymentsOf(request.orderId)).toEqual([]);
    const page = await shop.app.inject({ method: 'GET', url: `/api/orders/${order.id}`, headers: { cookie: shopper.cookie } });
    expect(page.json().paymentRequest).toEqual(request);

    const { paymentKey, res } = await authorizeAndConfirm(shopper, request);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: order.id, status: 'placed' });
    expect(res.json().paymentRequest).toBeUndefined();
    expect(paymentsOf(request.orderId)).toMatchObject([{ paymentKey, status: 'DONE', totalAmount: 24_000, confirmCalls: 1 }]);
    expect(await orderRow(order.id)).toMatchObject({ status: 'placed', payment_ref: paymentKey, payment_unsettled_since: null });

    // The success page reloaded: the same confirm is answered from the order, and Toss is not asked again.
    const again = await confirm(shopper, { paymentKey, orderId: request.orderId, amount: 24_000 });
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(paymentsOf(request.orderId)[0]!.confirmCalls).toBe(1);
  });

  it("refuses a tampered amount before asking Toss, and another customer's order as not found", async () => {
    const product = await stockProduct(shop.sql, { stock: 5, priceWon: 50_000 });
    const { shopper, order, request } = await reserve(product.id);
    const { paymentKey } = await standin.authorize({ orderId: request.orderId, amount: 100, orderName: request.orderName, card: TOSS_STANDIN_CARDS.approve });

    const tampered = await confirm(shopper, { paymentKey, orderId: request.orderId, amount: 100 });
    expect(tampered.statusCode).toBe(400);
    expect(tampered.json().error.code).toBe('PAYMENT_AMOUNT_MISMATCH');
    expect(paymentsOf(request.orderId)).toMatchObject([{ status: 'IN_PROGRESS', confirmCalls: 0 }]);

    const stranger = await registerShopper(shop.app);
    const theirs = await confirm(stranger, { paymentKey, orderId: request.orderId, amount: 50_000 });
    expect(theirs.statusCode).toBe(404);
    expect(await orderRow(order.id)).toMatchObject({ status: 'pending_payment' });

    // A key Toss authorized for 100 won cannot pay the 50,000 won order: Toss refuses, the order is declined.
    const mismatched = await confirm(shopper, { paymentKey, orderId: request.orderId, amount: 50_000 });
    expect(mismatched.statusCode).toBe(402);
    expect(paymentsOf(request.orderId)[0]!.status).toBe('IN_PROGRESS');
    expect(await stockOf(shop.sql, product.id)).toBe(5);
  });

  it('answers a card body 400 PAYMENT_METHOD_UNSUPPORTED and reserves nothing', async () => {
    const product = await stockProduct(shop.sql, { stock: 1 });
    const shopper = await registerShopper(shop.app);
    const res = await checkout(shopper, { items: [{ productId: product.id, quantity: 1 }], payment: { card: '4242424242424242' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('PAYMENT_METHOD_UNSUPPORTED');
    expect(await stockOf(shop.sql, product.id)).toBe(1);
  });

  it('a declined card returns the stock and gives a cart checkout its cart back', async () => {
    const product = await stockProduct(shop.sql, { stock: 3 });
    const shopper = await registerShopper(shop.app);
    await shop.app.inject({ method: 'POST', url: '/api/cart/items', headers: { cookie: shopper.cookie }, payload: { productId: product.id, quantity: 2 } });
    const res = await checkout(shopper, { payment: { provider: 'toss' } });
    expect(res.statusCode).toBe(201);
    expect(await stockOf(shop.sql, product.id)).toBe(1);
    const cartAfterCheckout = await shop.app.inject({ method: 'GET', url: '/api/cart', headers: { cookie: shopper.cookie } });
    expect(cartAfterCheckout.json().lines).toEqual([]);

    const { res: declined } = await authorizeAndConfirm(shopper, res.json().paymentRequest, TOSS_STANDIN_CARDS.decline);
    expect(declined.statusCode).toBe(402);
    expect(declined.json().error.code).toBe('PAYMENT_DECLINED');
    expect(await stockOf(shop.sql, product.id)).toBe(3);
    expect(await orderRow(res.json().id)).toMatchObject({ status: 'payment_declined', payment_unsettled_since: null });
    const cart = await shop.app.inject({ method: 'GET', url: '/api/cart', headers: { cookie: shopper.cookie } });
    expect(cart.json().lines).toMatchObject([{ productId: product.id, quantity: 2 }]);
  });

  it('a 5xx from Toss leaves the order reserved and in doubt; the reconciler confirms it once', async () => {
    const product = await stockProduct(shop.sql, { stock: 2 });
    const { shopper, order, request } = await reserve(product.id);
    const { res } = await authorizeAndConfirm(shopper, request, TOSS_STANDIN_CARDS.serverError);
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('PAYMENT_UNAVAILABLE');
    const inDoubt = await orderRow(order.id);
    expect(inDoubt.status).toBe('pending_payment');
    expect(inDoubt.payment_unsettled_since).not.toBeNull();
    expect(paymentsOf(request.orderId)[0]!.status).toBe('IN_PROGRESS');

    const outcomes = await reconcile();
    expect(outcomes.get(order.id)).toBe('placed');
    expect(await orderRow(order.id)).toMatchObject({ status: 'placed', payment_unsettled_since: null });
    expect(paymentsOf(request.orderId)).toMatchObject([{ status: 'DONE' }]);
    // Settled: a second round has nothing to do.
    expect((await reconcile()).has(order.id)).toBe(false);
  });

  it('a confirm that times out after Toss took the money is placed by the reconciler, never charged twice', async () => {
    const product = await stockProduct(shop.sql, { stock: 2 });
    const { shopper, order, request } = await reserve(product.id);
    const { paymentKey, res } = await authorizeAndConfirm(shopper, request, TOSS_STANDIN_CARDS.timeout);
    expect(res.statusCode).toBe(503);
    expect(paymentsOf(request.orderId)).toMatchObject([{ status: 'DONE' }]);

    expect((await reconcile()).get(order.id)).toBe('placed');
    expect(await orderRow(order.id)).toMatchObject({ status: 'placed', payment_ref: paymentKey });
    // The shopper's retry of the same confirm is answered from the order.
    const retry = await confirm(shopper, { paymentKey, orderId: request.orderId, amount: request.amountWon });
    expect(retry.statusCode).toBe(200);
    expect(paymentsOf(request.orderId)).toHaveLength(1);
  });

  it('refunds a payment Toss completed for an order that expired meanwhile, and returns its stock once', async () => {
    const product = await stockProduct(shop.sql, { stock: 1 });
    const { shopper, order, request } = await reserve(product.id);
    const { res } = await authorizeAndConfirm(shopper, request, TOSS_STANDIN_CARDS.timeout);
    expect(res.statusCode).toBe(503);
    // The order outlives its expiry before anyone settles the payment.
    await shop.sql`UPDATE orders SET created_at = now() - interval '1 hour' WHERE id = ${order.id}`;
    expect(await sweepUnpaidOrders(shop.app.pools.writer, { expirySeconds: 60 })).toContain(order.id);
    expect(await stockOf(shop.sql, product.id)).toBe(1);

    expect((await reconcile()).get(order.id)).toBe('refunded');
    expect(paymentsOf(request.orderId)).toMatchObject([{ status: 'CANCELED' }]);
    expect(await orderRow(order.id)).toMatchObject({ status: 'expired', payment_unsettled_since: null });
    expect(await stockOf(shop.sql, product.id)).toBe(1);
    const late = await confirm(shopper, { paymentKey: paymentsOf(request.orderId)[0]!.paymentKey, orderId: request.orderId, amount: request.amountWon });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('ORDER_EXPIRED');
  });

  it('two confirms of one payment at once charge it once and both see the order placed', async () => {
    const product = await stockProduct(shop.sql, { stock: 1 });
    const { shopper, order, request } = await reserve(product.id);
    const { paymentKey } = await standin.authorize({ orderId: request.orderId, amount: request.amountWon, orderName: request.orderName, card: TOSS_STANDIN_CARDS.approve });
    const body = { paymentKey, orderId: request.orderId, amount: request.amountWon };
    const [a, b] = await Promise.all([confirm(shopper, body), confirm(shopper, body)]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(a.json().status).toBe('placed');
    expect(b.json().status).toBe('placed');
    expect(paymentsOf(request.orderId)).toMatchObject([{ status: 'DONE' }]);
    expect(await orderRow(order.id)).toMatchObject({ status: 'placed', payment_ref: paymentKey });
  });

  it('an order already paid refuses a second payment and charges nothing more', async () => {
    const product = await stockProduct(shop.sql, { stock: 1 });
    const { shopper, request } = await reserve(product.id);
    const first = await authorizeAndConfirm(shopper, request);
    expect(first.res.statusCode).toBe(200);
    // Toss (and the stand-in) refuses a second window for an order already paid; a key from elsewhere is refused by the shop.
    const second = await standin
      .authorize({ orderId: request.orderId, amount: request.amountWon, orderName: request.orderName, card: TOSS_STANDIN_CARDS.approve })
      .catch((err: unknown) => err);
    expect(second).toMatchObject({ code: 'ALREADY_PROCESSED_PAYMENT' });
    const other = await confirm(shopper, { paymentKey: 'tstandin_not_this_orders_key', orderId: request.orderId, amount: request.amountWon });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('ORDER_ALREADY_PAID');
    expect(paymentsOf(request.orderId).filter((p) => p.status === 'DONE')).toHaveLength(1);
  });
});

describe('payment settings', () => {
  const base = { DATABASE_URL: 'postgres://shop@127.0.0.1/shop', SESSION_SECRET: 'x'.repeat(32) };

  it('refuses the test provider when NODE_ENV=production, naming PAYMENT_PROVIDER', () => {
    const attempt = () => loadConfig({ ...base, NODE_ENV: 'production', DATABASE_URL: 'postgres://shop@db.internal/shop?sslmode=verify-full' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PAYMENT_PROVIDER/);
    expect(() => loadConfig({ ...base, NODE_ENV: 'production', PAYMENT_PROVIDER: 'test', DATABASE_URL: 'postgres://shop@db.internal/shop?sslmode=verify-full' })).toThrow(
      /PAYMENT_PROVIDER/,
    );
  });

  it('needs both Toss keys, HTTPS off loopback, and a reconcile delay longer than the Toss timeout', () => {
    const toss = { ...base, PAYMENT_PROVIDER: 'toss', TOSS_CLIENT_KEY: 'test_ck_abc', TOSS_SECRET_KEY: 'test_sk_abc' };
    expect(loadConfig(toss).PAYMENT_PROVIDER).toBe('toss');
    expect(() => loadConfig({ ...toss, TOSS_SECRET_KEY: '' })).toThrow(/TOSS_SECRET_KEY is required/);
    expect(() => loadConfig({ ...toss, TOSS_CLIENT_KEY: 'live_sk_oops' })).toThrow(/TOSS_CLIENT_KEY/);
    expect(() => loadConfig({ ...toss, TOSS_API_URL: 'http://api.tosspayments.com' })).toThrow(/TOSS_API_URL/);
    expect(loadConfig({ ...toss, TOSS_API_URL: 'http://127.0.0.1:4010' }).TOSS_API_URL).toBe('http://127.0.0.1:4010');
    expect(() => loadConfig({ ...toss, TOSS_TIMEOUT_MS: '90000' })).toThrow(/PAYMENT_RECONCILE_AFTER_SECONDS/);
  });
});
