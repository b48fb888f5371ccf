import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { categoryTree, DEFAULT_LIMIT, listProducts } from '../catalog/catalog.service.js';
import type { Product } from '../catalog/catalog.schemas.js';
import type { Sql } from '../db/pools.js';
import { catalogAnswers } from './catalog-answers.js';

/** The catalog service's largest page (catalog.schemas.ts ProductListQuery.limit). */
const PAGE = 100;

/**
 * The site holds the originals its pages show, not their sized variants (which may not even
 * exist yet): its answers list each picture with no sources, so the SPA shows the original.
 */
const originalsOnly = (p: Product): Product => ({ ...p, pictures: p.pictures.map(({ src }) => ({ src, sources: [] })) });

/**
 * Writes the catalog's JSON answers into the backup site at `root` (see catalog-answers.ts): the
 * category tree, every active product as `GET /api/products/:slug` answers it, and the first page
 * of the newest products (the service's default order) as the product list, with no further page (a cursor into a copy would
 * lead nowhere). The answers are the catalog service's own, so the SPA reads them unchanged, but for the pictures' sources (originalsOnly).
 * Returns the number of files written.
 */
export async function exportCatalogAnswers(reader: Sql, root: string): Promise<number> {
  const dir = path.join(root, catalogAnswers.dir);
  await mkdir(path.join(dir, 'products'), { recursive: true });
  const json = (value: unknown) => JSON.stringify(value);
  await writeFile(path.join(dir, 'categories'), json({ items: await categoryTree(reader) }));
  const first = await listProducts(reader, { limit: DEFAULT_LIMIT });
  await writeFile(path.join(dir, catalogAnswers.productListFile), json({ ...first, items: first.items.map(originalsOnly), nextCursor: null }));
  let written = 2;
  let cursor: string | undefined;
  do {
    const page = await listProducts(reader, { limit: PAGE, ...(cursor ? { cursor } : {}) });
    await Promise.all(page.items.map((p) => writeFile(path.join(dir, 'products', p.slug), json(originalsOnly(p)))));
    written += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return written;
}
