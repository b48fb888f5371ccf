import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { PaymentProvider } from './payment-provider.js';
import { TestPaymentProvider } from './test-payment-provider.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The payment provider checkout charges. Tests may swap `provider` for a failing one. */
    payments: { provider: PaymentProvider };
  }
}

/**
 * The shop ships only the test provider: it approves any card but the documented decline card.
 * A real provider plugs in here behind the same interface.
 */
export default fp(
  async function payments(app: FastifyInstance) {
    app.decorate('payments', { provider: new TestPaymentProvider() });
  },
  { name: 'payments' },
);
