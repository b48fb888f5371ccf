import type { Queryable, Sql } from '@evermall/shop/db';
import type { ShopEvent } from '@evermall/shop/events';
import { eventConsumers } from '@evermall/topology';
import type { SQSBatchResponse, SQSEvent, SQSHandler } from 'aws-lambda';
import { consumerDatabase } from './consumer-database.js';
import { onceForConsumer } from './consumer-inbox.js';
import { consumerLambda } from './consumer-lambda.js';
import { orderPayloadOf, stockLowPayloadOf, type OrderLine } from './event-payloads.js';
import { sqsBatchHandler, type ConsumerLog } from './sqs-batch.js';

/** The consumer's name in `consumer_inbox`, its queue (SALES_FEED_QUEUE) and its function. */
export const SALES_FEED = 'sales-feed';

/**
 * The sales day is the calendar day in Korea, where the shop sells: the staff charts count days
 * the same way (shop/src/admin/sales.service.ts, SALES_TIME_ZONE).
 */
export const SALES_DAY_TIME_ZONE = 'Asia/Seoul';

/** The events that change the store; `order.paid` and `order.shipped` change no figure and are not recorded. */
export const COUNTED_EVENTS = ['order.placed', 'order.cancelled', 'stock.low'] as const;

export interface SalesFeedDeps {
  sql: Sql;
  lockTimeoutMs?: number;
  log?: ConsumerLog;
  /** Reads the database login again after a refusal (ConsumerDatabase.renewLogin). */
  renewLogin?: () => Promise<boolean>;
}

/**
 * The sales and stock feed: keeps the analytics store (migration 080) that the staff sales charts
 * read.
 * - `order.placed`: the order's lines are added to `analytics.daily_sales` on the day it was
 *   placed (its payload's `at`, in SALES_DAY_TIME_ZONE), per product, with the product's category;
 * - `order.cancelled`: an order the feed counted is taken off that same day again. The payload
 *   does not say whether the order was ever placed (an unpaid order is cancelled too, by expiry,
 *   a declined payment or staff), so `analytics.order_sales` records what was counted; and a
 *   placement that arrives after its cancellation (deliveries out of order on the twin) adds
 *   nothing;
 * - `stock.low`: one row in `analytics.stock_low`;
 * - `order.paid`, `order.shipped` change no figure.
 * Each event's change commits with its row in the inbox (consumer-inbox.ts): exactly once.
 */
export function createSalesFeed(deps: SalesFeedDeps): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const lockTimeoutMs = deps.lockTimeoutMs ?? eventConsumers.lockTimeoutMs;
  const once = (event: ShopEvent, effect: (tx: Queryable) => Promise<void>) => onceForConsumer(deps.sql, SALES_FEED, event.id, lockTimeoutMs, effect);
  return sqsBatchHandler(
    SALES_FEED,
    async (event) => {
      switch (event.type) {
        case 'order.placed': {
          const order = orderPayloadOf(event);
          await once(event, (tx) => countPlaced(tx, order.orderId, order.at, order.lines));
          return;
        }
        case 'order.cancelled': {
          const order = orderPayloadOf(event);
          await once(event, (tx) => countCancelled(tx, order.orderId, order.lines));
          return;
        }
        case 'stock.low': {
          const stock = stockLowPayloadOf(event);
          await once(event, async (tx) => {
            await tx`
              INSERT INTO analytics.stock_low (event_id, product_id, sku, stock, low_units, at)
              VALUES (${event.id}, ${stock.productId}, ${stock.sku}, ${stock.stock}, ${stock.lowUnits}, ${event.createdAt}::timestamptz)
              ON CONFLICT (event_id) DO NOTHING`;
          });
          return;
        }
        case 'order.paid':
        case 'order.shipped':
          return;
      }
    },
    { log: deps.log, renewLogin: deps.renewLogin },
  );
}

/** The order's row in `analytics.order_sales`, locked for this transaction (made first if this is the order's first event). */
async function lockOrderSales(tx: Queryable, orderId: number): Promise<{ day: string | null; placed: boolean; cancelled: boolean }> {
  await tx`INSERT INTO analytics.order_sales (order_id) VALUES (${orderId}) ON CONFLICT (order_id) DO NOTHING`;
  const [row] = await tx<{ day: string | null; placed: boolean; cancelled: boolean }[]>`
    SELECT day::text AS day, placed, cancelled FROM analytics.order_sales WHERE order_id = ${orderId} FOR UPDATE`;
  return row!;
}

