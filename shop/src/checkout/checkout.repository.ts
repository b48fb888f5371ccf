import type { Queryable } from '../db/pools.js';
import { ORDER_EVENT_PAYLOAD, STOCK_LOW_PAYLOAD } from '../events/outbox-events.js';
import { currentTraceparent } from '../tracing/spans.js';
import type { OrderStatus, Shipping } from '../orders/orders.schemas.js';
import { keyOf, purchaseKeyOf, type BatchCart, type BatchJob, type LockedProduct } from './allocation.js';

export interface ReservedLine {
  productId: number;
  sku: string;
  name: string;
  unitPriceWon: number;
  quantity: number;
}

export async function findOrderByKey(sql: Queryable, userId: number, idempotencyKey: string): Promise<{ id: number; requestHash: string } | undefined> {
  const [row] = await sql<{ id: number | bigint; request_hash: string }[]>`
    SELECT id, request_hash FROM orders WHERE user_id = ${userId} AND idempotency_key = ${idempotencyKey}`;
  return row ? { id: Number(row.id), requestHash: row.request_hash } : undefined;
}

/* ---- Set-based statements for a batch of checkouts (group commit; see allocation.ts). ---- */

/** The carts of the given users, lines in ascending product id. */
export async function readCarts(sql: Queryable, userIds: readonly number[]): Promise<Map<number, BatchCart>> {
  const rows = await sql<{ user_id: number | bigint; cart_id: string; product_id: number | bigint; quantity: number }[]>`
    SELECT c.user_id, c.id AS cart_id, ci.product_id, ci.quantity
    FROM carts c JOIN cart_items ci ON ci.cart_id = c.id
    WHERE c.user_id = ANY(${userIds as number[]}::bigint[])
    ORDER BY c.user_id, ci.product_id`;
  const carts = new Map<number, BatchCart>();
  for (const r of rows) {
    const userId = Number(r.user_id);
    let cart = carts.get(userId);
    if (!cart) carts.set(userId, (cart = { cartId: r.cart_id, items: [] }));
    cart.items.push({ productId: Number(r.product_id), quantity: r.quantity });
  }
  return carts;
}

/** Which of these (user, key) pairs already hold an order. */
export async function findUsedKeys(sql: Queryable, jobs: readonly BatchJob[]): Promise<Set<string>> {
  const rows = await sql<{ user_id: number | bigint; idempotency_key: string }[]>`
    SELECT o.user_id, o.idempotency_key
    FROM orders o
    JOIN unnest(${jobs.map((j) => j.userId)}::bigint[], ${jobs.map((j) => j.idempotencyKey)}::text[]) AS k(user_id, idempotency_key)
      ON o.user_id = k.user_id AND o.idempotency_key = k.idempotency_key`;
  return new Set(rows.map((r) => keyOf(Number(r.user_id), r.idempotency_key)));
}

/**
 * Locks the products in ascending id order (the fixed lock order, so batches, single checkouts
 * and cancellations cannot deadlock; LockRows sits above the sort in the plan) and reads them.
 * FOR NO KEY UPDATE is the lock the stock UPDATE takes anyway; unlike FOR UPDATE it lets
 * cart_items and order_lines rows that reference the product (FOR KEY SHARE) be written
 * meanwhile, so adding to a cart never waits for a checkout batch.
 */
export async function lockProducts(sql: Queryable, productIds: readonly number[]): Promise<Map<number, LockedProduct>> {
  const rows = await sql<{ id: number | bigint; sku: string; name: string; price_won: number; stock: number; active: boolean; max_per_customer: number | null }[]>`
    SELECT id, sku, name, price_won, stock, active, max_per_customer FROM products
    WHERE id = ANY(${productIds as number[]}::bigint[])
    ORDER BY id
    FOR NO KEY UPDATE`;
  return new Map(
    rows.map((r) => [Number(r.id), { id: Number(r.id), sku: r.sku, name: r.name, priceWon: r.price_won, stock: r.stock, active: r.active, maxPerCustomer: r.max_per_customer }]),
  );
}

/**
 * What these customers already hold of those of these products that have a per-customer limit,
 * over their orders that kept their stock (not cancelled, declined or expired), by
 * purchaseKeyOf. Send it after `lockProducts` in the same transaction (pipelined, it costs no
 * round trip): a statement reads what was committed when it starts, so it then sees the orders
 * of a batch that held the same products' locks before this one.
 */
