import { withWriterRetry, type Sql } from '../db/pools.js';
import type { Logger } from '../lib/logger.js';
import { runPeriodically, type PeriodicTask } from '../lib/periodic-task.js';
import { findOrder } from '../orders/orders.repository.js';
import { orderRef, type PaymentProvider } from '../payments/payment-provider.js';
import { claimUnsettledPayments, markOrdersPlaced, markPaymentSettled } from './checkout.repository.js';
import { declineOrder } from './checkout.service.js';

/** Orders one round settles at most; a backlog is worked off over the next rounds. */
export const MAX_PAYMENTS_PER_ROUND = 100;

export interface ReconcileOptions {
  writer: Sql;
  /** Read for every round: tests swap the provider. */
  payments: { provider: PaymentProvider };
  /** A payment is in doubt once unsettled this long (PAYMENT_RECONCILE_AFTER_SECONDS): longer than a provider call may take. */
  afterSeconds: number;
  limit?: number;
  logger: Logger;
}

export type Settlement = 'placed' | 'declined' | 'refunded' | 'nothing-owed' | 'waiting' | 'unreachable';

/**
 * Settles every order whose payment has been in doubt for `afterSeconds`: a charge or confirm
 * that timed out, answered 5xx, or whose instance died before it wrote the answer. The provider's
 * record decides, and every step is safe to repeat or to run on two instances at once (the
 * provider's confirm and cancel are idempotent; each order transition is conditional):
 * - approved, order still waiting: it is placed (a confirm left unsent is sent now);
 * - approved, order released meanwhile (expired, cancelled, declined): the charge is refunded;
 * - declined: the order is declined, its stock and cart go back;
 * - nothing moved: a released order is forgotten; a waiting one stays for its customer, who may
 *   still pay, and expires otherwise.
 * Answers what happened to each order, by id.
 */
export async function reconcilePayments(options: ReconcileOptions): Promise<Map<number, Settlement>> {
  const { writer, logger } = options;
  const outcomes = new Map<number, Settlement>();
  const claimed = await withWriterRetry(() => claimUnsettledPayments(writer, options.afterSeconds, options.limit ?? MAX_PAYMENTS_PER_ROUND), { logger });
  const { provider } = options.payments;
  if (claimed.length > 0 && !provider.settle) {
    logger.warn({ orders: claimed.length, provider: provider.name }, 'the payment provider cannot be asked about payments; orders in doubt are left to expire');
    return outcomes;
  }
  for (const order of claimed) {
    let outcome: Settlement;
    try {
      outcome = await settleOne(options, provider, order);
    } catch (err) {
      // Asked again after afterSeconds: the claim moved the mark forward.
      logger.warn({ err, orderId: order.id, provider: provider.name }, 'could not settle a payment in doubt; trying again later');
      outcome = 'unreachable';
    }
    outcomes.set(order.id, outcome);
  }
  const settled = [...outcomes.values()].filter((o) => o !== 'unreachable' && o !== 'waiting').length;
  if (settled > 0) logger.info({ orders: settled, outcomes: Object.fromEntries(outcomes) }, 'settled payments in doubt');
  return outcomes;
}

async function settleOne(options: ReconcileOptions, provider: PaymentProvider, claimed: { id: number; status: string; totalWon: number }): Promise<Settlement> {
  const { writer, logger } = options;
  const waiting = claimed.status === 'pending_payment';
  const answer = await provider.settle!({ idempotencyKey: orderRef(claimed.id), amountWon: claimed.totalWon, complete: waiting });
  const settled = () => withWriterRetry(() => markPaymentSettled(writer, claimed.id), { logger });

  if (answer.status === 'approved') {
    if (waiting) {
      const placed = await withWriterRetry(() => markOrdersPlaced(writer, [{ orderId: claimed.id, paymentRef: answer.reference }]), { logger });
      if (placed.has(claimed.id)) return 'placed';
    }
    const now = await withWriterRetry(() => findOrder(writer, claimed.id), { logger });
    if (now && ['placed', 'paid', 'shipped'].includes(now.status)) {
      await settled();
      return 'nothing-owed';
    }
    // Released before its payment was settled: the money goes back.
    await provider.refund(answer.reference);
    await settled();
    logger.warn({ orderId: claimed.id, reference: answer.reference, status: now?.status }, 'a payment settled after its order was released; refunded');
    return 'refunded';
  }
  if (answer.status === 'declined') {
    const order = await withWriterRetry(() => findOrder(writer, claimed.id), { logger });
    if (order) await declineOrder(writer, order, logger);
    else await settled();
    return 'declined';
  }
  // Nothing moved. A waiting order stays the customer's to pay (a fresh confirm marks it again).
  await settled();
  return waiting ? 'waiting' : 'nothing-owed';
}

export interface PaymentReconcilerOptions extends ReconcileOptions {
  intervalSeconds: number;
}

/**
 * Runs on every instance, every `intervalSeconds`: no lock elects one, since instances claim
 * disjoint orders and every settlement is idempotent.
 */
export function startPaymentReconciler(options: PaymentReconcilerOptions): PeriodicTask<Map<number, Settlement>> {
  return runPeriodically(() => reconcilePayments(options), {
    intervalSeconds: options.intervalSeconds,
    logger: options.logger,
    failure: 'reconciling payments failed; retrying next interval',
  });
}
