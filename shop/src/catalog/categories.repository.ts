import type { Sql } from '../db/pools.js';

export interface CategoryRow {
  id: number | bigint;
  slug: string;
  name: string;
  name_en: string;
  parent_id: number | bigint | null;
  position: number;
}

export async function findAllCategories(sql: Sql): Promise<CategoryRow[]> {
  return sql<CategoryRow[]>`SELECT id, slug, name, name_en, parent_id, position FROM categories ORDER BY position, id`;
}

/** The category with this slug and every category below it; empty when the slug is unknown. */
export async function findCategoryIdsWithDescendants(sql: Sql, slug: string): Promise<number[]> {
  const rows = await sql<{ id: number | bigint }[]>`
    WITH RECURSIVE tree AS (
      SELECT id FROM categories WHERE slug = ${slug}
      UNION ALL
      SELECT c.id FROM categories c JOIN tree t ON c.parent_id = t.id
    )
    SELECT id FROM tree`;
  return rows.map((r) => Number(r.id));
}
