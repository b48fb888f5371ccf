import { COUNTED_EVENTS, NOTIFIED_EVENTS, ORDER_NOTIFIER, orderMessageId, SALES_DAY_TIME_ZONE, SALES_FEED } from '@evermall/functions';
import type { Sql } from '../load/reconcile.js';
import { mailboxKey } from '../mail/mailbox.js';
import { Mailbox } from '../status/mailbox.js';
import { sleep } from './drill.js';

/** How often the drain wait looks at the inbox. */
const DRAIN_POLL_MS = 500;

/** The newest outbox id: the drill's events are the ones after it. */
export async function outboxWatermark(sql: Sql): Promise<number> {
  const [row] = await sql<{ id: string | null }[]>`SELECT max(id)::text AS id FROM outbox`;
  return Number(row?.id ?? 0);
}

/** The events in (since, until] a consumer handles that are not in its inbox yet. */
async function unhandled(sql: Sql, since: number, until: number): Promise<{ notifier: number; feed: number }> {
  const [row] = await sql<{ notifier: number; feed: number }[]>`
    SELECT count(*) FILTER (WHERE o.type = ANY(${[...NOTIFIED_EVENTS]}::text[])
                              AND NOT EXISTS (SELECT 1 FROM consumer_inbox i WHERE i.consumer = ${ORDER_NOTIFIER} AND i.event_id = o.id))::int AS notifier,
           count(*) FILTER (WHERE o.type = ANY(${[...COUNTED_EVENTS]}::text[])
                              AND NOT EXISTS (SELECT 1 FROM consumer_inbox i WHERE i.consumer = ${SALES_FEED} AND i.event_id = o.id))::int AS feed
    FROM outbox o WHERE o.id > ${since} AND o.id <= ${until}`;
  return row!;
}

export interface ConsumerReconciliation {
  /** Outbox events of the window the consumers handle (per consumer, summed). */
  events: number;
  /** Of those, still not handled when the wait ended: lost, or dead-lettered. */
  eventsLost: number;
  /** Epoch ms when every event was handled; undefined if the wait ran out first. */
  drainedAt: number | undefined;
  ordersPlaced: number;
  /** Notified events whose mail (by its Message-ID) is not in the mailbox. */
  notificationsMissing: number;
  /** Extra copies of a message already delivered (same Message-ID): what a consumer that died between send and record sends again. Absorbed, not a violation. */
  duplicateDeliveries: number;
  /** Placed orders the sales feed has not counted, and (day, product) rows whose figures differ from the order lines counted. */
  analyticsMismatches: number;
  violations: string[];
  notes: string[];
}

/**
 * Waits (up to `boundMs`) until both consumers have handled every event of the window (since,
 * until] (their inboxes hold them), then reconciles what they did against the shop's own rows:
 * - every notified event (placed, shipped, cancelled) has its mail in the mailbox, counted by
 *   Message-ID: each has exactly one message, whatever the copies (`duplicateDeliveries`);
 * - every order placed is counted by the sales feed on the day it was placed, and every
 *   (day, product) it touches has the units, revenue and orders of the order lines the feed
 *   counted there: analytics units == the sum of the order lines.
 * Events still unhandled at the bound are lost (or dead-lettered): a violation each.
 */