export async function readPurchases(sql: Queryable, userIds: readonly number[], productIds: readonly number[]): Promise<Map<string, number>> {
  // It runs under the batch's product locks, so its cost must not grow with the shop's history:
  // the uncorrelated EXISTS is a one-time filter (no limited product, the common case: nothing
  // is read), and the lateral subquery with OFFSET 0 (not flattened into a join) makes the plan
  // walk these customers' orders and look up each one's lines by primary key, where a hash join
  // would scan every order line ever sold.
  const rows = await sql<{ user_id: number | bigint; product_id: number | bigint; quantity: number }[]>`
    WITH limited AS MATERIALIZED (
      SELECT id FROM products WHERE id = ANY(${productIds as number[]}::bigint[]) AND max_per_customer IS NOT NULL
    )
    SELECT o.user_id, l.product_id, sum(l.quantity)::int AS quantity
    FROM orders o
    CROSS JOIN LATERAL (
      SELECT product_id, quantity FROM order_lines
      WHERE order_id = o.id AND product_id = ANY(ARRAY(SELECT id FROM limited))
      OFFSET 0
    ) l
    WHERE EXISTS (SELECT FROM limited)
      AND o.user_id = ANY(${userIds as number[]}::bigint[])
      AND o.status NOT IN ('cancelled', 'payment_declined', 'expired')
    GROUP BY o.user_id, l.product_id`;
  return new Map(rows.map((r) => [purchaseKeyOf(Number(r.user_id), Number(r.product_id)), r.quantity]));
}

export interface NewOrder {
  userId: number;
  idempotencyKey: string;
  requestHash: string;
  totalWon: number;
  shipping: Shipping;
  /** A cart checkout, not a buy now. */
  fromCart: boolean;
  /** The card flow charges right after this commit: the payment is in doubt from now until settled. */
  chargesNow: boolean;
}

