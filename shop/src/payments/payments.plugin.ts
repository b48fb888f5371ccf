import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Order } from '../orders/orders.schemas.js';
import type { PaymentProvider } from './payment-provider.js';
import { PaymentsConfigSchema } from './payment-request.js';
import { TestPaymentProvider } from './test-payment-provider.js';
import { TossPaymentProvider } from './toss-payment-provider.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The payment provider checkout charges. Tests may swap `provider` for a failing one. */
    payments: {
      provider: PaymentProvider;
      /** The order as its customer sees it: with the provider's payment request while it waits for a redirect-flow payment. */
      withPaymentRequest(order: Order, userId: number): Order;
    };
  }
}

/** The provider PAYMENT_PROVIDER names (config.ts refuses `test` in production). */
export function providerFor(config: Config, app: FastifyInstance): PaymentProvider {
  if (config.PAYMENT_PROVIDER === 'test') return new TestPaymentProvider();
  return new TossPaymentProvider({
    apiUrl: config.TOSS_API_URL,
    sdkUrl: config.TOSS_SDK_URL,
    clientKey: config.TOSS_CLIENT_KEY!,
    secretKey: config.TOSS_SECRET_KEY!,
    timeoutMs: config.TOSS_TIMEOUT_MS,
    expirySeconds: config.PENDING_PAYMENT_EXPIRY_MINUTES * 60,
    customerKeySecret: config.SESSION_SECRET,
    logger: app.log,
  });
}

/** `app.payments`, and `GET /api/payments/config`: what the storefront needs before checkout. */
export default fp<{ config: Config }>(
  async function payments(app: FastifyInstance, opts) {
    const payments: FastifyInstance['payments'] = {
      provider: providerFor(opts.config, app),
      withPaymentRequest(order, userId) {
        const { provider } = payments;
        if (order.status !== 'pending_payment' || provider.flow !== 'redirect' || !provider.paymentRequest) return order;
        return { ...order, paymentRequest: provider.paymentRequest({ ...order, userId }) };
      },
    };
    app.decorate('payments', payments);

    app.get(
      '/api/payments/config',
      {
        schema: {
          tags: ['checkout'],
          summary: 'How this shop takes payments: a card in the checkout body, or a provider payment window after checkout',
          response: { 200: PaymentsConfigSchema },
        },
      },
      async () => payments.provider.publicConfig?.() ?? { provider: 'test' as const, flow: 'card' as const },
    );
  },
  { name: 'payments' },
);
