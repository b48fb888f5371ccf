import type { Queryable } from '../db/pools.js';
import type { AdminOrder, Order, OrderStatus, Shipping } from './orders.schemas.js';

interface OrderRow {
  id: number | bigint;
  user_id: number | bigint;
  status: OrderStatus;
  total_won: number;
  shipping: Shipping;
  created_at: Date;
  updated_at: Date;
  lines: { productId: number; sku: string; name: string; unitPriceWon: number; quantity: number }[];
  customer_email?: string;
  customer_name?: string;
}

export interface StoredOrder extends Order {
  userId: number;
}

/** An order with its lines in one round trip; lines come in product id order. */
const ORDER_COLUMNS = `
  o.id, o.user_id, o.status, o.total_won, o.shipping, o.created_at, o.updated_at,
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
  };
}

/** The order as its customer sees it. */
export const publicOrder = ({ userId: _userId, ...order }: StoredOrder): Order => order;

function toAdminOrder(row: OrderRow): AdminOrder {
  const { userId, ...order } = toOrder(row);
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
 * returns) happen exactly once.
 */
export async function transitionOrder(sql: Queryable, orderId: number, from: readonly OrderStatus[], to: OrderStatus, paymentRef?: string): Promise<Date | undefined> {
  const [row] = await sql<{ updated_at: Date }[]>`
    UPDATE orders SET status = ${to}, updated_at = now(),
                      payment_ref = COALESCE(${paymentRef ?? null}::text, payment_ref)
    WHERE id = ${orderId} AND status = ANY(${from as OrderStatus[]}::text[])
    RETURNING updated_at`;
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
