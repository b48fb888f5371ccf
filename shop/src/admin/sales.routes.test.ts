import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestShop, loginAs, type TestLogin, type TestShop } from '../testing/index.js';
import { SALES_TIME_ZONE } from './sales.service.js';

/**
 * The staff sales report over rows written straight into the analytics store, as the sales feed
 * (functions/src/consumers) writes them: per day and product, the orders it counted, `stock.low`.
 */
describe('admin sales', () => {
  let shop: TestShop;
  let admin: TestLogin;
  let customer: TestLogin;
  /** Today as the store counts days, and `today - n` as YYYY-MM-DD. */
  let today: string;
  const ago = (n: number) => {
    const d = new Date(`${today}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() - n);
    return d.toISOString().slice(0, 10);
  };
  const ids = { shoes: 0, socks: 0, sneaker: 0, boot: 0, sock: 0, slipper: 0 };

  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'));
    admin = await loginAs(shop.app, shop.sql, 'admin');
    customer = await loginAs(shop.app, shop.sql, 'customer');
    const [tz] = await shop.sql<{ today: string }[]>`SELECT (now() AT TIME ZONE ${SALES_TIME_ZONE})::date::text AS today`;
    today = tz!.today;

    const category = async (slug: string, name: string, nameEn: string) =>
      Number((await shop.sql<{ id: bigint }[]>`INSERT INTO categories (slug, name, name_en) VALUES (${slug}, ${name}, ${nameEn}) RETURNING id`)[0]!.id);
    ids.shoes = await category('shoes', '신발', 'Shoes');
    ids.socks = await category('socks', '양말류', 'Socks');
    const product = async (sku: string, name: string, nameEn: string, categoryId: number, stock: number) =>
      Number(
        (
          await shop.sql<{ id: bigint }[]>`
            INSERT INTO products (sku, slug, name, name_en, price_won, category_id, stock)
            VALUES (${sku}, ${sku.toLowerCase()}, ${name}, ${nameEn}, 1000, ${categoryId}, ${stock}) RETURNING id`
        )[0]!.id,
      );
    ids.sneaker = await product('SNEAKER', '한정판 운동화', 'Drop sneakers', ids.shoes, 0);
    ids.boot = await product('BOOT', '부츠', 'Boots', ids.shoes, 7);
    ids.sock = await product('SOCK', '양말', 'Socks', ids.socks, 50);
    ids.slipper = await product('SLIPPER', '실내화', 'Slippers', ids.shoes, 4);

    const sale = (daysAgo: number, productId: number, categoryId: number, units: number, revenueWon: number, orders: number) =>
      shop.sql`
        INSERT INTO analytics.daily_sales (day, product_id, category_id, units, revenue_won, orders)
        VALUES (${ago(daysAgo)}, ${productId}, ${categoryId}, ${units}, ${revenueWon}, ${orders})`;
    // Today: order 1 (2 sneakers and a pair of socks), order 2 (1 sneaker).
    await sale(0, ids.sneaker, ids.shoes, 3, 387_000, 2);
    await sale(0, ids.sock, ids.socks, 1, 5_000, 1);
    // Two days ago: order 3 (2 boots); order 4 (a slipper) was cancelled, which took its row to zero.
    await sale(2, ids.boot, ids.shoes, 2, 178_000, 1);
    await sale(2, ids.slipper, ids.shoes, 0, 0, 0);
    // Ten days ago: order 5 (4 pairs of socks). Forty days ago: order 6 (a sneaker).
    await sale(10, ids.sock, ids.socks, 4, 20_000, 1);
    await sale(40, ids.sneaker, ids.shoes, 1, 129_000, 1);
    const counted = (orderId: number, daysAgo: number, cancelled = false) =>
      shop.sql`INSERT INTO analytics.order_sales (order_id, day, placed, cancelled) VALUES (${orderId}, ${ago(daysAgo)}, true, ${cancelled})`;
    await counted(1, 0);
    await counted(2, 0);
    await counted(3, 2);
    await counted(4, 2, true);
    await counted(5, 10);
    await counted(6, 40);
    // A cancellation seen before its placement: no day, not counted.
    await shop.sql`INSERT INTO analytics.order_sales (order_id, day, placed, cancelled) VALUES (7, NULL, false, true)`;

    const low = (eventId: number, productId: number, sku: string, stock: number, at: string) =>
      shop.sql`INSERT INTO analytics.stock_low (event_id, product_id, sku, stock, low_units, at) VALUES (${eventId}, ${productId}, ${sku}, ${stock}, 10, ${at}::timestamptz)`;
    await low(101, ids.sneaker, 'SNEAKER', 2, `${ago(0)}T09:00:00+09:00`);
    await low(102, ids.boot, 'BOOT', 9, `${ago(3)}T23:30:00+09:00`);
    await low(103, ids.slipper, 'SLIPPER', 4, `${ago(20)}T12:00:00+09:00`);
  });
  afterAll(async () => shop.close());

  const get = (query: string, who: TestLogin | null = admin) => shop.app.inject({ method: 'GET', url: `/api/admin/sales${query}`, headers: who ? { cookie: who.cookie } : {} });

  it('keeps visitors and customers out', async () => {
    const anonymous = await get('', null);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('UNAUTHENTICATED');
    const shopper = await get('?days=7', customer);
    expect(shopper.statusCode).toBe(403);
    expect(shopper.json().error.code).toBe('FORBIDDEN');
  });

  it('answers a coded 400 for a window outside 1 to 366 days or not a whole number', async () => {
    for (const query of ['?days=0', '?days=367', '?days=-7', '?days=1.5', '?days=week', '?days=', '?since=2026-01-01']) {
      const res = await get(query);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.code, query).toBe('VALIDATION_FAILED');
    }
    expect((await get('?days=1')).statusCode).toBe(200);
    expect((await get('?days=366')).json().daily).toHaveLength(366);
  });

  it('adds up the last 7 days: every day listed, each order once, the cancelled left out', async () => {
    const res = await get('?days=7');
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({ from: ago(6), to: today, totals: { units: 6, revenueWon: 570_000, orders: 3 } });
    expect(report.daily.map((d: { day: string }) => d.day)).toEqual([6, 5, 4, 3, 2, 1, 0].map(ago));
    expect(report.daily.at(-1)).toEqual({ day: today, units: 4, revenueWon: 392_000, orders: 2 });
    expect(report.daily.at(-3)).toEqual({ day: ago(2), units: 2, revenueWon: 178_000, orders: 1 });
    expect(report.daily[0]).toEqual({ day: ago(6), units: 0, revenueWon: 0, orders: 0 });

    expect(report.topProducts).toEqual([
      { productId: ids.sneaker, sku: 'SNEAKER', name: '한정판 운동화', nameEn: 'Drop sneakers', units: 3, revenueWon: 387_000 },
      { productId: ids.boot, sku: 'BOOT', name: '부츠', nameEn: 'Boots', units: 2, revenueWon: 178_000 },
      { productId: ids.sock, sku: 'SOCK', name: '양말', nameEn: 'Socks', units: 1, revenueWon: 5_000 },
    ]);
    expect(report.categories).toEqual([
      { categoryId: ids.shoes, slug: 'shoes', name: '신발', nameEn: 'Shoes', units: 5, revenueWon: 565_000 },
      { categoryId: ids.socks, slug: 'socks', name: '양말류', nameEn: 'Socks', units: 1, revenueWon: 5_000 },
    ]);
    expect(report.stockLow).toEqual([
      {
        productId: ids.sneaker,
        sku: 'SNEAKER',
        name: '한정판 운동화',
        nameEn: 'Drop sneakers',
        stock: 2,
        lowUnits: 10,
        currentStock: 0,
        at: new Date(`${ago(0)}T09:00:00+09:00`).toISOString(),
      },
      { productId: ids.boot, sku: 'BOOT', name: '부츠', nameEn: 'Boots', stock: 9, lowUnits: 10, currentStock: 7, at: new Date(`${ago(3)}T23:30:00+09:00`).toISOString() },
    ]);
  });

  it('covers 30 days by default, and a longer window reaches older sales', async () => {
    const month = (await get('')).json();
    expect(month.from).toBe(ago(29));
    expect(month.daily).toHaveLength(30);
    expect(month.totals).toEqual({ units: 10, revenueWon: 590_000, orders: 4 });
    expect(month.topProducts.map((p: { sku: string; units: number }) => [p.sku, p.units])).toEqual([
      ['SNEAKER', 3],
      ['BOOT', 2],
      ['SOCK', 5],
    ]);
    expect(month.stockLow.map((l: { sku: string }) => l.sku)).toEqual(['SNEAKER', 'BOOT', 'SLIPPER']);

    const quarter = (await get('?days=90')).json();
    expect(quarter.totals).toEqual({ units: 11, revenueWon: 719_000, orders: 5 });
    expect(quarter.topProducts[0]).toMatchObject({ sku: 'SNEAKER', units: 4, revenueWon: 516_000 });

    const today1 = (await get('?days=1')).json();
    expect(today1).toMatchObject({ from: today, to: today, totals: { units: 4, revenueWon: 392_000, orders: 2 } });
    expect(today1.stockLow.map((l: { sku: string }) => l.sku)).toEqual(['SNEAKER']);
  });

  it('is in the OpenAPI document for staff', async () => {
    const doc = shop.app.swagger() as { paths: Record<string, { get?: { tags?: string[]; security?: unknown[]; parameters?: { name: string }[] } }> };
    const route = doc.paths['/api/admin/sales']?.get;
    expect(route?.tags).toEqual(['admin']);
    expect(route?.security).toEqual([{ session: [] }]);
    expect(route?.parameters?.map((p) => p.name)).toEqual(['days']);
  });
});
