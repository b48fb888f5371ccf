/**
 * Everything the browser journeys need, started once for the e2e file: a throwaway PostgreSQL,
 * the migrated and seeded shop listening on a free port, an admin account, the built SPA behind
 * a same-origin front door, and Debian's Chromium driven by playwright-core.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import type { Browser } from 'playwright-core';
import { createAdmin, FolderMediaStorage, seedCatalog, type Sql } from '@evermall/shop';
import { startListeningShop } from '@evermall/shop/testing';
import { launchChromium } from '@evermall/testkit';
import { createFrontDoor, listen } from '../scripts/front-door.js';

export const storefrontDir = fileURLToPath(new URL('..', import.meta.url));
const repoDir = path.resolve(storefrontDir, '..');
export const resultsDir = path.join(storefrontDir, 'test-results');
export const ADMIN = { email: 'staff@evermall.test', password: 'staff-password-1' };
/** Enough products for every journey's listing, search and pagination. */
const SEEDED_PRODUCTS = 60;

export interface Stack {
  baseUrl: string;
  sql: postgres.Sql;
  browser: Browser;
  stop(): Promise<void>;
}

/** Builds dist/ when it is missing or older than the sources, so the journeys test what ships. */
function ensureBuilt(): void {
  const dist = path.join(storefrontDir, 'dist', 'index.html');
  if (existsSync(dist) && process.env.STOREFRONT_REBUILD !== '1') {
    const built = execFileSync('find', [path.join(storefrontDir, 'src'), '-newer', dist, '-type', 'f'], { encoding: 'utf8' }).trim();
    if (!built) return;
  }
  // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  execFileSync(process.execPath, [path.join(repoDir, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: storefrontDir,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

/** The journeys' catalog and the staff account the admin journeys log in with. */
async function stockShop(sql: Sql, mediaDir: string): Promise<void> {
  await seedCatalog({ sql, media: new FolderMediaStorage(mediaDir), products: SEEDED_PRODUCTS });
  await createAdmin(sql, { ...ADMIN, name: 'Staff' });
}

export interface StackOptions {
  /** Shop settings over the test defaults, e.g. PAYMENT_PROVIDER=toss and the Toss stand-in's URLs and keys. */
  shopEnv?: Record<string, string>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  const stop = async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // Keep stopping the rest.
      }
    }
  };
  try {
    mkdirSync(resultsDir, { recursive: true });
    ensureBuilt();

    const shop = await startListeningShop({ prepare: stockShop, env: options.shopEnv });
    cleanups.push(() => shop.stop());
    const sql = postgres(shop.databaseUrl, { max: 2, onnotice: () => undefined });
    cleanups.push(() => sql.end({ timeout: 5 }));

    const frontDoor: http.Server = createFrontDoor({ distDir: path.join(storefrontDir, 'dist'), shopUrl: shop.baseUrl });
    const port = await listen(frontDoor);
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          frontDoor.closeAllConnections();
          frontDoor.close(() => resolve());
        }),
    );

    const browser = await launchChromium();
    cleanups.push(() => browser.close());

    return { baseUrl: `http://127.0.0.1:${port}`, sql, browser, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
