import type { Queryable, Sql } from '@evermall/shop/db';

/**
 * Runs `effect` for an event at most once per consumer: in one transaction, the event's row in
 * `consumer_inbox` (migration 080) is inserted, then the effect runs; both commit or neither does.
 * An event that is already in the inbox is skipped without running the effect. Two deliveries of
 * one event handled at the same moment take turns on the row's primary key: the second waits for
 * the first's commit, then skips; if the first rolls back, the second does the work.
 *
 * The wait is bounded by `lockTimeoutMs` (PostgreSQL's lock_timeout, for this transaction only):
 * past it the delivery fails and is tried again later, instead of holding its batch.
 *
 * Returns whether the effect ran.
 */
export async function onceForConsumer(sql: Sql, consumer: string, eventId: number, lockTimeoutMs: number, effect: (tx: Queryable) => Promise<void>): Promise<boolean> {
  return sql.begin(async (tx) => {
    await tx`SELECT set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true)`;
    const claimed = await tx`
      INSERT INTO consumer_inbox (consumer, event_id) VALUES (${consumer}, ${eventId})
      ON CONFLICT (consumer, event_id) DO NOTHING
      RETURNING event_id`;
    if (claimed.length === 0) return false;
    await effect(tx);
    return true;
  });
}
