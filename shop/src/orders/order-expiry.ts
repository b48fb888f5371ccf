import { withWriterRetry, type Sql } from '../db/pools.js';
import type { Logger } from '../lib/logger.js';
import { runPeriodically, type PeriodicTask } from '../lib/periodic-task.js';
import { expireUnpaidOrders, returnStockOfOrders } from './orders.repository.js';

/**
 * Orders one sweep transaction expires at most. A backlog (the sweep was off during an outage)
 * is worked off in several transactions of this size rather than one that locks thousands of
 * rows; the sweep repeats at once while it finds full batches.
 */
export const MAX_ORDERS_PER_SWEEP = 500;

export interface SweepOptions {
  /** Orders pending payment for longer than this expire. */
  expirySeconds: number;
  maxOrdersPerSweep?: number;
  logger?: Logger;
}

/**
 * Expires every order that has waited for its payment longer than `expirySeconds` and returns
 * its stock, in transactions of at most `maxOrdersPerSweep` orders; answers the ids it expired.
 * Each transaction moves its orders `pending_payment` → `expired` with one conditional UPDATE
 * and returns the stock of exactly the rows that UPDATE changed, so two instances sweeping at
 * once, staff cancelling, or a payment being settled meanwhile cannot return an order's stock
 * twice. A charge that completes after its order expired is refunded by checkout
 * (409 ORDER_EXPIRED).
 */
export async function sweepUnpaidOrders(writer: Sql, options: SweepOptions): Promise<number[]> {
  const limit = options.maxOrdersPerSweep ?? MAX_ORDERS_PER_SWEEP;
  const all: number[] = [];
  for (;;) {
    const expired = await withWriterRetry(
      () =>
        writer.begin(async (tx) => {
          const ids = await expireUnpaidOrders(tx, options.expirySeconds, limit);
          if (ids.length > 0) await returnStockOfOrders(tx, ids, 'expired unpaid');
          return ids;
        }),
      { logger: options.logger },
    );
    all.push(...expired);
    if (expired.length < limit) return all;
  }
}

export interface OrderExpiryOptions extends SweepOptions {
  writer: Sql;
  intervalSeconds: number;
  logger: Logger;
}

/** Its rounds answer the ids of the orders they expired. */
export type OrderExpiry = PeriodicTask<number[]>;

/**
 * Sweeps on every instance, every `intervalSeconds`, starting at once. No lock elects a
 * sweeper: the sweep is safe to run everywhere at the same time (see sweepUnpaidOrders), and
 * an instance that dies takes nothing with it.
 */
export function startOrderExpiry(options: OrderExpiryOptions): OrderExpiry {
  const { writer, intervalSeconds, logger } = options;
  const runOnce = async (): Promise<number[]> => {
    const expired = await sweepUnpaidOrders(writer, options);
    if (expired.length > 0) logger.info({ orders: expired.length, expirySeconds: options.expirySeconds }, 'expired unpaid orders and returned their stock');
    return expired;
  };

  return runPeriodically(runOnce, { intervalSeconds, logger, failure: 'expiring unpaid orders failed; retrying next interval' });
}
