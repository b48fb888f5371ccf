import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PGBENCH_ORDER_KEY_PREFIX, runPgbench } from '@evermall/testkit';
import { sampleCatalog } from '../load/catalog.js';
import { Ledger } from '../load/ledger.js';
import { connectWriter } from '../load/reconcile.js';
import { ShopHttp } from '../load/shop-http.js';
import { repoRoot, resolveTarget } from '../drills/drill-target.js';
import { machineInfo } from '../reports/drill-report.js';
import { fileTimestamp } from '../reports/write-report.js';
import { StopRequests } from '../stop-requests.js';
import { runCheckoutBench } from './checkout-bench.js';
import { failCacheTier, restoreCacheTier } from './cache-tier-steps.js';
import { sampleEdgeHits, warm, type EdgeSample } from './edge-cache-sample.js';
import { runHttpBench, type HttpBenchResult } from './http-bench.js';
import { processTreeRssMiB } from './rss.js';

/** The HAProxy ceiling in docs/anchors.md#ceilings-on-this-machine was measured with 20 connections; the reads use the same. */
const READ_CONNECTIONS = 20;
/** pgbench's client counts in docs/anchors.md#ceilings-on-this-machine: 8 (the one-row peak) and 32 (where one row falls off). */
const PGBENCH_CLIENTS = [8, 32];
/**
 * Shoppers in the shop's checkout loops, for both paths (cart: add + checkout; buy now): pgbench's
 * 32, and 128, the crowd a flash sale brings (group commit needs a queue to batch).
 */
const CHECKOUT_SHOPPERS = [32, 128];
const DEFAULT_SECONDS = 10;
/** Enough stock that no product runs out during the bench. */
const BENCH_STOCK = 10_000_000;
const RSS_SAMPLE_MS = 500;
/** The flash-sale goal of issue 6: hot-product orders/s at 1.5× the naive one-row ceiling. */
const FLASH_SALE_GOAL = 1.5;
/** A path under /api that no route answers: the shop's cheapest answer, through the same proxies as the catalog. */
const TRIVIAL_PATH = '/api/__bench-ceiling';
/** The catalog page the storefront opens with. */
const CATALOG_LIST_PATH = '/api/products?limit=24';
/** Issue 14's goal for catalog reads from the shop with its cache tier: list at this share of the ceiling, within this p99, on this machine. */
const CATALOG_GOAL = { ratio: 0.7, p99Ms: 50 };
/** Issue 14's goal for the catalog through the front door's cache. */
const EDGE_GOAL_RPS = 3000;
/**
 * Said under every table: orders/s from before the shop took payments through Toss are not
 * comparable with these (pgbench's transaction is the reservation alone, with no payment).
 */
const PAYMENT_NOTE =
  'An order is paid as a Toss Payments customer pays: checkout (reserves, pending_payment), the payment window ' +
  "(POST /pay at the provider's stand-in, not through the front door), then confirm (the shop confirms with the provider and places the order). " +
  'Orders/s counts orders placed; requests/s every request of the loop. One order costs three requests by buy now and four via the cart, ' +
  'so orders/s is lower than from benches run before payments went through the provider, and the pgbench ceiling (the reservation alone) is not the same work.';

const HELP = `Usage: npm run bench -- [options]

Measures the full stack beside its ceilings in one run and prints a table:
  catalog reads via the load balancer, the shop's cache warm and then down  vs  a trivial answer via the load balancer
  catalog reads through the front door's cache (hits, x-cache sampled)       vs  a trivial answer through the front door
    (issue 14's goals: list >= 0.7x its ceiling with p99 < 50 ms; >= 3,000 req/s through the front door)
  checkout on one hot product           vs  pgbench, same transaction, same replicated primary
    (an order is checkout + the payment window + confirm, as a Toss Payments customer pays:
     three requests by buy now, four via the cart with its add)
  RSS of each instance under load, and the ratios shop ÷ ceiling.
Uses the running twin (.twin/), or starts a fresh one and stops it after.

Options:
  --seconds S       length of each measurement (default ${DEFAULT_SECONDS})
  --state-dir DIR   the twin's state dir (default: <repo>/.twin)
  --standalone      one shop on a throwaway PostgreSQL, no proxies or replication (smoke-checks the bench)
  --reports DIR     where bench-<timestamp>.{json,md} go (default: <repo>/reports)
  -h, --help        this help
`;