export interface InsertedOrder {
  id: number;
  userId: number;
  idempotencyKey: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Inserts the orders (pending payment), recording their idempotency keys. A key another
 * transaction committed meanwhile makes this statement wait for it and then skip that row:
 * the caller compares what came back with what it sent.
 */
export async function insertOrders(sql: Queryable, orders: readonly NewOrder[]): Promise<InsertedOrder[]> {
  const rows = await sql<{ id: number | bigint; user_id: number | bigint; idempotency_key: string; created_at: Date; updated_at: Date }[]>`
    INSERT INTO orders (user_id, status, total_won, shipping, idempotency_key, request_hash, from_cart, payment_unsettled_since)
    SELECT o.user_id, 'pending_payment', o.total_won, o.shipping::jsonb, o.idempotency_key, o.request_hash, o.from_cart::boolean,
           CASE WHEN o.charges_now::boolean THEN now() END
    FROM unnest(${orders.map((o) => o.userId)}::bigint[], ${orders.map((o) => o.totalWon)}::int[],
                ${orders.map((o) => JSON.stringify(o.shipping))}::text[], ${orders.map((o) => o.idempotencyKey)}::text[],
                ${orders.map((o) => o.requestHash)}::text[], ${orders.map((o) => String(o.fromCart))}::text[],
                ${orders.map((o) => String(o.chargesNow))}::text[]) AS o(user_id, total_won, shipping, idempotency_key, request_hash, from_cart, charges_now)
    ON CONFLICT (user_id, idempotency_key) DO NOTHING
    RETURNING id, user_id, idempotency_key, created_at, updated_at`;
  // (The flags travel as text: postgres.js sends a JS array of booleans as one boolean, not boolean[].)
  return rows.map((r) => ({ id: Number(r.id), userId: Number(r.user_id), idempotencyKey: r.idempotency_key, createdAt: r.created_at, updatedAt: r.updated_at }));
}

/**
 * The one conditional statement that prevents overselling: it takes the units (per product,
 * summed over the batch) only if they are there and the product is still sold. The batch has
 * already checked this against the rows it holds locked; the condition is the guard that holds
 * even if that check were wrong. Returns how many products
 * were updated: fewer than asked means the batch must not commit.
 * A product this takes from above `lowUnits` to `lowUnits` or fewer is announced `stock.low` by
 * the same statement (once per crossing: a restock above it arms it again).
 */
export async function takeStock(sql: Queryable, takes: ReadonlyMap<number, number>, lowUnits: number): Promise<number> {
  const rows = await sql`
    WITH taken AS (
      UPDATE products p SET stock = p.stock - t.quantity
      FROM unnest(${[...takes.keys()]}::bigint[], ${[...takes.values()]}::int[]) AS t(id, quantity)
      WHERE p.id = t.id AND p.stock >= t.quantity AND p.active
      RETURNING p.id, p.sku, p.stock, p.stock + t.quantity AS stock_before
    ), low AS (
      INSERT INTO outbox (aggregate_id, type, payload, trace_context)
      SELECT p.id, 'stock.low', ${sql.unsafe(STOCK_LOW_PAYLOAD)} || jsonb_build_object('lowUnits', ${lowUnits}::int), ${currentTraceparent() ?? null}::text
      FROM taken p WHERE p.stock <= ${lowUnits} AND p.stock_before > ${lowUnits}
      ORDER BY p.id
    )
    SELECT id FROM taken`;
  return rows.length;
}

export async function insertLinesOfOrders(sql: Queryable, lines: readonly (ReservedLine & { orderId: number })[]): Promise<void> {
  await sql`
    INSERT INTO order_lines (order_id, product_id, sku, name, unit_price_won, quantity)
    SELECT * FROM unnest(${lines.map((l) => l.orderId)}::bigint[], ${lines.map((l) => l.productId)}::bigint[], ${lines.map((l) => l.sku)}::text[],
                         ${lines.map((l) => l.name)}::text[], ${lines.map((l) => l.unitPriceWon)}::int[], ${lines.map((l) => l.quantity)}::int[])`;
}

/**
 * Removes the ordered lines from their carts. Only the lines that were ordered: a product put
 * in the cart while the batch ran stays there.
 */
export async function removeOrderedCartItems(sql: Queryable, items: readonly { cartId: string; productId: number }[]): Promise<void> {
  await sql`
    DELETE FROM cart_items ci
    USING unnest(${items.map((i) => i.cartId)}::uuid[], ${items.map((i) => i.productId)}::bigint[]) AS t(cart_id, product_id)
    WHERE ci.cart_id = t.cart_id AND ci.product_id = t.product_id`;
}

/**
 * Marks orders placed after their payment was approved, only from `pending_payment` (so each
 * transition happens once), and returns the new `updatedAt` of those that moved. The same
 * statement writes each moved order's `order.placed` to the outbox: one event per placed order,
 * committed with it, with no statement added to the batch. Each event carries the trace context
 * of the confirm that placed its order (`traceparent`), which may differ within a batch.
 */
export async function markOrdersPlaced(
  sql: Queryable,
  settlements: readonly { orderId: number; paymentRef: string; traceparent?: string | undefined }[],
): Promise<Map<number, Date>> {
  const rows = await sql<{ id: number | bigint; updated_at: Date }[]>`
    WITH placed AS (
      UPDATE orders o SET status = 'placed', updated_at = now(), payment_ref = t.payment_ref, payment_unsettled_since = NULL
      FROM unnest(${settlements.map((s) => s.orderId)}::bigint[], ${settlements.map((s) => s.paymentRef)}::text[],
                  ${settlements.map((s) => s.traceparent ?? null)}::text[]) AS t(id, payment_ref, trace_context)
      WHERE o.id = t.id AND o.status = 'pending_payment'
      RETURNING o.id, o.user_id, o.status, o.total_won, o.updated_at, t.trace_context
    ), events AS (
      INSERT INTO outbox (aggregate_id, type, payload, trace_context)
      SELECT o.id, 'order.placed', ${sql.unsafe(ORDER_EVENT_PAYLOAD)}, o.trace_context FROM placed o ORDER BY o.id
    )
    SELECT id, updated_at FROM placed`;
  return new Map(rows.map((r) => [Number(r.id), r.updated_at]));
}

/**
 * Marks an order's payment in doubt (a charge or confirm is about to be sent, or one just failed
 * without an answer), if it still waits for its payment. Answers whether it does.
 */
export async function markPaymentUnsettled(sql: Queryable, orderId: number): Promise<boolean> {
  const rows = await sql`UPDATE orders SET payment_unsettled_since = now() WHERE id = ${orderId} AND status = 'pending_payment' RETURNING id`;
  return rows.length > 0;
}

/** The payment's outcome is known and written (or nothing is owed): the reconciler may forget the order. */
export async function markPaymentSettled(sql: Queryable, orderId: number): Promise<void> {
  await sql`UPDATE orders SET payment_unsettled_since = NULL WHERE id = ${orderId}`;
}

/**
 * Claims up to `limit` orders whose payment has been in doubt for `afterSeconds` or more, oldest
 * first, by moving their mark to now: another instance's reconciler skips them (SKIP LOCKED
 * while this runs, and the fresh mark after) until `afterSeconds` pass again, so instances
 * share the work without a lock, and an instance that dies mid-round leaves its claims to lapse.
 */
export async function claimUnsettledPayments(
  sql: Queryable,
  afterSeconds: number,
  limit: number,
): Promise<{ id: number; userId: number; status: OrderStatus; totalWon: number }[]> {
  const rows = await sql<{ id: number | bigint; user_id: number | bigint; status: OrderStatus; total_won: number }[]>`
    UPDATE orders o SET payment_unsettled_since = now()
    FROM (
      SELECT id FROM orders
      WHERE payment_unsettled_since < now() - make_interval(secs => ${afterSeconds})
      ORDER BY payment_unsettled_since, id
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ) due
    WHERE o.id = due.id
    RETURNING o.id, o.user_id, o.status, o.total_won`;
  return rows.map((r) => ({ id: Number(r.id), userId: Number(r.user_id), status: r.status, totalWon: r.total_won }));
}
