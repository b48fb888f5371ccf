import type { Sql } from '../db/pools.js';
import { productColumns, type ProductRow } from '../catalog/products.repository.js';
import { STOCK_LOW_PAYLOAD } from '../events/outbox-events.js';
import { announceStockLow } from '../events/outbox.repository.js';
import { currentTraceparent } from '../tracing/spans.js';
import type { ProductCreate, ProductUpdate } from './products.schemas.js';

const COLUMNS: Record<keyof ProductUpdate, string> = {
  sku: 'sku',
  slug: 'slug',
  name: 'name',
  nameEn: 'name_en',
  description: 'description',
  priceWon: 'price_won',
  categoryId: 'category_id',
  maxPerCustomer: 'max_per_customer',
  active: 'active',
};

export async function insertProduct(sql: Sql, input: ProductCreate): Promise<ProductRow> {
  const [row] = await sql<ProductRow[]>`
    WITH p AS (
      INSERT INTO products (sku, slug, name, name_en, description, price_won, category_id, stock, max_per_customer, active)
      VALUES (${input.sku}, ${input.slug}, ${input.name}, ${input.nameEn ?? ''}, ${input.description ?? ''},
              ${input.priceWon}, ${input.categoryId}, ${input.stock ?? 0}, ${input.maxPerCustomer ?? null}, ${input.active ?? true})
      RETURNING *
    )
    SELECT ${productColumns(sql)} FROM p JOIN categories c ON c.id = p.category_id`;
  return row!;
}

export async function updateProduct(sql: Sql, id: number, changes: ProductUpdate): Promise<ProductRow | undefined> {
  const values: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(COLUMNS)) {
    const value = changes[field as keyof ProductUpdate];
    if (value !== undefined) values[column] = value;
  }
  const [row] = await sql<ProductRow[]>`
    WITH p AS (
      UPDATE products SET ${sql(values)}, updated_at = now() WHERE id = ${id} RETURNING *
    )
    SELECT ${productColumns(sql)} FROM p JOIN categories c ON c.id = p.category_id`;
  return row;
}

export async function deactivateProduct(sql: Sql, id: number): Promise<ProductRow | undefined> {
  const [row] = await sql<ProductRow[]>`
    WITH p AS (UPDATE products SET active = false, updated_at = now() WHERE id = ${id} RETURNING *)
    SELECT ${productColumns(sql)} FROM p JOIN categories c ON c.id = p.category_id`;
  return row;
}

/**
 * Sets the stock to a counted figure and records the difference, in one transaction. The row
 * lock keeps a checkout from slipping between the read of the old figure and the write. A count
 * that takes the product to `lowUnits` or fewer announces `stock.low` in the same transaction.
 */
export async function setStock(sql: Sql, id: number, stock: number, userId: number, lowUnits: number): Promise<ProductRow | undefined> {
  return sql.begin(async (tx) => {
    const [old] = await tx<{ stock: number }[]>`SELECT stock FROM products WHERE id = ${id} FOR UPDATE`;
    if (!old) return undefined;
    await tx`UPDATE products SET stock = ${stock}, updated_at = now() WHERE id = ${id}`;
    if (stock !== old.stock) {
      await tx`
        INSERT INTO stock_adjustments (product_id, delta, reason, user_id)
        VALUES (${id}, ${stock - old.stock}, 'stock count', ${userId})`;
    }
    if (stock <= lowUnits && old.stock > lowUnits) await announceStockLow(tx, id, lowUnits);
    const [row] = await tx<ProductRow[]>`
      SELECT ${productColumns(tx)} FROM products p JOIN categories c ON c.id = p.category_id WHERE p.id = ${id}`;
    return row;
  });
}

export interface AdjustedRow extends ProductRow {
  adjustment_id: number | bigint;
  adjustment_created_at: Date;
}

/**
 * Adds `delta` (negative to remove) in one conditional UPDATE that never takes stock below 0,
 * and records it in the same statement, with `stock.low` when it takes the product from above
 * `lowUnits` to `lowUnits` or fewer. No row back means: no such product, or not enough stock.
 */
export async function adjustStock(sql: Sql, id: number, delta: number, reason: string, userId: number, lowUnits: number): Promise<AdjustedRow | undefined> {
  const [row] = await sql<AdjustedRow[]>`
    WITH p AS (
      UPDATE products SET stock = stock + ${delta}, updated_at = now()
      WHERE id = ${id} AND stock + ${delta} >= 0
      RETURNING *
    ), adjustment AS (
      INSERT INTO stock_adjustments (product_id, delta, reason, user_id)
      SELECT id, ${delta}, ${reason}, ${userId} FROM p
      RETURNING id, created_at
    ), low AS (
      INSERT INTO outbox (aggregate_id, type, payload, trace_context)
      SELECT p.id, 'stock.low', ${sql.unsafe(STOCK_LOW_PAYLOAD)} || jsonb_build_object('lowUnits', ${lowUnits}::int), ${currentTraceparent() ?? null}::text
      FROM p WHERE p.stock <= ${lowUnits} AND p.stock - ${delta} > ${lowUnits}
    )
    SELECT ${productColumns(sql)}, adjustment.id AS adjustment_id, adjustment.created_at AS adjustment_created_at
    FROM p JOIN categories c ON c.id = p.category_id CROSS JOIN adjustment`;
  return row;
}

export async function findStock(sql: Sql, id: number): Promise<number | undefined> {
  const [row] = await sql<{ stock: number }[]>`SELECT stock FROM products WHERE id = ${id}`;
  return row?.stock;
}

export async function appendImage(sql: Sql, id: number, key: string): Promise<ProductRow | undefined> {
  const [row] = await sql<ProductRow[]>`
    WITH p AS (
      UPDATE products SET images = array_append(images, ${key}), updated_at = now() WHERE id = ${id} RETURNING *
    )
    SELECT ${productColumns(sql)} FROM p JOIN categories c ON c.id = p.category_id`;
  return row;
}
