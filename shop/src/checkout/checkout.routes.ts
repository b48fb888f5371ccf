import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Histogram } from 'prom-client';
import type { Config } from '../config.js';
import { errorResponses } from '../lib/error-body.js';
import { MINUTE_SECONDS } from '../plugins/attempt-limits.js';
import { Order } from '../orders/orders.schemas.js';
import { CheckoutService } from './checkout.service.js';
import { CHECKOUT_LANES } from './commit-batcher.js';
import { CheckoutBody, CheckoutHeaders } from './checkout.schemas.js';

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
          'per-customer limit and orders nothing. 429 RATE_LIMITED: too many checkouts from this account this minute.',
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
      if (replayed) return reply.status(200).header('idempotent-replayed', 'true').send(order);
      return reply.status(201).send(order);
    },
  );
};

export default checkoutRoutes;
