import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { systemPaths } from './system-paths.js';

const run = promisify(execFile);

/**
 * pgbench's worker threads at most: the benchmarks run on two cores, and pgbench must not starve
 * the database it measures.
 */
const MAX_PGBENCH_THREADS = 2;

/** The idempotency keys the naive checkout gives its orders start with this, so a run can remove them. */
export const PGBENCH_ORDER_KEY_PREFIX = 'pgbench-';

/**
 * The naive checkout: the shop's checkout transaction (shop/src/checkout/checkout.repository.ts)
 * as one pgbench script, one transaction per order, the ceiling the benchmarks compare the shop
 * against. Record the key by inserting the order, take the stock with the one conditional UPDATE,
 * insert the line, set the total. `:pid` is the product: one hot row, or a random one of a range.
 */
const NAIVE_CHECKOUT_SCRIPT = `
\\set k1 random(1, 2000000000)
\\set k2 random(1, 2000000000)
BEGIN;
INSERT INTO orders (user_id, status, total_won, shipping, idempotency_key, request_hash)
  VALUES (:uid, 'pending_payment', 0, '{"name":"pgbench"}', '${PGBENCH_ORDER_KEY_PREFIX}' || :client_id || '-' || :k1 || '-' || :k2, 'pgbench')
  ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING id AS order_id \\gset
UPDATE products SET stock = stock - 1 WHERE id = :pid AND stock >= 1 AND active RETURNING price_won \\gset
INSERT INTO order_lines (order_id, product_id, sku, name, unit_price_won, quantity)
  SELECT :order_id, id, sku, name, price_won, 1 FROM products WHERE id = :pid;
UPDATE orders SET total_won = :price_won WHERE id = :order_id;
COMMIT;
`;

export interface PgbenchOptions {
  /** libpq connection URI of the writer (multi-host with target_session_attrs works). */
  url: string;
  clients: number;
  seconds: number;
  /** The customer every order is placed for. */
  userId: number;
  /** One hot product, or a range to spread over. */
  products: { hot: number } | { first: number; last: number };
}

/** Runs the naive checkout; transactions per second from pgbench, excluding connection time. */
export async function runPgbench(o: PgbenchOptions): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-pgbench-'));
  try {
    const pick = 'hot' in o.products ? `\\set pid ${o.products.hot}` : `\\set pid random(${o.products.first}, ${o.products.last})`;
    const script = path.join(dir, 'checkout.sql');
    writeFileSync(script, `${pick}\n\\set uid ${o.userId}\n${NAIVE_CHECKOUT_SCRIPT}`);
    const threads = Math.min(o.clients, MAX_PGBENCH_THREADS);
    const { stdout } = await run(path.join(systemPaths.pgBin, 'pgbench'), ['-n', '-c', String(o.clients), '-j', String(threads), '-T', String(o.seconds), '-f', script, o.url], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
    if (!tps?.[1]) throw new Error(`pgbench printed no tps:\n${stdout.slice(-500)}`);
    return Number(tps[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
