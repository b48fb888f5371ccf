import type { Sql } from '../db/pools.js';
import * as repository from './sales.repository.js';
import { SALES_STOCK_LOW_RECENT, SALES_TOP_PRODUCTS, type SalesReport } from './sales.schemas.js';

/** The calendar the analytics store files a sale under: the day of the order's placement in Asia/Seoul (migration 080). */
export const SALES_TIME_ZONE = 'Asia/Seoul';

/**
 * The staff sales report over the last `days` days, read from the analytics store the sales
 * feed keeps (migration 080), not from the orders: the store is what the consumer made of the
 * order events, and the page shows it. All parts are read in one snapshot, so the totals, the
 * days, the products and the categories add up to the same figures while the feed writes.
 */
export async function salesReport(sql: Sql, days: number): Promise<SalesReport> {
  return sql.begin('isolation level repeatable read read only', async (tx) => {
    const window = await repository.salesWindow(tx, days, SALES_TIME_ZONE);
    const [daily, products, categories, stockLow] = await Promise.all([
      repository.salesByDay(tx, window),
      repository.topProducts(tx, window, SALES_TOP_PRODUCTS),
      repository.salesByCategory(tx, window),
      repository.recentStockLow(tx, window, SALES_TIME_ZONE, SALES_STOCK_LOW_RECENT),
    ]);
    const byDay = daily.map((d) => ({ day: d.day, units: Number(d.units), revenueWon: Number(d.revenue_won), orders: Number(d.orders) }));
    return {
      ...window,
      totals: {
        units: byDay.reduce((sum, d) => sum + d.units, 0),
        revenueWon: byDay.reduce((sum, d) => sum + d.revenueWon, 0),
        orders: byDay.reduce((sum, d) => sum + d.orders, 0),
      },
      daily: byDay,
      topProducts: products.map((p) => ({
        productId: Number(p.product_id),
        sku: p.sku,
        name: p.name,
        nameEn: p.name_en,
        units: Number(p.units),
        revenueWon: Number(p.revenue_won),
      })),
      categories: categories.map((c) => ({
        categoryId: Number(c.category_id),
        slug: c.slug,
        name: c.name,
        nameEn: c.name_en,
        units: Number(c.units),
        revenueWon: Number(c.revenue_won),
      })),
      stockLow: stockLow.map((l) => ({
        productId: Number(l.product_id),
        sku: l.sku,
        name: l.name,
        nameEn: l.name_en,
        stock: l.stock,
        lowUnits: l.low_units,
        currentStock: l.current_stock,
        at: l.at.toISOString(),
      })),
    };
  });
}