interface Row {
  measure: string;
  shop: string;
  ceiling: string;
  ratio: number | null;
}

// First of all: a stop request at any moment stops what the bench started (issue 19).
const stopRequests = new StopRequests(() => process.stdout.write('Stopping is in progress: what the bench started is being stopped in order.\n'));

const fmt = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '—' : x.toFixed(digits));
const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      help: { type: 'boolean', short: 'h' },
      seconds: { type: 'string' },
      'state-dir': { type: 'string' },
      standalone: { type: 'boolean' },
      reports: { type: 'string' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const seconds = values.seconds === undefined ? DEFAULT_SECONDS : Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    process.stderr.write(`bench: --seconds must be a positive number, got "${values.seconds}".\n`);
    return 2;
  }
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const resolving = resolveTarget({
    standalone: Boolean(values.standalone),
    stateDir: path.resolve(values['state-dir'] ?? path.join(repoRoot, '.twin')),
    log,
    signal: stopRequests.signal,
  });
  stopRequests.stopThenExit(resolving, log, 'bench');
  const target = await resolving;
  log(`Target: ${target.description} (front door ${target.baseUrl}); ${seconds} s per measurement`);
  let sql: ReturnType<typeof connectWriter> | undefined;
  const rssPeak = new Map<string, number>();
  let rssTimer: NodeJS.Timeout | undefined;
  let hot: number | undefined;
  let shelf: { id: string; stock: number }[] = [];
  try {
    sql = connectWriter(target.writerUrl);
    const [row] = await sql<{ id: string }[]>`SELECT id::text AS id FROM products WHERE active ORDER BY id LIMIT 1`;
    if (!row) throw new Error('the catalog is empty: seed it first (npm run seed -w shop)');
    hot = Number(row.id);
    // Every product gets stock enough that no checkout in the bench runs short; the shelf is put back after.
    shelf = await sql<{ id: string; stock: number }[]>`SELECT id::text AS id, stock FROM products`;
    await sql`UPDATE products SET stock = ${BENCH_STOCK}`;
    const [range] = await sql<{ first: string; last: string; n: string }[]>`SELECT min(id)::text AS first, max(id)::text AS last, count(*)::text AS n FROM products WHERE active`;
    const [user] = await sql<{ id: string }[]>`
      INSERT INTO users (email, name, password_hash) VALUES ('pgbench@bench.evermall.test', 'pgbench', '!')
      ON CONFLICT ((lower(email))) DO UPDATE SET name = EXCLUDED.name RETURNING id::text AS id`;
    const probe = new ShopHttp({ baseUrl: target.baseUrl, connections: 2, requestTimeoutMs: 10_000 }, new Ledger());
    const catalog = await sampleCatalog(probe);
    await probe.close();
    const slugs = catalog.products.slice(0, 20).map((p) => `/api/products/${p.slug}`);

    if (target.twin) {
      const twin = target.twin;
      rssTimer = setInterval(() => {
        void twin.status().then(
          (s) => {
            for (const i of s.instances) if (i.pid) rssPeak.set(i.id, Math.max(rssPeak.get(i.id) ?? 0, processTreeRssMiB(i.pid)));
          },
          () => undefined,
        );
      }, RSS_SAMPLE_MS);
    }

    const reads: HttpBenchResult[] = [];
    const http = async (label: string, url: string, paths: string[], expectStatus?: number) => {
      log(`  ${label}…`);
      const r = await runHttpBench({ label, url, paths, connections: READ_CONNECTIONS, seconds, ...(expectStatus ? { expectStatus } : {}) });
      reads.push(r);
      return r;
    };
    const listPaths = [CATALOG_LIST_PATH];
    // The shop's own catalog path: the load balancer (the ALB stand-in) has no cache of its own, so
    // what is measured there is the shop with its cache tier. A standalone shop has no proxies.
    const lbUrl = target.twin ? (await target.twin.status()).loadBalancer.url : target.baseUrl;
    const via = target.twin ? 'via the load balancer' : 'via the shop (standalone, no proxies)';
    const lbCeiling = await http(`trivial answer ${via}`, lbUrl, [TRIVIAL_PATH], 404);
    await warm(lbUrl, [...listPaths, ...slugs]);
    const lbList = await http(`product list ${via}, cache warm`, lbUrl, listPaths);
    const lbDetail = await http(`product detail ${via}, cache warm`, lbUrl, slugs);
    let edge: { ceiling: HttpBenchResult; list: HttpBenchResult; detail: HttpBenchResult; sample: EdgeSample } | undefined;
    let cacheDown: { list: HttpBenchResult; detail: HttpBenchResult } | undefined;
    let lbHealthz: HttpBenchResult | undefined;
    if (target.twin) {
      const twin = target.twin;
      const edgeCeiling = await http('trivial answer via the front door', target.baseUrl, [TRIVIAL_PATH], 404);
      await warm(target.baseUrl, [...listPaths, ...slugs]);
      const before = await sampleEdgeHits(target.baseUrl, [...listPaths, ...slugs]);
      const edgeList = await http("product list via the front door's cache", target.baseUrl, listPaths);
      const edgeDetail = await http("product detail via the front door's cache", target.baseUrl, slugs);
      const after = await sampleEdgeHits(target.baseUrl, [...listPaths, ...slugs]);
      edge = { ceiling: edgeCeiling, list: edgeList, detail: edgeDetail, sample: { hits: before.hits + after.hits, sampled: before.sampled + after.sampled } };
      log('  fail-cache: the cache tier down, waiting until every instance reports it unavailable…');
      try {
        await failCacheTier(twin);
        cacheDown = {
          list: await http(`product list ${via}, cache down`, lbUrl, listPaths),
          detail: await http(`product detail ${via}, cache down`, lbUrl, slugs),
        };
      } finally {
        log('  restore-cache: waiting until the cache serves again…');
        await restoreCacheTier(twin);
      }
      lbHealthz = await http('/healthz via the load balancer (no front door)', lbUrl, ['/healthz']);
    }

    const pg: { clients: number; hot: number; spread: number }[] = [];
    for (const clients of PGBENCH_CLIENTS) {
      log(`  pgbench, same transaction, one hot row, ${clients} clients…`);
      const pgHot = await runPgbench({ url: target.writerUrl, clients, seconds, userId: Number(user!.id), products: { hot } });
      log(`  pgbench, spread over ${range!.n} products, ${clients} clients…`);
      const pgSpread = await runPgbench({
        url: target.writerUrl,
        clients,
        seconds,
        userId: Number(user!.id),
        products: { first: Number(range!.first), last: Number(range!.last) },
      });
      pg.push({ clients, hot: pgHot, spread: pgSpread });
    }
    const checkout: { via: 'cart' | 'buy-now'; clients: number; shop: number; requestsPerSecond: number; p99: number | null; confirmP99: number | null; failures: number }[] = [];
    const shopRuns = (['cart', 'buy-now'] as const).flatMap((via) => CHECKOUT_SHOPPERS.map((clients) => ({ via, clients })));
    for (const { via, clients } of shopRuns) {
      log(`  checkout ${via === 'cart' ? 'via the cart' : 'by buy now'}, one hot product, ${clients} shoppers via the front door…`);
      const r = await runCheckoutBench({ baseUrl: target.baseUrl, clients, seconds, hotProductId: hot, requestTimeoutMs: 10_000, via });
      checkout.push({ via, clients, shop: r.ordersPerSecond, requestsPerSecond: r.requestsPerSecond, p99: r.checkoutP99Ms, confirmP99: r.confirmP99Ms, failures: r.failures });
    }
    if (rssTimer) clearInterval(rssTimer);

    const reading = (r: HttpBenchResult, goal = '') => `${fmt(r.requestsPerSecond, 0)} req/s, p99 ${fmt(r.p99Ms, 0)} ms, ${r.failures} failed${goal}`;
    const versus = (c: HttpBenchResult) => `${fmt(c.requestsPerSecond, 0)} req/s, p99 ${fmt(c.p99Ms, 0)} ms (${c.label})`;
    const readRow = (r: HttpBenchResult, c: HttpBenchResult, goal = ''): Row => ({
      measure: `${r.label} (${READ_CONNECTIONS} conns)`,
      shop: reading(r, goal),
      ceiling: versus(c),
      ratio: ratio(r.requestsPerSecond, c.requestsPerSecond),
    });
    const listRatio = ratio(lbList.requestsPerSecond, lbCeiling.requestsPerSecond);
    const goals = {
      catalogList: {
        goal: `list ≥ ${CATALOG_GOAL.ratio}× the ceiling with p99 < ${CATALOG_GOAL.p99Ms} ms (cache warm, ${via})`,
        ratio: listRatio,
        p99Ms: lbList.p99Ms,
        met: listRatio !== null && listRatio >= CATALOG_GOAL.ratio && lbList.p99Ms < CATALOG_GOAL.p99Ms,
      },
      ...(edge && {
        frontDoor: {
          goal: `≥ ${EDGE_GOAL_RPS} req/s through the front door's cache`,
          list: edge.list.requestsPerSecond,
          detail: edge.detail.requestsPerSecond,
          listMet: edge.list.requestsPerSecond >= EDGE_GOAL_RPS,
          detailMet: edge.detail.requestsPerSecond >= EDGE_GOAL_RPS,
          edgeSample: edge.sample,
        },
      }),
    };
    const met = (yes: boolean) => (yes ? 'met' : 'not met');
    const edgeGoal = (r: HttpBenchResult) =>
      `; goal ≥ ${EDGE_GOAL_RPS} req/s: ${met(r.requestsPerSecond >= EDGE_GOAL_RPS)}; x-cache sample ${edge!.sample.hits}/${edge!.sample.sampled} hits`;
    const rows: Row[] = [
      readRow(lbList, lbCeiling, `; goal ≥ ${CATALOG_GOAL.ratio}× with p99 < ${CATALOG_GOAL.p99Ms} ms: ${met(goals.catalogList.met)}`),
      readRow(lbDetail, lbCeiling),
      ...(cacheDown ? [readRow(cacheDown.list, lbCeiling), readRow(cacheDown.detail, lbCeiling)] : []),
      ...(edge ? [readRow(edge.list, edge.ceiling, edgeGoal(edge.list)), readRow(edge.detail, edge.ceiling, edgeGoal(edge.detail))] : []),
      ...checkout.map((c) => {
        const same = pg.find((p) => p.clients === c.clients);
        return {
          measure: `checkout ${c.via === 'cart' ? 'via the cart (add + checkout + pay + confirm: 4 requests/order)' : 'by buy now (checkout + pay + confirm: 3 requests/order)'}, one hot product, ${c.clients} shoppers`,
          shop: `${fmt(c.shop)} orders/s placed (${fmt(c.requestsPerSecond, 0)} req/s), checkout p99 ${fmt(c.p99, 0)} ms, confirm p99 ${fmt(c.confirmP99, 0)} ms, ${c.failures} failed`,
          ceiling: same ? `${fmt(same.hot)} tps (pgbench, one hot row, ${c.clients} clients)` : '— (pgbench runs 8 and 32 clients)',
          ratio: same ? ratio(c.shop, same.hot) : null,
        };
      }),
      ...pg.map((p) => ({
        measure: `pgbench, one hot row, ${p.clients} clients (the naive ceiling) / spread over ${range!.n} products (reference)`,
        shop: '—',
        ceiling: `${fmt(p.hot)} tps / ${fmt(p.spread)} tps`,
        ratio: null,
      })),
    ];
    if (lbHealthz)
      rows.push({
        measure: 'front door cost: /healthz via the load balancer only (reference)',
        shop: '—',
        ceiling: `${fmt(lbHealthz.requestsPerSecond, 0)} req/s, p99 ${fmt(lbHealthz.p99Ms, 0)} ms`,
        ratio: ratio(edge?.ceiling.requestsPerSecond ?? null, lbHealthz.requestsPerSecond),
      });
    const rss = [...rssPeak].map(([id, mib]) => `${id} ${fmt(mib, 0)}`).join(', ');
    rows.push({ measure: 'RSS per instance under load (peak MiB)', shop: rss || '— (no twin: not measured)', ceiling: '—', ratio: null });
    // The naive design's best: one transaction per checkout on the hot row, at its best client count.
    const bestOneRow = Math.max(...pg.map((p) => p.hot));
    const best = (via: 'cart' | 'buy-now') => Math.max(...checkout.filter((c) => c.via === via).map((c) => c.shop));
    const flashRatio = ratio(best('buy-now'), bestOneRow);
    for (const via of ['buy-now', 'cart'] as const) {
      rows.push({
        measure: `flash-sale goal, ${via === 'buy-now' ? 'buy now' : 'via the cart'}: best hot-product orders/s ÷ best naive one-row tps (goal ≥ ${FLASH_SALE_GOAL}×)`,
        shop: `${fmt(best(via))} orders/s`,
        ceiling: `${fmt(bestOneRow)} tps`,
        ratio: ratio(best(via), bestOneRow),
      });
    }

    const table = [
      '| measure | shop (full stack) | ceiling | shop ÷ ceiling |',
      '| --- | --- | --- | --- |',
      ...rows.map((r) => `| ${r.measure} | ${r.shop} | ${r.ceiling} | ${r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`} |`),
      '',
      PAYMENT_NOTE,
    ].join('\n');
    const reportsDir = path.resolve(values.reports ?? path.join(repoRoot, 'reports'));
    mkdirSync(reportsDir, { recursive: true });
    const base = path.join(reportsDir, `bench-${fileTimestamp(new Date().toISOString())}`);
    writeFileSync(`${base}.md`, `${table}\n`);
    writeFileSync(
      `${base}.json`,
      `${JSON.stringify({ bench: 'evermall', startedAt: new Date().toISOString(), target: target.description, seconds, machine: machineInfo(), reads, catalogGoals: goals, checkout, pgbench: pg, paymentNote: PAYMENT_NOTE, rssPeakMiB: Object.fromEntries(rssPeak), flashSaleRatio: flashRatio, rows }, null, 2)}\n`,
    );
    log(`\n${table}\n\nWritten to ${base}.md and .json`);
    return 0;
  } finally {
    if (rssTimer) clearInterval(rssTimer);
    if (sql && shelf.length) {
      const ids = shelf.map((p) => p.id);
      const stocks = shelf.map((p) => p.stock);
      await sql`
        UPDATE products p SET stock = s.stock
        FROM unnest(${ids}::bigint[], ${stocks}::int[]) AS s(id, stock) WHERE p.id = s.id`.catch(() => undefined);
      await sql`DELETE FROM orders WHERE idempotency_key LIKE ${`${PGBENCH_ORDER_KEY_PREFIX}%`}`.catch(() => undefined);
    }
    await sql?.end({ timeout: 5 });
    await target.stop();
  }
}

main().then(
  (code) => process.exit(stopRequests.signal.aborted ? stopRequests.exitCode : code),
  (err: unknown) => {
    if (stopRequests.signal.aborted) process.exit(stopRequests.exitCode);
    process.stderr.write(`bench: ${(err as Error).message}; is the twin up (npm start)? See npm run bench -- --help.\n`);
    process.exit(1);
  },
);
