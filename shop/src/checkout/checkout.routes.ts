import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Histogram } from 'prom-client';
import type { Config } from '../config.js';
import { errorResponses } from '../lib/error-body.js';
import { MINUTE_SECONDS } from '../plugins/attempt-limits.js';
import { Order } from '../orders/orders.schemas.js';
import { CheckoutService } from './checkout.service.js';
import { CHECKOUT_LANES } from './commit-batcher.js';
import { CheckoutBody, CheckoutHeaders, ConfirmBody } from './checkout.schemas.js';

/** `POST /api/checkout`: 201 with a new order, or 200 + `Idempotent-Replayed: true` on a retry. */
const checkoutRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, opts) => {
  // At most half the writer pool runs checkout transactions; the rest serves sessions and carts.
  const lanes = Math.max(1, Math.min(CHECKOUT_LANES, Math.floor(app.pools.writer.options.max / 2)));
  const batchSize = new Histogram({
    name: 'shop_checkout_batch_size',
    help: 'Checkouts committed together in one transaction (group commit)',
    buckets: [1, 2, 4, 8, 16, 32],
    registers: [app.metrics.registry],
  });
  const checkout = new CheckoutService({
    sql: app.pools.writer,
    lanes,
    stockLowUnits: opts.config.STOCK_LOW_UNITS,
    payments: app.payments,
    metrics: app.metrics,
    log: app.log,
    onBatchCommitted: (size) => batchSize.observe(size),
  });

  app.post(
    '',
    {
      schema: {
        tags: ['checkout'],
        summary: 'Place an order from the cart (idempotent by the Idempotency-Key header)',
        description:
          '409 OUT_OF_STOCK names the short lines and orders nothing. 422 IDEMPOTENCY_KEY_REUSED when the key was used ' +
          'with a different cart or body. 402 PAYMENT_DECLINED returns the stock and the cart. 503 PAYMENT_UNAVAILABLE ' +
          'or TEMPORARILY_UNAVAILABLE: retry with the same key. 409 ORDER_EXPIRED or ORDER_CANCELLED: the order was released ' +
          "before its payment completed (any charge is refunded). 409 PURCHASE_LIMIT names the lines over their product's " +
          'per-customer limit and orders nothing. 429 RATE_LIMITED: too many checkouts from this account this minute. 400 PAYMENT_METHOD_UNSUPPORTED: ' +
          'payment does not match GET /api/payments/config. With a redirect provider (Toss Payments) the order comes back pending_payment with a ' +
          "paymentRequest: the customer pays in the provider's window, then POST /api/checkout/confirm.",
        headers: CheckoutHeaders,
        body: CheckoutBody,
        response: { 201: Order, 200: Order, ...errorResponses(400, 401, 402, 403, 409, 415, 422, 429, 503) },
      },
      // Per account, in the store every instance shares: one account cannot script checkouts to hoard stock.
      preHandler: async (request, reply) =>
        app.attemptLimits.count(reply, [
          { scope: 'checkout-account', key: String(app.requireUser(request).id), max: opts.config.CHECKOUT_RATE_LIMIT_PER_MINUTE, windowSeconds: MINUTE_SECONDS },
        ]),
    },
    async (request, reply) => {
      const user = app.requireUser(request);
      const { order, replayed } = await checkout.placeOrder(user, request.headers['idempotency-key'], request.body);
      const answer = app.payments.withPaymentRequest(order, user.id);
      if (replayed) return reply.status(200).header('idempotent-replayed', 'true').send(answer);
      return reply.status(201).send(answer);
    },
  );

  app.post(
    '/confirm',
    {
      schema: {
        tags: ['checkout'],
        summary: "Confirm a payment the customer authorized in the provider's window (the redirect flow)",
        description:
          "Send the paymentKey, orderId and amount the provider's success redirect carried. 400 PAYMENT_AMOUNT_MISMATCH: the amount is not " +
          "the order's total, nothing is charged. 402 PAYMENT_DECLINED: the stock and the cart go back. 503 PAYMENT_UNAVAILABLE: the provider " +
          'did not answer; send the same request again, or wait: the shop settles it with the provider and the order page shows the outcome. ' +
          '409 ORDER_EXPIRED, ORDER_CANCELLED or ORDER_ALREADY_PAID: nothing more is charged (a charge that completed anyway is refunded). ' +
          'Repeating a confirm that succeeded answers 200 with Idempotent-Replayed: true.',
        body: ConfirmBody,
        response: { 200: Order, ...errorResponses(400, 401, 402, 403, 404, 409, 415, 503) },
      },
    },
    async (request, reply) => {
      const user = app.requireUser(request);
      const { order, replayed } = await checkout.confirmPayment(user, request.body);
      if (replayed) reply.header('idempotent-replayed', 'true');
      return order;
    },
  );
};

export default checkoutRoutes;
