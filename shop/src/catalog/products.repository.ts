import type { Queryable, Sql } from '../db/pools.js';
import type { Product, Sort } from './catalog.schemas.js';
import { mediaPicture, mediaUrl } from '../media/media-keys.js';

/** A product row joined with its category, as every product query selects it. */
export interface ProductRow {
  id: number | bigint;
  sku: string;
  slug: string;
  name: string;
  name_en: string;
  description: string;
  price_won: number;
  stock: number;
  max_per_customer: number | null;
  active: boolean;
  images: string[];
  created_at: Date;
  updated_at: Date;
  /** created_at as Postgres text, so a keyset cursor keeps its microseconds. */
  created_key: string;
  category_id: number | bigint;
  category_slug: string;
  category_name: string;
  category_name_en: string;
}

export const productColumns = (sql: Queryable) => sql`
  p.id, p.sku, p.slug, p.name, p.name_en, p.description, p.price_won, p.stock, p.max_per_customer, p.active, p.images,
  p.created_at, p.updated_at, p.created_at::text AS created_key,
  c.id AS category_id, c.slug AS category_slug, c.name AS category_name, c.name_en AS category_name_en`;

export function toProduct(row: ProductRow): Product {
  return {
    id: Number(row.id),
    sku: row.sku,
    slug: row.slug,
    name: row.name,
    nameEn: row.name_en,
    description: row.description,
    priceWon: row.price_won,
    stock: row.stock,
    maxPerCustomer: row.max_per_customer,
    active: row.active,
    category: { id: Number(row.category_id), slug: row.category_slug, name: row.category_name, nameEn: row.category_name_en },
    images: row.images.map(mediaUrl),
    pictures: row.images.map(mediaPicture),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The position after which the next keyset page starts: the sort key and the id. */
export interface KeysetPosition {
  key: string | number;
  id: number;
}

export interface ProductFilter {
  /** Category ids to include (a category and its descendants); undefined means all. */
  categoryIds?: number[];
  q?: string;
  /** Staff lists see inactive products too, and search matches SKUs. */
  includeInactive?: boolean;
}

export interface ProductPageRequest extends ProductFilter {
  sort: Sort;
  limit: number;
  after?: KeysetPosition;
  offset?: number;
}

/** The column each sort orders by, and the direction; `id` breaks ties in the same direction. */
const ORDER = {
  newest: { column: 'created_at', desc: true },
  price_asc: { column: 'price_won', desc: false },
  price_desc: { column: 'price_won', desc: true },
  name: { column: 'name', desc: false },
} as const;

/** LIKE treats % _ and \ specially; a shopper's query is matched literally. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function filterSql(sql: Sql, filter: ProductFilter) {
  const active = filter.includeInactive ? sql`` : sql`AND p.active`;
  const category = filter.categoryIds ? sql`AND p.category_id = ANY(${filter.categoryIds}::bigint[])` : sql``;
  // Full-text ('simple' keeps Korean words whole) finds words in any order; the substring match,
  // served by the pg_trgm index on the same expression, finds partial words such as 운동 or sneak.
  const search = filter.q
    ? sql`AND (p.search @@ plainto_tsquery('simple', ${filter.q})
           OR (p.name || ' ' || p.name_en || ' ' || p.description) ILIKE ${`%${escapeLike(filter.q)}%`}
           ${filter.includeInactive ? sql`OR p.sku ILIKE ${`%${escapeLike(filter.q)}%`}` : sql``})`
    : sql``;
  return sql`${active} ${category} ${search}`;
}

/** Returns up to `limit + 1` rows, so the caller knows whether another page follows. */
export async function findProductPage(sql: Sql, request: ProductPageRequest): Promise<ProductRow[]> {
  const order = ORDER[request.sort];
  const column = sql(`p.${order.column}`);
  const direction = order.desc ? sql`DESC` : sql`ASC`;
  let keyset = sql``;
  if (request.after) {
    // postgres.js would parse the text through a JS Date (milliseconds); cast in SQL to keep microseconds.
    const key = order.column === 'created_at' ? sql`${request.after.key}::text::timestamptz` : sql`${request.after.key}`;
    keyset = order.desc ? sql`AND (${column}, p.id) < (${key}, ${request.after.id})` : sql`AND (${column}, p.id) > (${key}, ${request.after.id})`;
  }
  return sql<ProductRow[]>`
    SELECT ${productColumns(sql)}
    FROM products p JOIN categories c ON c.id = p.category_id
    WHERE true ${filterSql(sql, request)} ${keyset}
    ORDER BY ${column} ${direction}, p.id ${direction}
    LIMIT ${request.limit + 1} OFFSET ${request.offset ?? 0}`;
}

export async function countProducts(sql: Sql, filter: ProductFilter): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM products p WHERE true ${filterSql(sql, filter)}`;
  return row?.n ?? 0;
}

export async function findActiveProductBySlug(sql: Sql, slug: string): Promise<ProductRow | undefined> {
  const [row] = await sql<ProductRow[]>`
    SELECT ${productColumns(sql)}
    FROM products p JOIN categories c ON c.id = p.category_id
    WHERE p.slug = ${slug} AND p.active`;
  return row;
}

export async function findProductById(sql: Sql, id: number): Promise<ProductRow | undefined> {
  const [row] = await sql<ProductRow[]>`
    SELECT ${productColumns(sql)}
    FROM products p JOIN categories c ON c.id = p.category_id
    WHERE p.id = ${id}`;
  return row;
}
