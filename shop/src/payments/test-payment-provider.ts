import { randomUUID } from 'node:crypto';
import type { ChargeRequest, ChargeResult, PaymentProvider, PaymentsConfig, SettleRequest, SettleResult } from './payment-provider.js';

/**
 * The card number the test provider always declines. It is Stripe's "generic decline" test
 * card (Stripe docs, "Testing: declined payments"), so people recognise it.
 */
export const DECLINED_TEST_CARD = '4000000000000002';

/** Digits only: customers type cards with spaces or dashes. */
export const normalizeCard = (card: string): string => card.replace(/[\s-]/g, '');

/**
 * A provider that moves no money: it approves every card except DECLINED_TEST_CARD. It
 * remembers results by idempotency key, like a real provider, so a resumed charge is not a
 * second charge. Its memory is per process; a real provider keeps it on its side.
 */
export class TestPaymentProvider implements PaymentProvider {
  readonly name = 'test';
  readonly flow = 'card' as const;
  private readonly results = new Map<string, ChargeResult>();
  /** Every charge that reached the provider and was not a repeat of a key, for tests to count. */
  readonly charges: ChargeRequest[] = [];
  /** References given back, for tests to check. */
  readonly refunds: string[] = [];

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const previous = this.results.get(request.idempotencyKey);
    if (previous) return previous;
    this.charges.push(request);
    const result: ChargeResult =
      normalizeCard(request.card ?? '') === DECLINED_TEST_CARD
        ? { status: 'declined', reason: 'The card was declined (test card).' }
        : { status: 'approved', reference: `test_${randomUUID()}` };
    this.results.set(request.idempotencyKey, result);
    return result;
  }

  async refund(reference: string): Promise<void> {
    if (!this.refunds.includes(reference)) this.refunds.push(reference);
  }

  /** A charge it answered, or `none` (a charge that never reached it); a refunded one moved no money in the end. */
  async settle(request: SettleRequest): Promise<SettleResult> {
    const result = this.results.get(request.idempotencyKey);
    if (!result) return { status: 'none' };
    if (result.status === 'approved' && this.refunds.includes(result.reference)) return { status: 'none' };
    return result;
  }

  publicConfig(): PaymentsConfig {
    return { provider: 'test', flow: 'card' };
  }
}
