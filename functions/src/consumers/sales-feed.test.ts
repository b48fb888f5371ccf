import type { SQSBatchResponse } from 'aws-lambda';
import type { ShopEvent } from '@evermall/shop/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceOrder, announceStockLow, createCustomer, createOrder, createProducts, type Product } from '@evermall/shop/testing';
import { batchOf, holdInboxRow, startShopDatabase, type ShopDatabase } from '../testing/shop-fixtures.js';
import { createSalesFeed, SALES_DAY_TIME_ZONE, SALES_FEED } from './sales-feed.js';

/** The sales feed against a real PostgreSQL with the shop's schema (migration 080's analytics store). */
describe('sales feed', () => {
  let db: ShopDatabase;
  let feed: ReturnType<typeof createSalesFeed>;
  const warnings: Record<string, unknown>[] = [];

  beforeAll(async () => {
    db = await startShopDatabase();
    feed = createSalesFeed({ sql: db.sql, lockTimeoutMs: 200, log: { warn: (fields) => warnings.push(fields as Record<string, unknown>) } });
  });
  afterAll(async () => {
    await db?.close();
  });

  const failedIds = (response: SQSBatchResponse) => response.batchItemFailures.map((f) => f.itemIdentifier);
  const seoulDay = (event: ShopEvent) => new Intl.DateTimeFormat('en-CA', { timeZone: SALES_DAY_TIME_ZONE }).format(new Date(event.payload.at as string));
  const salesOf = async (products: Product[]) =>
    db.sql<{ day: string; product_id: bigint; category_id: bigint; units: number; revenue_won: bigint; orders: number }[]>`
      SELECT day::text AS day, product_id, category_id, units, revenue_won, orders FROM analytics.daily_sales
      WHERE product_id = ANY(${products.map((p) => p.id)}::bigint[]) ORDER BY day, product_id`;
  const buy = async (products: Product[], quantities: number[]) => {
    const customer = await createCustomer(db.sql);
    return createOrder(
      db.sql,
      customer.id,
      products.map((product, i) => ({ product, quantity: quantities[i]! })),
    );
  };

  it('adds a placed order to its day per product and category, once however often it is delivered', async () => {
    const products = await createProducts(db.sql, 2, 10_000);
    const first = await announceOrder(db.sql, await buy(products, [2, 1]), 'order.placed', 'placed');
    const second = await announceOrder(db.sql, await buy(products.slice(0, 1), [3]), 'order.placed', 'placed');

    expect(failedIds(await feed(batchOf(SALES_FEED, [first, second, first])))).toEqual([]);
    expect(failedIds(await feed(batchOf(SALES_FEED, [second, first], 2)))).toEqual([]);

    const day = seoulDay(first);
    expect(await salesOf(products)).toEqual([
      { day, product_id: BigInt(products[0]!.id), category_id: BigInt(products[0]!.categoryId), units: 5, revenue_won: 50_000n, orders: 2 },
      { day, product_id: BigInt(products[1]!.id), category_id: BigInt(products[1]!.categoryId), units: 1, revenue_won: 10_000n, orders: 1 },
    ]);
  });

  it('takes a cancelled order off its day again, but not an order that was never placed, nor a placement that arrives after its cancellation', async () => {
    const products = await createProducts(db.sql, 1, 7_000);
    const kept = await announceOrder(db.sql, await buy(products, [1]), 'order.placed', 'placed');
    const cancelledOrder = await buy(products, [4]);
    const placed = await announceOrder(db.sql, cancelledOrder, 'order.placed', 'placed');
    const paid = await announceOrder(db.sql, cancelledOrder, 'order.paid', 'paid');
    const cancelled = await announceOrder(db.sql, cancelledOrder, 'order.cancelled', 'cancelled');
    const expired = await announceOrder(db.sql, await buy(products, [2]), 'order.cancelled', 'expired');
    const lateOrder = await buy(products, [5]);
    const latePlaced = await announceOrder(db.sql, lateOrder, 'order.placed', 'placed');
    const lateCancelled = await announceOrder(db.sql, lateOrder, 'order.cancelled', 'cancelled');

    expect(failedIds(await feed(batchOf(SALES_FEED, [kept, placed, paid, cancelled, expired, lateCancelled])))).toEqual([]);
    expect(failedIds(await feed(batchOf(SALES_FEED, [latePlaced, cancelled], 2)))).toEqual([]);

    expect(await salesOf(products)).toEqual([expect.objectContaining({ units: 1, revenue_won: 7_000n, orders: 1 })]);
    const counted = await db.sql<{ order_id: bigint; placed: boolean; cancelled: boolean; counted: boolean }[]>`
      SELECT order_id, placed, cancelled, day IS NOT NULL AS counted FROM analytics.order_sales
      WHERE order_id = ANY(${[cancelledOrder, lateOrder]}::bigint[]) ORDER BY order_id`;
    expect(counted).toEqual([
      { order_id: BigInt(cancelledOrder), placed: true, cancelled: true, counted: true },
      { order_id: BigInt(lateOrder), placed: true, cancelled: true, counted: false },
    ]);
    // Payments and shipments change no figure and are not recorded.
    expect((await db.sql`SELECT 1 FROM consumer_inbox WHERE consumer = ${SALES_FEED} AND event_id = ${paid.id}`).length).toBe(0);
  });

  it('records each stock.low once', async () => {
    const [product] = await createProducts(db.sql, 1);
    const low = await announceStockLow(db.sql, product!.id, 3, 10);
    expect(failedIds(await feed(batchOf(SALES_FEED, [low, low])))).toEqual([]);
    expect(failedIds(await feed(batchOf(SALES_FEED, [low], 2)))).toEqual([]);
    const rows = await db.sql`SELECT product_id, sku, stock, low_units, at FROM analytics.stock_low WHERE event_id = ${low.id}`;
    expect(rows).toEqual([{ product_id: BigInt(product!.id), sku: product!.sku, stock: 3, low_units: 10, at: new Date(low.createdAt) }]);
  });

  it('fails a body that is not a shop event and an event of a product the shop does not know, each alone', async () => {
    const products = await createProducts(db.sql, 1, 1_000);
    const good = await announceOrder(db.sql, await buy(products, [1]), 'order.placed', 'placed');
    const unknown = await announceOrder(db.sql, await buy(products, [1]), 'order.placed', 'placed');
    const tampered: ShopEvent = { ...unknown, payload: { ...unknown.payload, lines: [{ productId: 987_654_321, sku: 'GONE', quantity: 1, unitPriceWon: 1 }] } };
    const batch = batchOf(SALES_FEED, ['not json', tampered, good]);

    expect(failedIds(await feed(batch))).toEqual([batch.Records[0]!.messageId, batch.Records[1]!.messageId]);
    expect(await salesOf(products)).toEqual([expect.objectContaining({ units: 1, orders: 1 })]);
    expect(warnings.slice(-2).map((w) => (w.err as { type: string }).type)).toEqual(['UndecodableBody', 'ANALYTICS_MISMATCH']);
    // Nothing of the failed event stayed behind: its redelivery would count it.
    expect((await db.sql`SELECT 1 FROM analytics.order_sales WHERE order_id = ${unknown.aggregateId}`).length).toBe(0);
  });

  it('a database failure fails only its records; the rest of the batch is counted', async () => {
    const products = await createProducts(db.sql, 1, 2_000);
    const a = await announceOrder(db.sql, await buy(products, [1]), 'order.placed', 'placed');
    const b = await announceOrder(db.sql, await buy(products, [2]), 'order.placed', 'placed');

    const other = await holdInboxRow(db.sql, SALES_FEED, a.id);
    const batch = batchOf(SALES_FEED, [a, b]);
    const response = await feed(batch);
    await other.release();

    expect(failedIds(response)).toEqual([batch.Records[0]!.messageId]);
    expect(await salesOf(products)).toEqual([expect.objectContaining({ units: 2, orders: 1 })]);
    expect(failedIds(await feed(batchOf(SALES_FEED, [a], 2)))).toEqual([]);
    expect(await salesOf(products)).toEqual([expect.objectContaining({ units: 3, orders: 2 })]);
  });
});