export async function reconcileConsumers(sql: Sql, mailDir: string, window: { since: number; until: number }, boundMs: number): Promise<ConsumerReconciliation> {
  const { since, until } = window;
  const deadline = Date.now() + boundMs;
  let left = await unhandled(sql, since, until);
  while ((left.notifier || left.feed) && Date.now() < deadline) {
    await sleep(DRAIN_POLL_MS);
    left = await unhandled(sql, since, until);
  }
  const drainedAt = left.notifier || left.feed ? undefined : Date.now();
  const violations: string[] = [];
  const notes: string[] = [];
  const [counts] = await sql<{ notifier: number; feed: number }[]>`
    SELECT count(*) FILTER (WHERE type = ANY(${[...NOTIFIED_EVENTS]}::text[]))::int AS notifier,
           count(*) FILTER (WHERE type = ANY(${[...COUNTED_EVENTS]}::text[]))::int AS feed
    FROM outbox WHERE id > ${since} AND id <= ${until}`;
  if (left.notifier) violations.push(`${left.notifier} of ${counts!.notifier} events for the order notifier were not handled within ${boundMs / 1000} s (lost or dead-lettered)`);
  if (left.feed) violations.push(`${left.feed} of ${counts!.feed} events for the sales feed were not handled within ${boundMs / 1000} s (lost or dead-lettered)`);

  // Mail, by Message-ID.
  const notified = await sql<{ order_id: string; type: string }[]>`
    SELECT aggregate_id::text AS order_id, type FROM outbox
    WHERE id > ${since} AND id <= ${until} AND type = ANY(${[...NOTIFIED_EVENTS]}::text[])`;
  const mailbox = await new Mailbox(mailDir).countByMessageId();
  let notificationsMissing = 0;
  let duplicateDeliveries = 0;
  for (const n of notified) {
    const copies = mailbox.get(mailboxKey(orderMessageId(Number(n.order_id), n.type))) ?? 0;
    if (copies === 0) notificationsMissing++;
    else duplicateDeliveries += copies - 1;
  }
  if (notificationsMissing) violations.push(`${notificationsMissing} of ${notified.length} order notifications are not in the mailbox (${mailDir})`);
  if (duplicateDeliveries)
    notes.push(
      `${duplicateDeliveries} notifications were delivered twice with the same Message-ID (a consumer died between sending and recording): one message each by Message-ID`,
    );

  // The analytics store against the order lines.
  const [placed] = await sql<{ orders: number; not_counted: number; wrong_day: number }[]>`
    WITH placed AS (
      SELECT aggregate_id AS order_id, ((payload->>'at')::timestamptz AT TIME ZONE ${SALES_DAY_TIME_ZONE})::date AS day
      FROM outbox WHERE type = 'order.placed' AND id > ${since} AND id <= ${until}
    )
    SELECT count(*)::int AS orders,
           count(*) FILTER (WHERE s.order_id IS NULL OR NOT s.placed)::int AS not_counted,
           count(*) FILTER (WHERE s.placed AND NOT s.cancelled AND s.day IS DISTINCT FROM p.day)::int AS wrong_day
    FROM placed p LEFT JOIN analytics.order_sales s ON s.order_id = p.order_id`;
  const wrongRows = await sql<{ day: string; product_id: string; units: number | null; line_units: number; revenue_won: string | null; line_revenue_won: string }[]>`
    WITH placed AS (
      SELECT aggregate_id AS order_id FROM outbox WHERE type = 'order.placed' AND id > ${since} AND id <= ${until}
    ), touched AS (
      SELECT DISTINCT s.day, l.product_id FROM placed p
      JOIN analytics.order_sales s ON s.order_id = p.order_id AND s.day IS NOT NULL
      JOIN order_lines l ON l.order_id = p.order_id
    ), lines AS (
      SELECT s.day, l.product_id, sum(l.quantity)::int AS units, sum(l.quantity::bigint * l.unit_price_won) AS revenue_won, count(*)::int AS orders
      FROM analytics.order_sales s JOIN order_lines l ON l.order_id = s.order_id
      WHERE s.placed AND NOT s.cancelled AND (s.day, l.product_id) IN (SELECT day, product_id FROM touched)
      GROUP BY s.day, l.product_id
    )
    SELECT t.day::text AS day, t.product_id::text AS product_id, d.units, COALESCE(x.units, 0) AS line_units,
           d.revenue_won::text AS revenue_won, COALESCE(x.revenue_won, 0)::text AS line_revenue_won
    FROM touched t
    LEFT JOIN analytics.daily_sales d ON d.day = t.day AND d.product_id = t.product_id
    LEFT JOIN lines x ON x.day = t.day AND x.product_id = t.product_id
    WHERE d.units IS DISTINCT FROM COALESCE(x.units, 0) OR d.revenue_won IS DISTINCT FROM COALESCE(x.revenue_won, 0)
       OR d.orders IS DISTINCT FROM COALESCE(x.orders, 0)`;
  const analyticsMismatches = placed!.not_counted + placed!.wrong_day + wrongRows.length;
  if (placed!.not_counted) violations.push(`${placed!.not_counted} of ${placed!.orders} placed orders are not counted in the analytics store`);
  if (placed!.wrong_day) violations.push(`${placed!.wrong_day} placed orders are counted on another day than they were placed`);
  for (const r of wrongRows.slice(0, 5)) {
    violations.push(
      `analytics for product ${r.product_id} on ${r.day}: ${r.units ?? 'no row'} units, ₩${r.revenue_won ?? 0}; its counted order lines: ${r.line_units} units, ₩${r.line_revenue_won}`,
    );
  }
  if (wrongRows.length > 5) violations.push(`… and ${wrongRows.length - 5} more (day, product) rows that differ from their order lines`);

  return {
    events: counts!.notifier + counts!.feed,
    eventsLost: left.notifier + left.feed,
    drainedAt,
    ordersPlaced: placed!.orders,
    notificationsMissing,
    duplicateDeliveries,
    analyticsMismatches,
    violations,
    notes,
  };
}
