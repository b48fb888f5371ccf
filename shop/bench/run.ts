/**
 * The shop benchmark (not a test): seeds a catalog into a throwaway PostgreSQL (fsync on),
 * starts one shop instance, and measures with autocannon the product list, product detail and
 * checkout of one hot product; then runs the test kit's pgbench naive checkout (the shop's checkout
 * transaction, one order per transaction) against the same database as the ceiling. Prints a table and `shop orders/s ÷ pgbench tps`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon, { type Result } from 'autocannon';
import { CookieJar, freePort, PostgresServer, runPgbench } from '@evermall/testkit';
import postgres from 'postgres';
import { connect, migrate, type Sql } from '../src/index.js';
import { FolderMediaStorage } from '../src/media/folder-media-storage.js';
import { seedCatalog } from '../src/seed/seed.js';

const USAGE = `Usage: npm run bench -w shop [-- options]

Options:
  --products N         catalog size to seed (default 10000)
  --duration S         seconds per autocannon run and for pgbench (default 10)
  --connections C      autocannon connections (default 20)
  --pgbench-clients C  pgbench clients (default 8)
  -h, --help           show this help

Progress goes to stderr, the results table to stdout.`;

const SERVER = fileURLToPath(new URL('../src/server.ts', import.meta.url));
/** Enough stock that the hot product never sells out during a run. */
const HOT_STOCK = 100_000_000;
const SHIPPING = { name: '김지우', phone: '010-1234-5678', address1: '서울특별시 강남구 테헤란로 1', postalCode: '06236', city: '서울' };
const TEST_CARD = '4242 4242 4242 4242';

const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);

