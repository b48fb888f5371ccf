import { allowIdleInTransaction, withWriterRetry, type Sql } from '../db/pools.js';
import type { Logger } from '../lib/logger.js';
import { runPeriodically, type PeriodicTask } from '../lib/periodic-task.js';
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
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the broker did not confirm ${events.length} events within ${publishTimeoutSeconds} s`)), publishTimeoutSeconds * 1000);
    });
    try {
      // Each traced event is published in a span of the trace that wrote it, and carries that span on.
      await Promise.race([publishWithSpans(events, (carried) => bus.publish(carried)), timeout]);
    } finally {
      clearTimeout(timer);
    }
    await markPublished(
      tx,
      events.map((e) => e.id),
    );
    return events.length;
  });
}

/**
 * `connect()`, or a rejection once it has taken `seconds`: a round must never wait for ever on a
 * broker that takes the connection and never answers (runPeriodically starts no round while one
 * runs, so one such wait would end publishing for the instance's life). A connection that comes
 * after all is closed.
 */
async function connectWithin(connect: () => Promise<EventBus>, seconds: number): Promise<EventBus> {
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  const attempt = connect();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(new Error(`the broker did not answer the connect within ${seconds} s`));
    }, seconds * 1000);
  });
  attempt.then(
    (bus) => (late ? bus.close().catch(() => undefined) : undefined),
    () => undefined,
  );
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface OutboxRelayOptions {
  writer: Sql;
  /** Opens a connection to the broker; called again after a failure. */
  connect: () => Promise<EventBus>;
  intervalSeconds: number;
  batchSize: number;
  /**
   * A publish not confirmed within this long fails the round (the rows stay unpublished), and so
   * does a connect that has not answered by then.
   */
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
      bus ??= await connectWithin(options.connect, options.publishTimeoutSeconds);
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
