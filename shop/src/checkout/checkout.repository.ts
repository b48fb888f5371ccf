import type { Queryable } from '../cart/cart.repository.js';
import type { Shipping } from '../orders/orders.schemas.js';

export interface ReservedLine {
  productId: number;
  sku: string;
  name: string;
  unitPriceWon: number;
  quantity: number;
}

/**
 * Records the idempotency key by inserting the order (pending payment, total filled in later
 * in the same transaction). A second request with the same key waits here on the unique index
 * until the first commits or rolls back, then gets nothing back: duplicates serialize in the DB.
 */
export async function insertOrderForKey(
  sql: Queryable,
  input: { userId: number; idempotencyKey: string; requestHash: string; shipping: Shipping },
): Promise<number | undefined> {
  const [row] = await sql<{ id: number | bigint }[]>`
    INSERT INTO orders (user_id, status, total_won, shipping, idempotency_key, request_hash)
    VALUES (${input.userId}, 'pending_payment', 0, ${sql.json(input.shipping)}, ${input.idempotencyKey}, ${input.requestHash})
    ON CONFLICT (user_id, idempotency_key) DO NOTHING
    RETURNING id`;
  return row ? Number(row.id) : undefined;
}

export async function findOrderByKey(sql: Queryable, userId: number, idempotencyKey: string): Promise<{ id: number; requestHash: string } | undefined> {
  const [row] = await sql<{ id: number | bigint; request_hash: string }[]>`
    SELECT id, request_hash FROM orders WHERE user_id = ${userId} AND idempotency_key = ${idempotencyKey}`;
  return row ? { id: Number(row.id), requestHash: row.request_hash } : undefined;
}

/**
 * The one conditional statement that prevents overselling: it takes the units only if they are
 * there and the product is still sold, and returns the price of this moment. No row means short.
 */
export async function reserveStock(sql: Queryable, productId: number, quantity: number): Promise<ReservedLine | undefined> {
  const [row] = await sql<{ sku: string; name: string; price_won: number }[]>`
    UPDATE products SET stock = stock - ${quantity}
    WHERE id = ${productId} AND stock >= ${quantity} AND active
    RETURNING sku, name, price_won`;
  return row ? { productId, sku: row.sku, name: row.name, unitPriceWon: row.price_won, quantity } : undefined;
}

export async function availableStock(sql: Queryable, productId: number): Promise<{ name: string; available: number }> {
  const [row] = await sql<{ name: string; stock: number; active: boolean }[]>`
    SELECT name, stock, active FROM products WHERE id = ${productId}`;
  return row ? { name: row.name, available: row.active ? row.stock : 0 } : { name: '', available: 0 };
}

export async function insertOrderLines(sql: Queryable, orderId: number, lines: ReservedLine[]): Promise<void> {
  const rows = lines.map((l) => ({
    order_id: orderId,
    product_id: l.productId,
    sku: l.sku,
    name: l.name,
    unit_price_won: l.unitPriceWon,
    quantity: l.quantity,
  }));
  await sql`INSERT INTO order_lines ${sql(rows, 'order_id', 'product_id', 'sku', 'name', 'unit_price_won', 'quantity')}`;
}

export async function setOrderTotal(sql: Queryable, orderId: number, totalWon: number): Promise<void> {
  await sql`UPDATE orders SET total_won = ${totalWon} WHERE id = ${orderId}`;
}

/**
 * Locks every product in the given users' carts, in ascending id order: the fixed lock order a
 * batch of checkouts takes before any of them touches stock, so batches cannot deadlock.
 * (LockRows sits above the sort in the plan, so rows are locked in sorted order.)
 */
export async function lockCartProducts(sql: Queryable, userIds: number[]): Promise<void> {
  await sql`
    SELECT p.id FROM products p
    WHERE p.id IN (SELECT ci.product_id FROM cart_items ci JOIN carts c ON c.id = ci.cart_id WHERE c.user_id = ANY(${userIds}::bigint[]))
    ORDER BY p.id
    FOR UPDATE OF p`;
}
