import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDrillOptions, type Drill, type DrillEnv } from '../src/drills/drill.js';
import { flashSaleDrill } from '../src/drills/flash-sale.drill.js';
import { paymentProviderOutageDrill } from '../src/drills/payment-provider-outage.drill.js';
import { runDrill } from '../src/drills/run-drill.js';
import { startStandaloneShop, type StandaloneShop } from '../src/drills/standalone-shop.js';
import { LoadGenerator, defaultLoadSettings } from '../src/load/load-generator.js';
import { Ledger } from '../src/load/ledger.js';
import { connectWriter, fetchProviderPayments, providerOrderId, reconcile, restockForLoad, snapshotStock, waitForWriter, type Sql } from '../src/load/reconcile.js';
import { freePort } from '@evermall/testkit';

/**
 * The drill tooling against one real shop on a throwaway PostgreSQL. Correctness only, never timings:
 * timings belong to `npm run drill` and `npm run bench`.
 */
describe('drills against a standalone shop', () => {
  let shop: StandaloneShop;
  let sql: Sql;
  let reportsDir: string;

  beforeAll(async () => {
    shop = await startStandaloneShop({ products: 12, stockPerProduct: 1_000 });
    sql = connectWriter(shop.writerUrl);
    reportsDir = mkdtempSync(path.join(os.tmpdir(), 'evermall-drill-reports-'));
  });

  afterAll(async () => {
    await sql?.end();
    await shop?.stop();
    rmSync(reportsDir, { recursive: true, force: true });
  });

  const env = (overrides: Partial<DrillEnv['options']> = {}): DrillEnv => ({
    baseUrl: shop.baseUrl,
    sql,
    twin: undefined,
    watcher: undefined,
    paymentsUrl: shop.paymentsUrl,
    options: { ...defaultDrillOptions, ...overrides },
    log: () => undefined,
  });

  it.each(['buy-now', 'cart'] as const)('a flash sale (%s) sells exactly its stock, one unit per winner, every acknowledged order in the DB', async (via) => {
    const stock = 30;
    const { report, files } = await runDrill(flashSaleDrill(), env({ flashShoppers: 150, flashStock: stock, flashStartDelayMs: 200, flashVia: via }), reportsDir, { png: false });
    expect(report.settings).toMatchObject({ via });
    expect(report.violations).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.figures.oversold).toBe(0);
    expect(report.figures.ordersLost).toBe(0);
    expect(report.figures.duplicateOrders).toBe(0);
    expect(report.figures.acknowledgedOrders).toBe(stock);
    expect(report.figures.unitsSold).toBe(stock);
    expect(report.figures.fairness?.maxUnitsPerShopper).toBe(1);
    // Every winner paid: the shop said placed, and the provider holds one DONE payment for each order.
    expect(report.figures.ordersConfirmed).toBe(stock);
    expect(report.figures.placedWithoutPayment).toBe(0);

    // Other tools read these names (issue 6); figures that do not apply are null, not missing.
    const json = JSON.parse(readFileSync(files.json, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['drill', 'startedAt', 'settings', 'machine', 'figures', 'anchors']));
    const figures = json.figures as Record<string, unknown>;
    for (const name of ['requests', 'failedRequests', 'acknowledgedOrders', 'ordersLost', 'duplicateOrders', 'oversold', 'writeOutageSeconds', 'recoverySeconds', 'p99Ms']) {
      expect(figures).toHaveProperty(name);
    }
    expect(figures.writeOutageSeconds).toBeNull();
    expect(readFileSync(files.html, 'utf8')).toContain('uPlot');
    // The ledger: every response the shoppers got, with the order id of each acknowledged checkout.
    const ledger = readFileSync(files.ledger!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { route: string; orderId?: number });
    expect(ledger.filter((e) => e.route === 'POST /api/checkout' && e.orderId !== undefined)).toHaveLength(stock);
  });

  it('steady shoppers browse, fill carts and check out; reconciliation finds every order and stock balanced', async () => {
    const before = await snapshotStock(sql);
    const load = new LoadGenerator({ ...defaultLoadSettings, baseUrl: shop.baseUrl, sessions: 8, thinkMs: [0, 20], maxDurationMs: 20_000 });
    await load.start();
    await new Promise((r) => setTimeout(r, 4_000));
    await load.stop();
    const actions = new Set(load.ledger.entries.map((e) => e.action));
    expect([...actions]).toEqual(
      expect.arrayContaining(['register', 'browse-product', 'list-category', 'search', 'add-to-cart', 'view-cart', 'checkout', 'authorize-payment', 'confirm-payment']),
    );
    expect(load.ledger.entries.filter((e) => e.status === 0 || e.status >= 500)).toEqual([]);
    expect(load.ledger.acknowledged.length).toBeGreaterThan(0);
    // A checkout still in flight when the load stopped may not have reached its confirm.
    expect(load.ledger.confirmed.length).toBeGreaterThan(0);
    const payments = await fetchProviderPayments(shop.paymentsUrl);
    const result = await reconcile(sql, load.ledger, before, payments);
    expect(result.violations).toEqual([]);
    expect(result.placedWithoutPayment).toEqual([]);

    // Nobody orders without paying: the same run read against a provider that lost one payment, or
    // took another amount, and a database where a confirmed order went back to waiting, each fails.
    const paidOrder = load.ledger.confirmed[0]!.orderId;
    const ref = providerOrderId(paidOrder);
    const withoutIt = await reconcile(
      sql,
      load.ledger,
      before,
      payments.filter((p) => p.orderId !== ref),
    );
    expect(withoutIt.placedWithoutPayment).toEqual([paidOrder]);
    const otherAmount = await reconcile(
      sql,
      load.ledger,
      before,
      payments.map((p) => (p.orderId === ref ? { ...p, totalAmount: p.totalAmount + 1 } : p)),
    );
    expect(otherAmount.placedWithoutPayment).toEqual([paidOrder]);
    const twice = await reconcile(sql, load.ledger, before, [...payments, ...payments.filter((p) => p.orderId === ref && p.status === 'DONE')]);
    expect(twice.paidTwice).toEqual([paidOrder]);
    await sql`UPDATE orders SET status = 'pending_payment' WHERE id = ${paidOrder}`;
    try {
      const unplaced = await reconcile(sql, load.ledger, before, payments);
      expect(unplaced.confirmedButNotPlaced).toEqual([paidOrder]);
      expect(unplaced.violations.join(' ')).toMatch(/told are placed are not placed/);
    } finally {
      await sql`UPDATE orders SET status = 'placed' WHERE id = ${paidOrder}`;
    }
  });

  it('payment-provider-outage: confirms fail with 500s, then time out; every order ends placed once, with one DONE payment', async () => {
    const { report } = await runDrill(paymentProviderOutageDrill(), env({ sessions: 12 }), reportsDir, { png: false });
    expect(report.violations).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.figures.acknowledgedOrders).toBe(24);
    expect(report.figures.placedWithoutPayment).toBe(0);
    expect(report.figures.duplicateOrders).toBe(0);
    // The outage was real: shoppers were answered 503 or nothing, and resent the same confirm.
    const payments = await fetchProviderPayments(shop.paymentsUrl);
    const drillOrders = payments.filter((p) => p.status === 'DONE' && p.confirmCalls > 1);
    expect(drillOrders.length).toBeGreaterThan(0);
  }, 240_000);

  it('reconciliation fails loudly when an acknowledged order is missing or a key was answered with two orders', async () => {
    const before = await snapshotStock(sql);
    const ledger = new Ledger();
    ledger.keysSent.add('drill-test-key-1');
    ledger.acknowledge({ orderId: 987_654_321, idempotencyKey: 'drill-test-key-1', shopper: 'ghost', lines: [{ productId: 1, quantity: 1 }], at: Date.now() });
    ledger.acknowledge({ orderId: 987_654_322, idempotencyKey: 'drill-test-key-1', shopper: 'ghost', lines: [{ productId: 1, quantity: 1 }], at: Date.now() });
    const result = await reconcile(sql, ledger, before);
    expect(result.ordersLost).toBe(1);
    expect(result.duplicateOrders).toBe(1);
    expect(result.violations.length).toBeGreaterThanOrEqual(2);
  });

  it('reconciliation catches stock that changed without an order', async () => {
    const before = await snapshotStock(sql);
    await sql`UPDATE products SET stock = stock - 1 WHERE id = (SELECT max(id) FROM products)`;
    const result = await reconcile(sql, new Ledger(), before);
    expect(result.stockMismatches).toHaveLength(1);
    expect(result.violations.join(' ')).toMatch(/stock \+ units sold changed/);
    await sql`UPDATE products SET stock = stock + 1 WHERE id = (SELECT max(id) FROM products)`;
  });

  it('restocks what the load buys before a drill: products for sale or sold before, not the ones the seed made sold out', async () => {
    const [sold] = await sql<{ id: string }[]>`SELECT product_id::text AS id FROM order_lines LIMIT 1`;
    expect(sold).toBeDefined();
    const soldId = Number(sold!.id);
    const [forSale] = await sql<{ id: string }[]>`SELECT id::text FROM products WHERE active AND id <> ${soldId} ORDER BY id LIMIT 1`;
    const forSaleId = Number(forSale!.id);
    // A product the seed made sold out: never ordered, no stock.
    const [seededOut] = await sql<{ id: string }[]>`
      INSERT INTO products (sku, slug, name, name_en, description, price_won, category_id, stock, images)
      SELECT 'RESTOCK-TEST', 'restock-test', name, name_en, description, price_won, category_id, 0, images FROM products WHERE id = ${forSaleId}
      RETURNING id::text`;
    const seededOutId = Number(seededOut!.id);
    try {
      await sql`UPDATE products SET stock = 0 WHERE id = ${soldId}`;
      await sql`UPDATE products SET stock = 3 WHERE id = ${forSaleId}`;
      const before = await sql<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM products WHERE active AND stock < 5000 AND (stock > 0 OR EXISTS (SELECT 1 FROM order_lines l WHERE l.product_id = products.id))`;

      expect(await restockForLoad(sql, 5000)).toBe(before[0]!.n);
      const stock = async (id: number) => (await sql<{ stock: number }[]>`SELECT stock FROM products WHERE id = ${id}`)[0]!.stock;
      expect(await stock(soldId)).toBe(5000);
      expect(await stock(forSaleId)).toBe(5000);
      expect(await stock(seededOutId)).toBe(0);
      // Recorded as a restock, with the units it added.
      const [adjustment] = await sql<
        { delta: number }[]
      >`SELECT delta FROM stock_adjustments WHERE product_id = ${forSaleId} AND reason = 'drill restock' ORDER BY id DESC LIMIT 1`;
      expect(adjustment?.delta).toBe(4997);
      // Enough already: nothing to do.
      expect(await restockForLoad(sql, 5000)).toBe(0);
    } finally {
      await sql`DELETE FROM products WHERE id = ${seededOutId}`;
    }
  });

  it('waits for a writer: answers at once when the writer takes writes, and says what it saw when none comes', async () => {
    expect(await waitForWriter(sql, 10_000)).toBeUndefined();
    const nowhere = connectWriter(`postgres://postgres@127.0.0.1:${await freePort()}/evermall`);
    try {
      expect(await waitForWriter(nowhere, 500)).toMatch(/ECONNREFUSED|connect/);
    } finally {
      await nowhere.end({ timeout: 1 });
    }
  });

  it('fails a drill whose shoppers tried to check out and got not one order acknowledged: it measured nothing', async () => {
    const ledger = new Ledger();
    ledger.record({ at: Date.now(), action: 'checkout', route: 'POST /api/checkout', status: 409, latencyMs: 5 });
    const drill: Drill = {
      name: 'db-failover',
      fault: 'none: a ledger made by hand',
      needsTwin: false,
      run: async () => ({ ledger, marks: [], figures: {}, notes: [], settings: {} }),
    };
    const { report } = await runDrill(drill, env(), reportsDir, { png: false });
    expect(report.passed).toBe(false);
    expect(report.violations.join(' ')).toMatch(/not one order acknowledged/);
  });
});
