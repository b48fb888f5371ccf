import type { Queryable } from '../db/pools.js';
import { eventOfStatus, ORDER_EVENT_PAYLOAD } from '../events/outbox-events.js';
import { currentTraceparent } from '../tracing/spans.js';
import type { AdminOrder, Order, OrderStatus, Shipping } from './orders.schemas.js';

interface OrderRow {
  id: number | bigint;
  user_id: number | bigint;
  status: OrderStatus;
  total_won: number;
  shipping: Shipping;
  created_at: Date;
  updated_at: Date;
  from_cart: boolean;
  payment_ref: string | null;
  lines: { productId: number; sku: string; name: string; unitPriceWon: number; quantity: number }[];
  customer_email?: string;
  customer_name?: string;
}

export interface StoredOrder extends Order {
  userId: number;
  /** Checked out from the cart (not a buy now): a declined payment gives the cart back. */
  fromCart: boolean;
  /** The provider's reference of the approved charge. */
  paymentRef: string | null;
}

/** An order with its lines in one round trip; lines come in product id order. */
const ORDER_COLUMNS = `
  o.id, o.user_id, o.status, o.total_won, o.shipping, o.created_at, o.updated_at, o.from_cart, o.payment_ref,
  COALESCE((SELECT json_agg(json_build_object('productId', l.product_id, 'sku', l.sku, 'name', l.name,
                                               'unitPriceWon', l.unit_price_won, 'quantity', l.quantity)
                            ORDER BY l.product_id)
            FROM order_lines l WHERE l.order_id = o.id), '[]'::json) AS lines`;

function toOrder(row: OrderRow): StoredOrder {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    status: row.status,
    lines: row.lines.map((l) => ({ ...l, lineTotalWon: l.unitPriceWon * l.quantity })),
    totalWon: row.total_won,
    shipping: row.shipping,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    fromCart: row.from_cart,
    paymentRef: row.payment_ref,
  };
}

/** The order as its customer sees it. */
export const publicOrder = ({ userId: _userId, fromCart: _fromCart, paymentRef: _paymentRef, ...order }: StoredOrder): Order => order;

const publicOrderWithUser = (order: StoredOrder): Order & { userId: number } => ({ ...publicOrder(order), userId: order.userId });

function toAdminOrder(row: OrderRow): AdminOrder {
  const { userId, ...order } = publicOrderWithUser(toOrder(row));
  return { ...order, customer: { id: userId, email: row.customer_email ?? '', name: row.customer_name ?? '' } };
}

export async function findOrder(sql: Queryable, orderId: number): Promise<StoredOrder | undefined> {
  const [row] = await sql<OrderRow[]>`SELECT ${sql.unsafe(ORDER_COLUMNS)} FROM orders o WHERE o.id = ${orderId}`;
  return row ? toOrder(row) : undefined;
}

/** Newest first, keyset-paginated by id (ids grow with time). */
export async function listOrders(sql: Queryable, filter: { orderId?: number; userId?: number; status?: OrderStatus; beforeId?: number; limit: number }): Promise<AdminOrder[]> {
  const rows = await sql<OrderRow[]>`
    SELECT ${sql.unsafe(ORDER_COLUMNS)}, u.email AS customer_email, u.name AS customer_name
    FROM orders o JOIN users u ON u.id = o.user_id
    WHERE true
      ${filter.orderId === undefined ? sql`` : sql`AND o.id = ${filter.orderId}`}
      ${filter.userId === undefined ? sql`` : sql`AND o.user_id = ${filter.userId}`}
      ${filter.status === undefined ? sql`` : sql`AND o.status = ${filter.status}`}
      ${filter.beforeId === undefined ? sql`` : sql`AND o.id < ${filter.beforeId}`}
    ORDER BY o.id DESC
    LIMIT ${filter.limit}`;
  return rows.map(toAdminOrder);
}

/**
 * Moves an order from one of `from` to `to` and returns its new `updatedAt` if it moved,
 * undefined if not. The conditional update is what makes a transition (and the stock it
 * returns) happen exactly once; the same statement writes the event the move announces
 * (`eventOfStatus`) to the outbox, so the event commits or rolls back with it.
 */
export async function transitionOrder(sql: Queryable, orderId: number, from: readonly OrderStatus[], to: OrderStatus, paymentRef?: string): Promise<Date | undefined> {
  const event = eventOfStatus(to);
  const [row] = await sql<{ updated_at: Date }[]>`
    WITH moved AS (
      UPDATE orders SET status = ${to}, updated_at = now(),
                        payment_ref = COALESCE(${paymentRef ?? null}::text, payment_ref)
      WHERE id = ${orderId} AND status = ANY(${from as OrderStatus[]}::text[])
      RETURNING id, user_id, status, total_won, updated_at
    ), events AS (
      INSERT INTO outbox (aggregate_id, type, payload, trace_context)
      SELECT o.id, ${event ?? null}::text, ${sql.unsafe(ORDER_EVENT_PAYLOAD)}, ${currentTraceparent() ?? null}::text FROM moved o WHERE ${event !== undefined}
    )
    SELECT updated_at FROM moved`;
  return row?.updated_at;
}

