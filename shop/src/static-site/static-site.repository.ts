import type { Queryable } from '../db/pools.js';
import type { ProductRow } from '../catalog/products.repository.js';
import type { SiteCategory, SiteProduct } from './pages.js';

/** Any constant works; every instance uses the same one, so one exports at a time. */
const BACKUP_EXPORT_LOCK_ID = 4_242_010;

/** Every category in menu order, each with no children yet (the caller builds the tree). */
export async function listCategories(sql: Queryable): Promise<SiteCategory[]> {
  const rows = await sql<{ id: number | bigint; slug: string; name: string; name_en: string; parent_id: number | bigint | null }[]>`
    SELECT id, slug, name, name_en, parent_id FROM categories ORDER BY position, id`;
  return rows.map((r) => ({
    id: Number(r.id),
    slug: r.slug,
    name: r.name,
    nameEn: r.name_en,
    parentId: r.parent_id === null ? null : Number(r.parent_id),
    children: [],
  }));
}

export type ListedProduct = SiteProduct & { id: number; createdAt: number };

/** The products on sale: the backup site shows nothing else. */
export async function listActiveProducts(sql: Queryable): Promise<ListedProduct[]> {
  const rows = await sql<
    Pick<ProductRow, 'id' | 'slug' | 'name' | 'name_en' | 'description' | 'price_won' | 'stock' | 'category_id' | 'images' | 'created_at'>[]
  >`SELECT id, slug, name, name_en, description, price_won, stock, category_id, images, created_at FROM products WHERE active`;
  return rows.map((r) => ({
    id: Number(r.id),
    slug: r.slug,
    name: r.name,
    nameEn: r.name_en,
    description: r.description,
    priceWon: r.price_won,
    stock: r.stock,
    categoryId: Number(r.category_id),
    images: r.images,
    createdAt: r.created_at.getTime(),
  }));
}

/**
 * Takes the fleet's backup-export lock if it is free. It is transaction-scoped, so `tx` must be a
 * transaction, and the lock is released at its end even if the instance dies mid-export.
 */
export async function tryBackupExportLock(tx: Queryable): Promise<boolean> {
  const [lock] = await tx<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${BACKUP_EXPORT_LOCK_ID}) AS locked`;
  return lock?.locked ?? false;
}

/** True when no instance has exported in the last `seconds` (or none ever has). */
export async function backupExportIsDue(sql: Queryable, seconds: number): Promise<boolean> {
  const [last] = await sql<{ due: boolean }[]>`
    SELECT exported_at < now() - make_interval(secs => ${seconds}) AS due
    FROM backup_site_exports WHERE id = 1`;
  return last?.due ?? true;
}

/** Records the export just made, by whom and which version: the table holds the latest only. */
export async function recordBackupExport(sql: Queryable, instanceId: string, version: string): Promise<void> {
  await sql`
    INSERT INTO backup_site_exports (id, exported_at, instance, version) VALUES (1, now(), ${instanceId}, ${version})
    ON CONFLICT (id) DO UPDATE SET exported_at = EXCLUDED.exported_at, instance = EXCLUDED.instance, version = EXCLUDED.version`;
}
