import type { Sql } from '@evermall/shop';
import { startListeningShop, tossShopEnv } from '@evermall/shop/testing';
import { startTossStandin } from '@evermall/testkit';

export interface StandaloneShop {
  baseUrl: string;
  writerUrl: string;
  /** The Toss Payments stand-in the shop charges through (in memory: it goes with the shop). */
  paymentsUrl: string;
  stop(): Promise<void>;
}

export interface StandaloneShopOptions {
  /** Products in the fixture catalog, spread over a few categories. */
  products: number;
  stockPerProduct: number;
}

const CATEGORIES = [
  ['shoes', '신발', 'Shoes'],
  ['bags', '가방', 'Bags'],
  ['kitchen', '주방', 'Kitchen'],
  ['books', '도서', 'Books'],
] as const;
const PRICE_STEP_WON = 1_000;

/** A small catalog written straight to the DB: the drills need products, not the seed's realism. */
async function loadFixtureCatalog(sql: Sql, options: StandaloneShopOptions): Promise<void> {
  for (const [i, [slug, name, nameEn]] of CATEGORIES.entries()) {
    await sql`INSERT INTO categories (slug, name, name_en, position) VALUES (${slug}, ${name}, ${nameEn}, ${i})`;
  }
  for (let i = 1; i <= options.products; i++) {
    const [category, name, nameEn] = CATEGORIES[i % CATEGORIES.length]!;
    await sql`
      INSERT INTO products (sku, slug, name, name_en, description, price_won, category_id, stock)
      VALUES (${`DRILL-${i}`}, ${`${category}-${i}`}, ${`${name} ${i}`}, ${`${nameEn} ${i}`}, ${`Drill fixture ${nameEn} number ${i}`},
              ${i * PRICE_STEP_WON}, (SELECT id FROM categories WHERE slug = ${category}), ${options.stockPerProduct})`;
  }
}

/**
 * One shop instance on a throwaway PostgreSQL, taking payments through a Toss Payments stand-in as
 * the twin's instances do, for drills that need no twin (flash-sale, payment-provider-outage) and
 * for the drills' own tests. Both listen on free ports on 127.0.0.1 and are gone after `stop()`.
 */
export async function startStandaloneShop(options: StandaloneShopOptions): Promise<StandaloneShop> {
  const standin = await startTossStandin();
  try {
    const shop = await startListeningShop({
      prepare: (sql) => loadFixtureCatalog(sql, options),
      env: tossShopEnv(standin, { INSTANCE_ID: 'standalone-1', DATABASE_POOL_MAX: '20' }),
    });
    const stop = async () => {
      await shop.stop();
      await standin.close();
    };
    return { baseUrl: shop.baseUrl, writerUrl: shop.databaseUrl, paymentsUrl: standin.url, stop };
  } catch (err) {
    await standin.close();
    throw err;
  }
}