export async function orderStatus(sql: Queryable, orderId: number): Promise<OrderStatus | undefined> {
  const [row] = await sql<{ status: OrderStatus }[]>`SELECT status FROM orders WHERE id = ${orderId}`;
  return row?.status;
}

/**
 * Puts an order's units back on the shelf, one product at a time in ascending id order (the
 * lock order checkout uses, so the two cannot deadlock), and records why. Call it only in the
 * transaction that just moved the order out of a stock-holding status.
 */
export async function returnStock(sql: Queryable, orderId: number, reason: string, userId: number | null): Promise<void> {
  const lines = await sql<{ product_id: number | bigint; quantity: number }[]>`
    SELECT product_id, quantity FROM order_lines WHERE order_id = ${orderId} ORDER BY product_id`;
  for (const line of lines) {
    const productId = Number(line.product_id);
    await sql`UPDATE products SET stock = stock + ${line.quantity} WHERE id = ${productId}`;
    await sql`
      INSERT INTO stock_adjustments (product_id, delta, reason, user_id)
      VALUES (${productId}, ${line.quantity}, ${reason}, ${userId})`;
  }
}

/**
 * Moves orders that have waited for their payment longer than `olderThanSeconds` (oldest first,
 * at most `limit`) from `pending_payment` to `expired`, and returns their ids. The rows are
 * locked with SKIP LOCKED: an order another transaction holds (a payment being settled, staff
 * cancelling it, another instance's sweep) is left to that transaction, so sweeps never wait
 * on one another and never take part in a lock cycle with the settler, which locks orders too.
 * The status is checked again on the locked row, so an order that was placed meanwhile stays
 * placed. The same statement writes each expired order's `order.cancelled` to the outbox. Call
 * it in the transaction that then returns the stock (`returnStockOfOrders`).
 */
export async function expireUnpaidOrders(sql: Queryable, olderThanSeconds: number, limit: number): Promise<number[]> {
  const rows = await sql<{ id: number | bigint }[]>`
    WITH due AS (
      SELECT id FROM orders
      WHERE status = 'pending_payment' AND created_at < now() - make_interval(secs => ${olderThanSeconds})
      ORDER BY created_at, id
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), expired AS (
      UPDATE orders o SET status = 'expired', updated_at = now()
      FROM due WHERE o.id = due.id AND o.status = 'pending_payment'
      RETURNING o.id, o.user_id, o.status, o.total_won, o.updated_at
    ), events AS (
      INSERT INTO outbox (aggregate_id, type, payload, trace_context)
      SELECT o.id, 'order.cancelled', ${sql.unsafe(ORDER_EVENT_PAYLOAD)}, ${currentTraceparent() ?? null}::text FROM expired o ORDER BY o.id
    )
    SELECT id FROM expired`;
  return rows.map((r) => Number(r.id));
}

/**
 * Puts the units of many orders back on the shelf and records each order's lines as stock
 * adjustments ("order 12 <why>"): the products are locked first in ascending id order (the lock order checkout
 * uses), then one statement adds every product's units and writes the records. Call it only in
 * the transaction that just moved these orders out of a stock-holding status.
 */
export async function returnStockOfOrders(sql: Queryable, orderIds: readonly number[], why: string): Promise<void> {
  const ids = orderIds as number[];
  await sql`
    SELECT id FROM products
    WHERE id IN (SELECT product_id FROM order_lines WHERE order_id = ANY(${ids}::bigint[]))
    ORDER BY id
    FOR NO KEY UPDATE`;
  await sql`
    WITH returned AS (
      SELECT product_id, sum(quantity)::int AS quantity FROM order_lines
      WHERE order_id = ANY(${ids}::bigint[]) GROUP BY product_id
    ), restocked AS (
      UPDATE products p SET stock = p.stock + r.quantity FROM returned r WHERE p.id = r.product_id
    )
    INSERT INTO stock_adjustments (product_id, delta, reason, user_id)
    SELECT l.product_id, l.quantity, 'order ' || l.order_id || ' ' || ${why}, NULL
    FROM order_lines l WHERE l.order_id = ANY(${ids}::bigint[])
    ORDER BY l.order_id, l.product_id`;
}
