import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { buildApp, loadConfig, migrate, type Sql } from '@evermall/shop';
import { PostgresServer } from '@evermall/shop/testing';

export interface StandaloneShop {
  baseUrl: string;
  writerUrl: string;
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
/** Fixed, not random: the shop only needs a secret of the right length here. */
const SESSION_SECRET = 'standalone-drill-secret-0123456789abcdef';

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
 * One shop instance on a throwaway PostgreSQL, for drills that need no twin (flash-sale) and for
 * the drills' own tests. It listens on a free port on 127.0.0.1 and is gone after `stop()`.
 */
export async function startStandaloneShop(options: StandaloneShopOptions): Promise<StandaloneShop> {
  const server = await PostgresServer.start();
  const mediaDir = mkdtempSync(path.join(os.tmpdir(), 'evermall-drill-media-'));
  try {
    const admin = postgres(server.url(), { max: 1, onnotice: () => undefined });
    await admin.unsafe('CREATE DATABASE evermall');
    await admin.end();
    const writerUrl = server.url('evermall');
    const sql = postgres(writerUrl, { max: 2, onnotice: () => undefined }) as unknown as Sql;
    await migrate(sql);
    await loadFixtureCatalog(sql, options);
    await sql.end();
    const config = loadConfig({
      DATABASE_URL: writerUrl,
      SESSION_SECRET,
      MEDIA_DIR: mediaDir,
      ZONE: 'a',
      INSTANCE_ID: 'standalone-1',
      LOG_LEVEL: 'warn',
      DRAIN_SECONDS: '0',
      DATABASE_POOL_MAX: '20',
    });
    const app = await buildApp({ config, logger: false });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    return {
      baseUrl: address,
      writerUrl,
      async stop() {
        await app.close();
        await server.stop();
        rmSync(mediaDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await server.stop();
    rmSync(mediaDir, { recursive: true, force: true });
    throw err;
  }
}