interface Row {
  scenario: string;
  rate: string;
  p50: string;
  p99: string;
  note: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      products: { type: 'string', default: '10000' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '20' },
      'pgbench-clients': { type: 'string', default: '8' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const products = Number(values.products);
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const pgbenchClients = Number(values['pgbench-clients']);
  for (const [name, n] of Object.entries({ products, duration, connections, pgbenchClients })) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number`);
  }

  const work = mkdtempSync(path.join(os.tmpdir(), 'evermall-bench-'));
  let pg: PostgresServer | undefined;
  let shop: ChildProcess | undefined;
  let sql: Sql | undefined;
  const cleanup = async () => {
    if (shop && shop.exitCode === null) {
      shop.kill('SIGTERM');
      await new Promise((r) => shop!.once('exit', r));
    }
    await sql?.end({ timeout: 5 });
    await pg?.stop();
    rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    progress('interrupted; cleaning up');
    void cleanup().finally(() => process.exit(130));
  });

  try {
    progress('starting PostgreSQL 15 (fsync on)');
    pg = await PostgresServer.start({ fast: false });
    const admin = postgres(pg.url(), { max: 1, onnotice: () => undefined });
    await admin.unsafe('CREATE DATABASE evermall');
    await admin.end();
    const databaseUrl = pg.url('evermall');
    sql = connect(databaseUrl, { max: 4 });
    await migrate(sql);

    const mediaDir = path.join(work, 'media');
    progress(`seeding ${products.toLocaleString('en')} products`);
    let lastShown = 0;
    await seedCatalog({
      sql,
      media: new FolderMediaStorage(mediaDir),
      products,
      onProgress: (done, total) => {
        if (done === total || done - lastShown >= total / 10) {
          lastShown = done;
          progress(`  ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`);
        }
      },
    });
    const [hot] = await sql<{ id: number }[]>`
      INSERT INTO products (sku, slug, name, name_en, price_won, category_id, stock)
      VALUES ('BENCH-HOT', 'bench-hot-product', '한정판 운동화', 'Limited sneakers', 99000, (SELECT min(id) FROM categories), ${HOT_STOCK})
      RETURNING id::int AS id`;
    const hotId = hot!.id;
    const slugs = (await sql<{ slug: string }[]>`SELECT slug FROM products WHERE active ORDER BY id LIMIT 1000`).map((r) => r.slug);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    progress(`starting the shop on ${base}`);
    shop = spawn(process.execPath, ['--import', 'tsx', SERVER], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl,
        MEDIA_DIR: mediaDir,
        SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-01',
        LOG_LEVEL: 'warn',
        DRAIN_SECONDS: '0',
        // Every bench shopper registers from this one address.
        LOGIN_RATE_LIMIT_PER_MINUTE: '1000000',
        REGISTER_RATE_LIMIT_PER_HOUR: '1000000',
        // Each bench connection is one customer checking out again and again.
        CHECKOUT_RATE_LIMIT_PER_MINUTE: '1000000',
        ZONE: 'a',
        INSTANCE_ID: 'bench-1',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitForHealth(base, shop);

    const rows: Row[] = [];
    const latencyRow = (scenario: string, r: Result, note = ''): Row => ({
      scenario,
      rate: `${Math.round(r.requests.average)} req/s`,
      p50: `${r.latency.p50} ms`,
      p99: `${r.latency.p99} ms`,
      note: [note, r.non2xx ? `${r.non2xx} non-2xx` : '', r.errors ? `${r.errors} errors` : ''].filter(Boolean).join(', '),
    });

    // The first requests compile and JIT the whole request path; keep them out of the figures.
    progress('warming up');
    await autocannon({ url: `${base}/api/products?limit=24`, connections, duration: Math.min(3, duration) });
    await autocannon({ url: `${base}/api/products/${slugs[0]}`, connections, duration: Math.min(3, duration) });

    progress(`product list: ${duration} s, ${connections} connections`);
    const list = await autocannon({ url: `${base}/api/products?limit=24`, connections, duration });
    rows.push(latencyRow('GET /api/products (24 newest)', list));

    progress('product list with search and category');
    const search = await autocannon({ url: `${base}/api/products?q=${encodeURIComponent('운동화')}&category=fashion&sort=price_asc&limit=24`, connections, duration });
    rows.push(latencyRow('GET /api/products?q=운동화&category', search));

    progress('product detail');
    let pick = 0;
    const detail = await autocannon({
      url: base,
      connections,
      duration,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/products/${slugs[pick++ % slugs.length]}` }) }],
    });
    rows.push(latencyRow('GET /api/products/:slug', detail, `${slugs.length} different products`));

    progress(`registering ${connections} customers`);
    const cookies: string[] = [];
    for (let i = 0; i < connections; i++) cookies.push(await registerCustomer(base, i));

    progress('checkout of one hot product (add to cart, then POST /api/checkout)');
    const [before] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM orders`;
    // Each connection is one customer for the whole run: autocannon clears a connection's context
    // every time its request sequence starts over, so the cookie goes into the initial context.
    let nextCustomer = 0;
    const checkoutStatuses = new Map<string, number>();
    const customerOf = (context: Record<string, unknown>) => (context.cookie as string | undefined) ?? cookies[0]!;
    const json = (cookie: string, extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', cookie, ...extra });
    const checkout = await autocannon({
      url: base,
      connections,
      duration,
      setupClient: (client) => {
        client.requestIterator.initialContext = { cookie: cookies[nextCustomer++ % cookies.length] };
        client.requestIterator.resetContext();
        client.requestIterator.rebuildRequest();
      },
      requests: [
        {
          method: 'POST',
          path: '/api/cart/items',
          setupRequest: (req, context) => ({ ...req, headers: json(customerOf(context)), body: JSON.stringify({ productId: hotId, quantity: 1 }) }),
        },
        {
          method: 'POST',
          path: '/api/checkout',
          setupRequest: (req, context) => ({
            ...req,
            headers: json(customerOf(context), { 'idempotency-key': randomUUID() }),
            body: JSON.stringify({ shipping: SHIPPING, payment: { card: TEST_CARD } }),
          }),
          onResponse: (status, body) => {
            const code = status === 201 ? '201' : `${status} ${(/"code":"([A-Z_]+)"/.exec(body) ?? [])[1] ?? ''}`.trim();
            checkoutStatuses.set(code, (checkoutStatuses.get(code) ?? 0) + 1);
          },
        },
      ],
    });
    const [after] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM orders`;
    const orders = after!.n - before!.n;
    const ordersPerSecond = orders / checkout.duration;
    const [stock] = await sql<{ stock: number }[]>`SELECT stock FROM products WHERE id = ${hotId}`;
    const sold = HOT_STOCK - stock!.stock;
    const [lines] = await sql<{ units: number; multi: number }[]>`
      SELECT coalesce(sum(quantity), 0)::int AS units, count(*) FILTER (WHERE quantity > 1)::int AS multi
      FROM order_lines WHERE product_id = ${hotId}`;
    const statuses = [...checkoutStatuses].map(([s, n]) => `${s}×${n}`).join(' ');
    rows.push({
      scenario: 'checkout, one hot product',
      rate: `${ordersPerSecond.toFixed(1)} orders/s`,
      p50: `${checkout.latency.p50} ms`,
      p99: `${checkout.latency.p99} ms`,
      note:
        `${orders} orders, ${sold} units sold (${lines!.units} in order lines, ${lines!.multi} lines with more than one); ` +
        `checkout statuses ${statuses}; latency mixes cart-add and checkout`,
    });

    progress(`pgbench: the same transaction, ${pgbenchClients} clients, ${duration} s`);
    const [user] = await sql<{ id: number }[]>`SELECT min(id)::int AS id FROM users`;
    const tps = await runPgbench({ url: databaseUrl, clients: pgbenchClients, seconds: duration, userId: user!.id, products: { hot: hotId } });
    rows.push({ scenario: `pgbench, same transaction (${pgbenchClients} clients)`, rate: `${tps.toFixed(1)} tps`, p50: '', p99: '', note: 'the ceiling: no HTTP, no app' });

    printTable(rows, { products, duration, connections });
    process.stdout.write(`\nshop orders/s ÷ pgbench tps = ${ordersPerSecond.toFixed(1)} ÷ ${tps.toFixed(1)} = ${(ordersPerSecond / tps).toFixed(2)}\n`);
  } finally {
    progress('stopping the shop and PostgreSQL');
    await cleanup();
  }
}

