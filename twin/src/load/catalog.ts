import type { ShopHttp } from './shop-http.js';

/** What shoppers know of the catalog before the run: enough to pick realistic requests. */
export interface CatalogSample {
  products: { id: number; slug: string; stock: number; categorySlug: string; words: string[] }[];
  categorySlugs: string[];
  searchTerms: string[];
}

interface ProductJson {
  id: number;
  slug: string;
  stock?: number;
  nameEn?: string;
  name?: string;
  category?: { slug?: string };
}

/** Pages of the product list read to learn the catalog; a shopper does not need all of it. */
const PAGE_SIZE = 100;
const MAX_PAGES = 5;
const MIN_SEARCH_WORD = 3;

const itemsOf = (body: unknown): unknown[] => {
  if (Array.isArray(body)) return body;
  if (body && typeof body === 'object') {
    const o = body as Record<string, unknown>;
    for (const k of ['items', 'categories', 'products', 'data']) if (Array.isArray(o[k])) return o[k];
  }
  return [];
};

function flattenCategories(nodes: unknown[], into: string[]): string[] {
  for (const n of nodes) {
    const node = n as { slug?: unknown; children?: unknown };
    if (typeof node.slug === 'string') into.push(node.slug);
    if (Array.isArray(node.children)) flattenCategories(node.children, into);
  }
  return into;
}

/** Reads categories and the first pages of products through the same door the shoppers use. */
export async function sampleCatalog(http: ShopHttp): Promise<CatalogSample> {
  const categories = await http.send('probe', 'GET', '/api/categories');
  if (categories.status !== 200) {
    throw new Error(`GET /api/categories answered ${categories.status || categories.error}: is the shop up and seeded at ${http.origin}?`);
  }
  const products: CatalogSample['products'] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const qs = new URLSearchParams({ limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) });
    const res = await http.send('probe', 'GET', `/api/products?${qs}`);
    if (res.status !== 200) throw new Error(`GET /api/products answered ${res.status || res.error}: is the shop up and seeded?`);
    for (const item of itemsOf(res.body) as ProductJson[]) {
      const words = `${item.nameEn ?? ''} ${item.name ?? ''}`.split(/\s+/).filter((w) => w.length >= MIN_SEARCH_WORD);
      products.push({ id: item.id, slug: item.slug, stock: item.stock ?? 0, categorySlug: item.category?.slug ?? '', words });
    }
    const next = (res.body as { nextCursor?: unknown }).nextCursor;
    cursor = typeof next === 'string' ? next : null;
    if (!cursor) break;
  }
  if (products.length === 0) throw new Error('The catalog is empty: seed it first (npm run seed -w shop).');
  const searchTerms = [...new Set(products.flatMap((p) => p.words.slice(0, 1)))];
  return { products, categorySlugs: flattenCategories(itemsOf(categories.body), []), searchTerms };
}
