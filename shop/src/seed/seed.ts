import type { Sql } from '../db/pools.js';
import type { MediaStorage } from '../media/media-storage.js';
import { BRANDS, COLOURS, PRODUCT_KINDS, SEED_CATEGORIES, STYLES, type ProductKind } from './catalog-data.js';
import { placeholderSvg, writePlaceholder } from './placeholder-images.js';
import { prngFor, type Random } from './prng.js';

export const DEFAULT_PRODUCT_COUNT = 200;
/** Rows per INSERT: 10 columns × 1,000 rows stays well under Postgres's 65,535 parameters. */
const BATCH_SIZE = 1000;
const SEED = 20261126;
/** Seeded products are dated from here, one minute apart, so "newest" is stable across seeds. */
const FIRST_CREATED_AT = '2026-01-01T00:00:00Z';

export interface SeedOptions {
  sql: Sql;
  /** Where the placeholder images go: the media bucket or MEDIA_DIR (mediaStorageFor). */
  media: MediaStorage;
  products?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SeedResult {
  categories: number;
  productsInserted: number;
  productsTotal: number;
}

interface ProductSeed {
  sku: string;
  slug: string;
  name: string;
  name_en: string;
  description: string;
  price_won: number;
  category_id: number;
  stock: number;
  images: string[];
  created_at: string;
}

const LEAF_SLUGS = Object.keys(PRODUCT_KINDS);

/**
 * Loads the seed catalog. Product n is generated from its own seeded PRNG, so the catalog is the
 * same on every run and `--products 200` is a prefix of `--products 100000`. Categories are
 * upserted by slug and products inserted by SKU with ON CONFLICT DO NOTHING: seeding twice adds
 * nothing.
 */
export async function seedCatalog({ sql, media, products = DEFAULT_PRODUCT_COUNT, onProgress }: SeedOptions): Promise<SeedResult> {
  const categoryIds = await upsertCategories(sql);
  const images = await writePlaceholders(media);
  let inserted = 0;
  for (let start = 1; start <= products; start += BATCH_SIZE) {
    const end = Math.min(products, start + BATCH_SIZE - 1);
    const rows: ProductSeed[] = [];
    for (let n = start; n <= end; n++) rows.push(makeProduct(n, categoryIds, images));
    const result = await sql`
      INSERT INTO products ${sql(rows, 'sku', 'slug', 'name', 'name_en', 'description', 'price_won', 'category_id', 'stock', 'images', 'created_at')}
      ON CONFLICT (sku) DO NOTHING`;
    inserted += result.count;
    onProgress?.(end, products);
  }
  await sql`ANALYZE products`;
  const [total] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM products`;
  return { categories: categoryIds.size, productsInserted: inserted, productsTotal: total?.n ?? 0 };
}

async function upsertCategories(sql: Sql): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const [position, c] of SEED_CATEGORIES.entries()) {
    const parentId = c.parent === undefined ? null : (ids.get(c.parent) ?? null);
    const [row] = await sql<{ id: number | bigint }[]>`
      INSERT INTO categories (slug, name, name_en, parent_id, position)
      VALUES (${c.slug}, ${c.name}, ${c.nameEn}, ${parentId}, ${position})
      ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, name_en = EXCLUDED.name_en, parent_id = EXCLUDED.parent_id, position = EXCLUDED.position
      RETURNING id`;
    ids.set(c.slug, Number(row!.id));
  }
  return ids;
}

/** One placeholder per kind of product and colour, keyed `${kind.nameEn}/${colour}`. */
async function writePlaceholders(media: MediaStorage): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  for (const kinds of Object.values(PRODUCT_KINDS)) {
    for (const kind of kinds) {
      for (const [, colourEn, hex] of COLOURS) {
        keys.set(`${kind.nameEn}/${colourEn}`, await writePlaceholder(media, placeholderSvg(kind.name, kind.nameEn, hex)));
      }
    }
  }
  return keys;
}

const slugify = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** Prices end in 00 won; above 10,000 won they look like 59,000 or 58,900. */
function priceIn(random: Random, kind: ProductKind): number {
  const raw = kind.minWon + random.float() * (kind.maxWon - kind.minWon);
  return raw >= 10000 ? Math.round(raw / 1000) * 1000 - (random.chance(0.5) ? 100 : 0) : Math.round(raw / 100) * 100;
}

function makeProduct(n: number, categoryIds: Map<string, number>, images: Map<string, string>): ProductSeed {
  const random = prngFor(SEED, n);
  // The first products cover every leaf category in turn, so even a small seed has each one.
  const leaf = n <= LEAF_SLUGS.length ? LEAF_SLUGS[n - 1]! : random.pick(LEAF_SLUGS);
  const kind = random.pick(PRODUCT_KINDS[leaf]!);
  const [brand, brandEn] = random.pick(BRANDS);
  const [style, styleEn] = random.pick(STYLES);
  const colour = random.pick(COLOURS);
  const [colourKo, colourEn] = colour;
  const first = random.pick(kind.features);
  const second = random.pick(kind.features.filter((f) => f !== first));
  const sku = `EM-${String(n).padStart(6, '0')}`;
  const image = images.get(`${kind.nameEn}/${colourEn}`)!;
  return {
    sku,
    slug: `${slugify(`${brandEn} ${styleEn} ${kind.nameEn}`)}-${n}`,
    name: `${brand} ${style} ${kind.name} ${colourKo}`,
    name_en: `${brandEn} ${styleEn} ${kind.nameEn}, ${colourEn}`,
    description:
      `${brand}의 ${style} ${kind.name}입니다. ${first[0]}, ${second[0]}. 색상: ${colourKo}.\n` +
      `${styleEn} ${kind.nameEn.toLowerCase()} from ${brandEn}: ${first[1]}, ${second[1]}. Colour: ${colourEn}.`,
    price_won: priceIn(random, kind),
    category_id: categoryIds.get(leaf)!,
    stock: random.chance(0.05) ? 0 : random.int(1, 200),
    images: [image],
    created_at: new Date(Date.parse(FIRST_CREATED_AT) + n * 60_000).toISOString(),
  };
}
