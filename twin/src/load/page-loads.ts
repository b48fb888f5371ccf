import type { CatalogSample } from './catalog.js';
import { isFailure } from './ledger.js';
import type { ShopHttp, ShopResponse } from './shop-http.js';

/** The storefront's pages a shopper opens, as its router and catalog features ask for them (storefront/src). */
export type StorefrontPage = 'home' | 'category' | 'product';

/** How many products the home page features and a category page lists (storefront/src/config/env.ts). */
const FEATURED = 8;
const CATEGORY_PAGE = 24;

/** One page load as a browser does it: the document, then the catalog GETs its SPA makes, all at once. */
export interface PageLoad {
  /** Epoch ms when the document was requested. */
  at: number;
  page: StorefrontPage;
  /** The document or one of its catalog GETs got no answer or a server error: the shopper saw a broken page. */
  failed: boolean;
  /** Its catalog came from the static backup site (`x-front-door: backup`), not from the shop. */
  fromBackup: boolean;
}

const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(Math.random() * items.length)];

/** The document's path and the catalog GETs the SPA makes for it. */
export function pageRequests(page: StorefrontPage, catalog: CatalogSample): { document: string; catalog: string[] } {
  if (page === 'product') {
    const slug = pick(catalog.products)?.slug ?? '';
    return { document: `/p/${encodeURIComponent(slug)}`, catalog: [`/api/products/${encodeURIComponent(slug)}`] };
  }
  if (page === 'category') {
    const slug = pick(catalog.categorySlugs) ?? '';
    const list = new URLSearchParams({ category: slug, sort: 'newest', page: '1', limit: String(CATEGORY_PAGE) });
    return { document: `/c/${encodeURIComponent(slug)}`, catalog: ['/api/categories', `/api/products?${list}`] };
  }
  return { document: '/', catalog: ['/api/categories', `/api/products?${new URLSearchParams({ sort: 'newest', limit: String(FEATURED) })}`] };
}

/** Loads one page: the document and its catalog GETs in parallel, each in the ledger. */
export async function loadPage(http: ShopHttp, page: StorefrontPage, catalog: CatalogSample): Promise<PageLoad> {
  const at = Date.now();
  const { document, catalog: reads } = pageRequests(page, catalog);
  const answers: ShopResponse[] = await Promise.all([
    http.send('open-page', 'GET', document, { headers: { accept: 'text/html' } }),
    ...reads.map((path) => http.send(page === 'product' ? 'browse-product' : 'list-category', 'GET', path)),
  ]);
  return {
    at,
    page,
    failed: answers.some((a) => isFailure(a.status)),
    fromBackup: answers.some((a) => a.headers['x-front-door'] === 'backup'),
  };
}

export interface PageVisitorsOptions {
  visitors: number;
  /** Pause between one visitor's page loads, uniform in [min, max] ms. */
  thinkMs: readonly [number, number];
  /** Hard stop: no visitor runs past this, whatever the caller does. */
  maxDurationMs: number;
}

/**
 * Shoppers who keep opening pages (home, a category, a product, in the shopper mix's proportions
 * of browsing: product 10, category 3 + search 2 counted as lists, home 1), beside the drill's
 * steady load, so a drill can tell what a page load saw rather than what one API call did.
 */
export class PageVisitors {
  readonly loads: PageLoad[] = [];
  private stopped = false;
  private running: Promise<void>[] = [];

  constructor(
    private readonly http: ShopHttp,
    private readonly catalog: CatalogSample,
    private readonly options: PageVisitorsOptions,
  ) {}

  start(): void {
    const deadline = Date.now() + this.options.maxDurationMs;
    const [min, max] = this.options.thinkMs;
    const pages: StorefrontPage[] = [...Array<StorefrontPage>(10).fill('product'), ...Array<StorefrontPage>(5).fill('category'), 'home'];
    this.running = Array.from({ length: this.options.visitors }, async () => {
      while (!this.stopped && Date.now() < deadline) {
        this.loads.push(await loadPage(this.http, pick(pages) ?? 'home', this.catalog));
        await new Promise((r) => setTimeout(r, min + Math.random() * (max - min)));
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }
}
