/**
 * Hot-product checkout, naive against group commit (a benchmark, not a test). Starts a
 * throwaway primary (fsync on) with a synchronous streaming standby, as on the twin, loads one
 * product and many customers with one unit each in their carts, then runs the checkout service
 * (stock transaction and test payment, no HTTP) with C concurrent customers:
 *   naive: one transaction per checkout (group commit off), C connections
 *   group: checkouts that arrive together share a transaction (CommitBatcher)
 * Prints orders/s for both and the ratio. Usage: npx tsx shop/bench/hot-checkout.ts [--seconds S] [--clients C]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pino from 'pino';
import postgres from 'postgres';
import { connect, migrate, type Sql } from '../src/index.js';
import { CheckoutService } from '../src/checkout/checkout.service.js';
import { STOCK_LOW_UNITS_DEFAULT } from '../src/config.js';
import { CHECKOUT_LANES, MAX_CHECKOUTS_PER_COMMIT } from '../src/checkout/commit-batcher.js';
import { TestPaymentProvider } from '../src/payments/test-payment-provider.js';
import { PostgresServer } from '@evermall/testkit';
import { Registry, Counter } from 'prom-client';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, clients: { type: 'string', default: '32' }, lanes: { type: 'string', default: String(CHECKOUT_LANES) } },
});
const SECONDS = Number(values.seconds);
const CLIENTS = Number(values.clients);
const CUSTOMERS = 40_000;
const body = {
  shipping: { name: 'Bench', phone: '010-0000-0000', address1: '1 Bench-ro', postalCode: '06236' },
  payment: { card: '4242424242424242' },
};
const say = (m: string) => process.stderr.write(`[hot-checkout] ${m}\n`);

async function loadCustomers(sql: Sql, productId: number): Promise<number[]> {
  const [row] = await sql<{ first: bigint; last: bigint }[]>`
    WITH u AS (
      INSERT INTO users (email, name, password_hash)
      SELECT 'bench-' || g || '@example.test', 'Bench ' || g, 'x' FROM generate_series(1, ${CUSTOMERS}) g RETURNING id
    ), c AS (INSERT INTO carts (id, user_id) SELECT gen_random_uuid(), id FROM u RETURNING id)
    INSERT INTO cart_items (cart_id, product_id, quantity) SELECT id, ${productId}, 1 FROM c
    RETURNING (SELECT min(id) FROM u) AS first, (SELECT max(id) FROM u) AS last`;
  const ids: number[] = [];
  for (let id = Number(row!.first); id <= Number(row!.last); id++) ids.push(id);
  return ids;
}

async function run(label: string, url: string, maxBatch: number, customers: number[]): Promise<number> {
  const sql = connect(url, { max: CLIENTS });
  const registry = new Registry();
  const metrics = {
    ordersPlaced: new Counter({ name: 'o', help: 'o', registers: [registry] }),
    checkoutConflicts: new Counter({ name: 'c', help: 'c', labelNames: ['reason'] as const, registers: [registry] }),
  };
  const sizes: number[] = [];
  const service = new CheckoutService({
    sql,
    lanes: maxBatch === 1 ? CLIENTS : Number(values.lanes),
    maxBatch,
    // The shop's default threshold; the hot product's stock never comes near it.
    stockLowUnits: STOCK_LOW_UNITS_DEFAULT,
    payments: { provider: new TestPaymentProvider() },
    metrics,
    log: pino({ level: 'silent' }),
    onBatchCommitted: (n) => sizes.push(n),
  });
  let orders = 0;
  let failures = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < deadline) {
        const userId = customers.pop();
        if (userId === undefined) return;
        try {
          await service.placeOrder({ id: userId, email: '', name: '', role: 'customer' }, randomUUID(), body);
          orders++;
        } catch {
          failures++;
        }
      }
    }),
  );
  const rate = orders / ((Date.now() - started) / 1000);
  const mean = sizes.length ? sizes.reduce((a, b) => a + b, 0) / sizes.length : 0;
  say(`${label}: ${orders} orders, ${failures} failed, ${rate.toFixed(0)} orders/s, mean batch ${mean.toFixed(1)}`);
  await sql.end();
  return rate;
}

const primary = await PostgresServer.start({ fast: false });
const standby = await PostgresServer.startStandby(primary, { fast: false });
try {
  const admin = postgres(primary.url(), { max: 1, onnotice: () => undefined });
  await admin`ALTER SYSTEM SET synchronous_standby_names = '*'`;
  await admin`SELECT pg_reload_conf()`;
  await admin.unsafe('CREATE DATABASE bench');
  await admin.end();
  const url = primary.url('bench');
  const sql = connect(url, { max: 2 });
  await migrate(sql);
  const [cat] = await sql<{ id: bigint }[]>`INSERT INTO categories (slug, name, name_en) VALUES ('hot', 'Hot', 'Hot') RETURNING id`;
  const [product] = await sql<{ id: bigint }[]>`
    INSERT INTO products (sku, slug, name, price_won, category_id, stock) VALUES ('HOT-1', 'hot-1', 'Hot', 1000, ${Number(cat!.id)}, 100000000) RETURNING id`;
  const customers = await loadCustomers(sql, Number(product!.id));
  const stockBefore = 100_000_000;
  say(`${customers.length} customers loaded; ${CLIENTS} clients, ${SECONDS} s per run, synchronous standby on`);
  const half = customers.length / 2;
  const naive = await run('naive (one transaction per checkout)', url, 1, customers.slice(0, half));
  const group = await run('group commit', url, MAX_CHECKOUTS_PER_COMMIT, customers.slice(half));
  const [check] = await sql<{ stock: number; sold: bigint }[]>`
    SELECT (SELECT stock FROM products WHERE id = ${Number(product!.id)}) AS stock,
           (SELECT COALESCE(sum(quantity), 0) FROM order_lines) AS sold`;
  const oversold = stockBefore - check!.stock - Number(check!.sold);
  await sql.end();
  process.stdout.write(
    `naive ${naive.toFixed(0)} orders/s | group commit ${group.toFixed(0)} orders/s | ratio ${(group / naive).toFixed(2)} | stock + sold - start = ${-oversold}\n`,
  );
} finally {
  await standby.stop();
  await primary.stop();
}
