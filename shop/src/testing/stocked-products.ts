import { randomBytes } from 'node:crypto';
import type { Sql } from '../db/pools.js';

export interface StockedProduct {
  id: number;
  name: string;
  slug: string;
  priceWon: number;
}

/**
 * Inserts a product (and a category for it) straight into the DB, for tests of the cart,
 * checkout and orders that need something to buy without going through the admin API.
 */
export async function stockProduct(sql: Sql, options: { stock: number; priceWon?: number; active?: boolean; name?: string; images?: string[] }): Promise<StockedProduct> {
  const tag = randomBytes(5).toString('hex');
  const [category] = await sql<{ id: bigint }[]>`
    INSERT INTO categories (slug, name, name_en) VALUES (${`test-${tag}`}, '테스트', 'Test') RETURNING id`;
  const name = options.name ?? `Test product ${tag}`;
  const slug = `test-product-${tag}`;
  const priceWon = options.priceWon ?? 10_000;
  const [product] = await sql<{ id: bigint }[]>`
    INSERT INTO products (sku, slug, name, name_en, price_won, category_id, images, active, stock)
    VALUES (${`SKU-${tag}`}, ${slug}, ${name}, ${name}, ${priceWon}, ${Number(category!.id)}, ${sql.array(options.images ?? [])},
            ${options.active ?? true}, ${options.stock})
    RETURNING id`;
  return { id: Number(product!.id), name, slug, priceWon };
}

export async function stockOf(sql: Sql, productId: number): Promise<number> {
  const [row] = await sql<{ stock: number }[]>`SELECT stock FROM products WHERE id = ${productId}`;
  if (!row) throw new Error(`no product ${productId}`);
  return row.stock;
}
