import { allowIdleInTransaction, withWriterRetry, type Sql } from '../db/pools.js';
import type { Logger } from '../lib/logger.js';
import { runPeriodically, type PeriodicTask } from '../lib/periodic-task.js';
import { withTimeout } from '../lib/with-timeout.js';
import { publishWithSpans } from '../tracing/event-spans.js';
import type { EventBus } from './event-bus.js';
import { markPublished, tryLockRelay, unpublishedEvents } from './outbox.repository.js';

/**
 * Publishes up to `batchSize` unpublished events, oldest first, and marks them published, in one
 * transaction that holds the relay's advisory lock: answers how many it published, or undefined
 * when another instance's relay holds the lock. The rows are marked only after the broker
 * confirmed every one of them (`EventBus.publish`), so a broker that is down, refuses, or a relay
 * that dies between the two leaves them to be published again: at least once. Since one relay
 * publishes at a time, in id order, and an aggregate's events get growing ids in the order they
 * committed (migration 070), each order's events reach the broker in order.
 */
export async function relayOutbox(writer: Sql, bus: EventBus, batchSize: number, publishTimeoutSeconds: number): Promise<number | undefined> {
  return writer.begin(async (tx) => {
    // It waits on the broker's confirms, bounded by publishTimeoutSeconds below.
    await allowIdleInTransaction(tx);
    if (!(await tryLockRelay(tx))) return undefined;
    const events = await unpublishedEvents(tx, batchSize);
    if (events.length === 0) return 0;
    // A broker that takes the events and never confirms must not hold this transaction (and the lock) open.
    // Each traced event is published in a span of the trace that wrote it, and carries that span on.
    await withTimeout(
      publishWithSpans(events, (carried) => bus.publish(carried)),
      publishTimeoutSeconds * 1000,
      `the broker did not confirm ${events.length} events within ${publishTimeoutSeconds} s`,
    );
    await markPublished(
      tx,
      events.map((e) => e.id),
    );
    return events.length;
  });
}

export interface OutboxRelayOptions {
  writer: Sql;
  /**
   * Opens a connection to the broker; called again after a failure. It must fail, not wait for
   * ever, on a broker that does not answer (connectRabbitmqEventBus bounds itself): no round starts
   * while one runs (runPeriodically), so one endless connect would end publishing.
   */
  connect: () => Promise<EventBus>;
  intervalSeconds: number;
  batchSize: number;
  /** A publish not confirmed within this long fails the round (the rows stay unpublished). */
  publishTimeoutSeconds: number;
  logger: Logger;
}

/** Its rounds answer how many events they published (0 when another instance relays). */
export type OutboxRelay = PeriodicTask<number>;

/**
 * The relay every instance runs (one at a time relays, see relayOutbox): each round publishes
 * full batches until the outbox is drained, then waits `intervalSeconds`. A round that fails (the
 * broker is down, the connection broke) drops its connection, leaves the rows unpublished, and
 * the next round connects again and resumes from the oldest.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { writer, batchSize, logger } = options;
  let bus: EventBus | undefined;
  const runOnce = async (): Promise<number> => {
    let total = 0;
    try {
      bus ??= await options.connect();
      for (;;) {
        const connected = bus;
        const published = await withWriterRetry(() => relayOutbox(writer, connected, batchSize, options.publishTimeoutSeconds), { logger });
        total += published ?? 0;
        if (published === undefined || published < batchSize) break;
      }
    } catch (err) {
      const broken = bus;
      bus = undefined;
      await broken?.close().catch(() => undefined);
      throw err;
    }
    return total;
  };
  const task = runPeriodically(runOnce, {
    intervalSeconds: options.intervalSeconds,
    logger,
    failure: 'publishing outbox events failed; they stay in the outbox and the next round retries',
  });
  return {
    runOnce,
    /** Stops the rounds, then closes the broker connection. */
    async stop() {
      await task.stop();
      await bus?.close();
      bus = undefined;
    },
  };
}
