import type { Sql } from '../db/pools.js';
import { badRequest, notFound } from '../errors.js';
import type { CategoryNode, Product, ProductList, ProductListQuery, Sort } from './catalog.schemas.js';
import { findAllCategories, findCategoryIdsWithDescendants, type CategoryRow } from './categories.repository.js';
import { countProducts, findActiveProductBySlug, findProductPage, toProduct, type KeysetPosition, type ProductFilter, type ProductRow } from './products.repository.js';

export const DEFAULT_SORT: Sort = 'newest';
export const DEFAULT_LIMIT = 24;

/** The category tree, children in their `position` order. */
export async function categoryTree(reader: Sql): Promise<CategoryNode[]> {
  return buildTree(await findAllCategories(reader));
}

export function buildTree(rows: CategoryRow[]): CategoryNode[] {
  const nodes = new Map<number, CategoryNode>();
  for (const r of rows) nodes.set(Number(r.id), { id: Number(r.id), slug: r.slug, name: r.name, nameEn: r.name_en, children: [] });
  const roots: CategoryNode[] = [];
  for (const r of rows) {
    const node = nodes.get(Number(r.id))!;
    const parent = r.parent_id === null ? undefined : nodes.get(Number(r.parent_id));
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

/** Resolves a category slug to its id and its descendants' ids, or throws NOT_FOUND. */
export async function categoryFilter(reader: Sql, slug: string | undefined): Promise<number[] | undefined> {
  if (slug === undefined) return undefined;
  const ids = await findCategoryIdsWithDescendants(reader, slug);
  if (ids.length === 0) throw notFound('Category');
  return ids;
}

export interface ListOptions extends ProductListQuery {
  includeInactive?: boolean;
}

/** One page of products: keyset pages (cursor) by default, offset pages when `page` is given. */
export async function listProducts(reader: Sql, query: ListOptions): Promise<ProductList> {
  const sort = query.sort ?? DEFAULT_SORT;
  const limit = query.limit ?? DEFAULT_LIMIT;
  if (query.cursor !== undefined && query.page !== undefined) {
    throw badRequest('CURSOR_AND_PAGE', 'Use either cursor or page, not both.');
  }
  const filter: ProductFilter = {
    categoryIds: await categoryFilter(reader, query.category),
    q: query.q?.trim() || undefined,
    includeInactive: query.includeInactive,
  };
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, sort);
  const offset = query.page === undefined ? undefined : (query.page - 1) * limit;
  const rows = await findProductPage(reader, { ...filter, sort, limit, after, offset });
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const nextCursor = rows.length > limit && last ? encodeCursor(sort, last) : null;
  const list: ProductList = { items: items.map(toProduct), nextCursor };
  if (query.page !== undefined) {
    list.page = query.page;
    list.total = await countProducts(reader, filter);
  }
  return list;
}

export async function productBySlug(reader: Sql, slug: string): Promise<Product> {
  const row = await findActiveProductBySlug(reader, slug);
  if (!row) throw notFound('Product');
  return toProduct(row);
}

/**
 * Cursors are opaque to clients: base64url of [sort, key, id]. A cursor made for one sort
 * is refused under another, since its key would mean something else.
 */
export function encodeCursor(sort: Sort, row: ProductRow): string {
  const key = sort === 'newest' ? row.created_key : sort === 'name' ? row.name : row.price_won;
  return Buffer.from(JSON.stringify([sort, key, Number(row.id)])).toString('base64url');
}

/** A product name as a cursor key, base64url-encoded, must fit the cursor parameter's 2,048 characters. */
const MAX_CURSOR_KEY_LENGTH = 500;
const POSTGRES_TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

export function decodeCursor(cursor: string, sort: Sort): KeysetPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('INVALID_CURSOR', 'The cursor is not valid; start again from the first page.');
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) {
    throw badRequest('INVALID_CURSOR', 'The cursor is not valid; start again from the first page.');
  }
  const [cursorSort, key, id] = parsed as unknown[];
  const keyOk = sort === 'price_asc' || sort === 'price_desc' ? Number.isSafeInteger(key) : typeof key === 'string' && key.length <= MAX_CURSOR_KEY_LENGTH;
  const dateOk = sort !== 'newest' || (typeof key === 'string' && POSTGRES_TIMESTAMPTZ.test(key));
  if (cursorSort !== sort || !keyOk || !dateOk || !Number.isSafeInteger(id)) {
    throw badRequest('INVALID_CURSOR', 'The cursor does not belong to this listing; start again from the first page.');
  }
  return { key: key as string | number, id: id as number };
}