async function waitForHealth(base: string, child: ChildProcess): Promise<void> {
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the shop exited with code ${child.exitCode} during start`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    if (i > 600) throw new Error('the shop did not become healthy within a minute');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function registerCustomer(base: string, i: number): Promise<string> {
  const res = await fetch(`${base}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `bench-${i}-${randomUUID().slice(0, 8)}@example.test`, password: 'bench password 1234', name: `Bench ${i}` }),
  });
  if (!res.ok) throw new Error(`registering a customer failed: ${res.status} ${await res.text()}`);
  const jar = new CookieJar();
  jar.store(res.headers.getSetCookie());
  const cookie = jar.header();
  if (cookie === undefined) throw new Error('registering a customer set no session cookie');
  return cookie;
}

function printTable(rows: Row[], run: { products: number; duration: number; connections: number }): void {
  process.stdout.write(
    `\nEvermall shop benchmark: ${run.products.toLocaleString('en')} products, ${run.duration} s per run, ${run.connections} connections, ` +
      `${os.cpus().length} CPUs, one shop process, PostgreSQL 15 with fsync on\n\n`,
  );
  const header: Row = { scenario: 'scenario', rate: 'rate', p50: 'p50', p99: 'p99', note: 'note' };
  const all = [header, ...rows];
  const width = (k: keyof Row) => Math.max(...all.map((r) => r[k].length));
  const line = (r: Row) => `| ${(['scenario', 'rate', 'p50', 'p99', 'note'] as const).map((k) => r[k].padEnd(width(k))).join(' | ')} |`;
  process.stdout.write(`${line(header)}\n|${(['scenario', 'rate', 'p50', 'p99', 'note'] as const).map((k) => '-'.repeat(width(k) + 2)).join('|')}|\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
