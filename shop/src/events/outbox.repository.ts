import type { Queryable } from '../db/pools.js';
import { currentTraceparent } from '../tracing/spans.js';
import { STOCK_LOW_PAYLOAD, type EventType, type ShopEvent } from './outbox-events.js';

/** Any constant works; every instance uses the same one so only one relays at a time. */
const OUTBOX_RELAY_LOCK_ID = 4_242_070;

/**
 * Takes the relay's lock for the caller's transaction, or answers false when another instance's
 * relay holds it. One relay at a time is what keeps the events in id order on the broker.
 */
export async function tryLockRelay(tx: Queryable): Promise<boolean> {
  const [lock] = await tx<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${OUTBOX_RELAY_LOCK_ID}) AS locked`;
  return lock?.locked === true;
}

/** Writes `stock.low` for a product now at `lowUnits` or fewer; call it in the transaction that took it there. */
export async function announceStockLow(sql: Queryable, productId: number, lowUnits: number): Promise<void> {
  await sql`
    INSERT INTO outbox (aggregate_id, type, payload, trace_context)
    SELECT p.id, 'stock.low', ${sql.unsafe(STOCK_LOW_PAYLOAD)} || jsonb_build_object('lowUnits', ${lowUnits}::int), ${currentTraceparent() ?? null}::text
    FROM products p WHERE p.id = ${productId} AND p.stock <= ${lowUnits}`;
}

/** The oldest `limit` events not yet published, in id order. */
export async function unpublishedEvents(sql: Queryable, limit: number): Promise<ShopEvent[]> {
  const rows = await sql<
    { id: number | bigint; aggregate_id: number | bigint; type: EventType; payload: Record<string, unknown>; created_at: Date; trace_context: string | null }[]
  >`
    SELECT id, aggregate_id, type, payload, created_at, trace_context FROM outbox
    WHERE published_at IS NULL
    ORDER BY id
    LIMIT ${limit}`;
  return rows.map((r) => ({
    id: Number(r.id),
    aggregateId: Number(r.aggregate_id),
    type: r.type,
    payload: r.payload,
    createdAt: r.created_at.toISOString(),
    ...(r.trace_context ? { traceparent: r.trace_context } : {}),
  }));
}

export async function markPublished(sql: Queryable, ids: readonly number[]): Promise<void> {
  await sql`UPDATE outbox SET published_at = now() WHERE id = ANY(${ids as number[]}::bigint[])`;
}
