import { randomBytes } from 'node:crypto';
import type { Sql } from '../db/pools.js';
import type { EventType, ShopEvent } from '../events/outbox-events.js';
import { ORDER_EVENT_PAYLOAD, STOCK_LOW_PAYLOAD } from '../events/outbox-events.js';

/**
 * Orders and their events written straight to the database, with the shop's own payload SQL, for
 * the tests of the event consumers (functions/) and the twin's consumer process: what the relay
 * would publish, without running checkout.
 */

export interface Product {
  id: number;
  sku: string;
  name: string;
  priceWon: number;
  categoryId: number;
}

const tag = () => randomBytes(5).toString('hex');

/** A category and `count` products in it. */
export async function createProducts(sql: Sql, count: number, priceWon = 12_000): Promise<Product[]> {
  const n = tag();
  const [category] = await sql<{ id: bigint }[]>`INSERT INTO categories (slug, name, name_en) VALUES (${`cat-${n}`}, ${`분류 ${n}`}, ${`Category ${n}`}) RETURNING id`;
  const products: Product[] = [];
  for (let i = 0; i < count; i++) {
    const sku = `SKU-${n}-${i}`;
    const name = `상품 ${n}-${i}`;
    const [row] = await sql<{ id: bigint }[]>`
      INSERT INTO products (sku, slug, name, price_won, category_id, stock) VALUES (${sku}, ${`p-${n}-${i}`}, ${name}, ${priceWon}, ${category!.id}, 100) RETURNING id`;
    products.push({ id: Number(row!.id), sku, name, priceWon, categoryId: Number(category!.id) });
  }
  return products;
}

export async function createCustomer(sql: Sql, name = '김민지'): Promise<{ id: number; email: string; name: string }> {
  const email = `customer-${tag()}@example.com`;
  const [row] = await sql<{ id: bigint }[]>`INSERT INTO users (email, name, password_hash) VALUES (${email}, ${name}, 'unused') RETURNING id`;
  return { id: Number(row!.id), email, name };
}

/** An order of `lines`, as checkout writes one (pending payment until an event moves it). */
export async function createOrder(sql: Sql, userId: number, lines: { product: Product; quantity: number }[]): Promise<number> {
  const total = lines.reduce((sum, l) => sum + l.quantity * l.product.priceWon, 0);
  const [order] = await sql<{ id: bigint }[]>`
    INSERT INTO orders (user_id, status, total_won, shipping, idempotency_key, request_hash)
    VALUES (${userId}, 'pending_payment', ${total}, '{}'::jsonb, ${`key-${tag()}`}, 'hash') RETURNING id`;
  for (const l of lines) {
    await sql`
      INSERT INTO order_lines (order_id, product_id, sku, name, unit_price_won, quantity)
      VALUES (${order!.id}, ${l.product.id}, ${l.product.sku}, ${l.product.name}, ${l.product.priceWon}, ${l.quantity})`;
  }
  return Number(order!.id);
}

const eventOf = (r: { id: bigint; aggregate_id: bigint; type: EventType; payload: Record<string, unknown>; created_at: Date }): ShopEvent => ({
  id: Number(r.id),
  type: r.type,
  aggregateId: Number(r.aggregate_id),
  payload: r.payload,
  createdAt: r.created_at.toISOString(),
});

/**
 * Moves an order to `status` and writes the event the shop writes for it, with the shop's own
 * payload SQL (ORDER_EVENT_PAYLOAD), then reads it back as the relay publishes it.
 */
export async function announceOrder(sql: Sql, orderId: number, type: EventType, status: string): Promise<ShopEvent> {
  const [row] = await sql<{ id: bigint; aggregate_id: bigint; type: EventType; payload: Record<string, unknown>; created_at: Date }[]>`
    WITH moved AS (
      UPDATE orders SET status = ${status}, updated_at = now() WHERE id = ${orderId}
      RETURNING id, user_id, status, total_won, updated_at
    )
    INSERT INTO outbox (aggregate_id, type, payload)
    SELECT o.id, ${type}, ${sql.unsafe(ORDER_EVENT_PAYLOAD)} FROM moved o
    RETURNING id, aggregate_id, type, payload, created_at`;
  return eventOf(row!);
}

export async function announceStockLow(sql: Sql, productId: number, stock: number, lowUnits: number): Promise<ShopEvent> {
  const [row] = await sql<{ id: bigint; aggregate_id: bigint; type: EventType; payload: Record<string, unknown>; created_at: Date }[]>`
    WITH p AS (UPDATE products SET stock = ${stock} WHERE id = ${productId} RETURNING id, sku, stock)
    INSERT INTO outbox (aggregate_id, type, payload)
    SELECT p.id, 'stock.low', ${sql.unsafe(STOCK_LOW_PAYLOAD)} || jsonb_build_object('lowUnits', ${lowUnits}::int) FROM p
    RETURNING id, aggregate_id, type, payload, created_at`;
  return eventOf(row!);
}
