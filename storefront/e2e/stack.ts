/**
 * Everything the browser journeys need, started once for the e2e file: a throwaway PostgreSQL,
 * the migrated and seeded shop listening on a free port, an admin account, the built SPA behind
 * a same-origin front door, and Debian's Chromium driven by playwright-core.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import postgres from 'postgres';
import { chromium, type Browser } from 'playwright-core';
import { buildApp, loadConfig, migrate } from '@evermall/shop';
import { PostgresServer, freePort } from '@evermall/shop/testing';
import { createFrontDoor, listen } from '../scripts/front-door.js';

export const storefrontDir = fileURLToPath(new URL('..', import.meta.url));
const repoDir = path.resolve(storefrontDir, '..');
export const resultsDir = path.join(storefrontDir, 'test-results');
export const ADMIN = { email: 'staff@evermall.test', password: 'staff-password-1' };

export interface Stack {
  baseUrl: string;
  sql: postgres.Sql;
  browser: Browser;
  stop(): Promise<void>;
}

type Sql = Parameters<typeof migrate>[0];

function shopCli(args: string[], env: Record<string, string>): void {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoDir, 'shop/src/cli.ts'), ...args], {
    cwd: repoDir,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`shop ${args[0]} failed: ${result.stderr || result.stdout}`);
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

const CHROMIUM = '/usr/bin/chromium';

export async function startStack(): Promise<Stack> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}. Install it with: node scripts/ensure-system.mjs --for test (or apt-get install -y chromium)`);
  }
  const cleanups: (() => Promise<void> | void)[] = [];
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

    const pg = await PostgresServer.start();
    cleanups.push(() => pg.stop());
    const databaseUrl = pg.url();
    const mediaDir = mkdtempSync(path.join(os.tmpdir(), 'evermall-e2e-media-'));
    cleanups.push(() => rmSync(mediaDir, { recursive: true, force: true }));

    const sql = postgres(databaseUrl, { max: 2, onnotice: () => undefined });
    cleanups.push(() => sql.end({ timeout: 5 }));
    await migrate(sql as unknown as Sql);
    const cliEnv = { DATABASE_URL: databaseUrl, MEDIA_DIR: mediaDir, LOG_LEVEL: 'silent' };
    shopCli(['seed', '--products', '60'], cliEnv);
    shopCli(['create-admin', '--email', ADMIN.email, '--password', ADMIN.password, '--name', 'Staff'], cliEnv);

    const config = loadConfig({
      DATABASE_URL: databaseUrl,
      SESSION_SECRET: 'e2e-secret-e2e-secret-e2e-secret-0123',
      MEDIA_DIR: mediaDir,
      LOG_LEVEL: 'silent',
      DRAIN_SECONDS: '0',
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    });
    const shop: FastifyInstance = await buildApp({ config, logger: false });
    cleanups.push(() => shop.close());
    const shopPort = await freePort();
    await shop.listen({ port: shopPort, host: '127.0.0.1' });

    const frontDoor: http.Server = createFrontDoor({ distDir: path.join(storefrontDir, 'dist'), shopUrl: `http://127.0.0.1:${shopPort}` });
    const port = await listen(frontDoor);
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          frontDoor.closeAllConnections();
          frontDoor.close(() => resolve());
        }),
    );

    // playwright-core gives the browser a fresh, temporary user data dir and removes it on close.
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    cleanups.push(() => browser.close());

    return { baseUrl: `http://127.0.0.1:${port}`, sql, browser, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