async function countPlaced(tx: Queryable, orderId: number, at: string, lines: OrderLine[]): Promise<void> {
  const row = await lockOrderSales(tx, orderId);
  if (row.placed) return;
  const [placed] = await tx<{ day: string | null }[]>`
    UPDATE analytics.order_sales
       SET placed = true,
           day = CASE WHEN cancelled THEN NULL ELSE (${at}::timestamptz AT TIME ZONE ${SALES_DAY_TIME_ZONE})::date END
     WHERE order_id = ${orderId}
     RETURNING day::text AS day`;
  // Cancelled before its placement arrived: the two cancel out.
  if (placed?.day) await addLines(tx, placed.day, lines);
}

async function countCancelled(tx: Queryable, orderId: number, lines: OrderLine[]): Promise<void> {
  const row = await lockOrderSales(tx, orderId);
  if (row.cancelled) return;
  await tx`UPDATE analytics.order_sales SET cancelled = true WHERE order_id = ${orderId}`;
  if (row.placed && row.day) await takeOffLines(tx, row.day, lines);
}

/** The store and the event disagree (a product the shop does not know, a take-off of what was never added): the event fails rather than miscount. */
export class SalesFeedError extends Error {
  override readonly name = 'SalesFeedError';
  readonly code = 'ANALYTICS_MISMATCH';
}

/** An order's lines as one row per product, signed, for jsonb_to_recordset. */
const lineRows = (tx: Queryable, lines: OrderLine[], sign: 1 | -1) =>
  tx.json(lines.map((l) => ({ product_id: l.productId, units: sign * l.quantity, revenue_won: sign * l.quantity * l.unitPriceWon, orders: sign })));

/**
 * Adds an order's lines to `day`, one row per product with the product's category, in product
 * order: rows are locked in that order by every writer (here and in takeOffLines), so two orders
 * never deadlock on them.
 */
async function addLines(tx: Queryable, day: string, lines: OrderLine[]): Promise<void> {
  const written = await tx`
    INSERT INTO analytics.daily_sales AS s (day, product_id, category_id, units, revenue_won, orders)
    SELECT ${day}::date, l.product_id, p.category_id, l.units, l.revenue_won, l.orders
      FROM jsonb_to_recordset(${lineRows(tx, lines, 1)}) AS l(product_id bigint, units int, revenue_won bigint, orders int)
      JOIN products p ON p.id = l.product_id
     ORDER BY l.product_id
    ON CONFLICT (day, product_id) DO UPDATE
      SET units = s.units + EXCLUDED.units, revenue_won = s.revenue_won + EXCLUDED.revenue_won, orders = s.orders + EXCLUDED.orders`;
  if (written.count !== lines.length) throw new SalesFeedError(`${lines.length - written.count} of the order's ${lines.length} products are not in the catalog`);
}

/**
 * Takes an order's lines off `day` again. Every row must be there, and none may go below zero
 * (the table's CHECKs): otherwise the event fails rather than miscount.
 */
async function takeOffLines(tx: Queryable, day: string, lines: OrderLine[]): Promise<void> {
  const productIds = lines.map((l) => l.productId);
  await tx`SELECT 1 FROM analytics.daily_sales WHERE day = ${day}::date AND product_id = ANY(${productIds}::bigint[]) ORDER BY product_id FOR UPDATE`;
  const written = await tx`
    UPDATE analytics.daily_sales AS s
       SET units = s.units + l.units, revenue_won = s.revenue_won + l.revenue_won, orders = s.orders + l.orders
      FROM jsonb_to_recordset(${lineRows(tx, lines, -1)}) AS l(product_id bigint, units int, revenue_won bigint, orders int)
     WHERE s.day = ${day}::date AND s.product_id = l.product_id`;
  if (written.count !== lines.length) throw new SalesFeedError(`${lines.length - written.count} of the order's ${lines.length} products have no sales on ${day} to take off`);
}

/**
 * The entry point Lambda calls (handler `sales-feed.handler`), its database from the environment
 * (CONSUMER_DATABASE_URL and CONSUMER_DATABASE_SECRET_ARN), read at the cold start
 * (consumer-lambda.ts). The twin's runner calls createSalesFeed.
 */
export const handler = consumerLambda(SALES_FEED, async (env) => createSalesFeed(await consumerDatabase(env, SALES_FEED))) satisfies SQSHandler;
