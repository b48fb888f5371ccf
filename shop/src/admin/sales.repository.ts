import type { Queryable } from '../db/pools.js';

/** A window of calendar days, both ends included, as `YYYY-MM-DD`. */
export interface SalesWindow {
  from: string;
  to: string;
}

export interface DayRow {
  day: string;
  units: bigint;
  revenue_won: bigint;
  orders: bigint;
}

export interface ProductSalesRow {
  product_id: bigint;
  sku: string;
  name: string;
  name_en: string;
  units: bigint;
  revenue_won: bigint;
}

export interface CategorySalesRow {
  category_id: bigint;
  slug: string;
  name: string;
  name_en: string;
  units: bigint;
  revenue_won: bigint;
}

export interface StockLowRow {
  product_id: bigint;
  sku: string;
  name: string;
  name_en: string;
  stock: number;
  low_units: number;
  current_stock: number;
  at: Date;
}

/** The last `days` calendar days up to and including today, today as the analytics store counts days. */
export async function salesWindow(sql: Queryable, days: number, timeZone: string): Promise<SalesWindow> {
  const [row] = await sql<SalesWindow[]>`
    WITH today AS (SELECT (now() AT TIME ZONE ${timeZone})::date AS d)
    SELECT (d - ${days - 1}::int)::text AS "from", d::text AS "to" FROM today`;
  return row!;
}

/**
 * Every day of the window, a day without sales included, oldest first. Units and revenue are the
 * products' rows added up; orders are counted once each from the feed's record of the orders it
 * counted (`order_sales`), since an order of three products is in three product rows.
 */
export async function salesByDay(sql: Queryable, window: SalesWindow): Promise<DayRow[]> {
  return sql<DayRow[]>`
    WITH days AS (
      SELECT d::date AS day FROM generate_series(${window.from}::date, ${window.to}::date, interval '1 day') AS d
    ), products AS (
      SELECT day, sum(units)::bigint AS units, sum(revenue_won)::bigint AS revenue_won
      FROM analytics.daily_sales WHERE day BETWEEN ${window.from}::date AND ${window.to}::date GROUP BY day
    ), orders AS (
      SELECT day, count(*)::bigint AS orders
      FROM analytics.order_sales
      WHERE day BETWEEN ${window.from}::date AND ${window.to}::date AND placed AND NOT cancelled
      GROUP BY day
    )
    SELECT days.day::text AS day,
           COALESCE(products.units, 0)::bigint AS units,
           COALESCE(products.revenue_won, 0)::bigint AS revenue_won,
           COALESCE(orders.orders, 0)::bigint AS orders
    FROM days
    LEFT JOIN products USING (day)
    LEFT JOIN orders USING (day)
    ORDER BY days.day`;
}

/** The products with the most revenue in the window; a product whose orders were all cancelled is left out. */
export async function topProducts(sql: Queryable, window: SalesWindow, limit: number): Promise<ProductSalesRow[]> {
  return sql<ProductSalesRow[]>`
    SELECT s.product_id, p.sku, p.name, p.name_en, sum(s.units)::bigint AS units, sum(s.revenue_won)::bigint AS revenue_won
    FROM analytics.daily_sales s
    JOIN products p ON p.id = s.product_id
    WHERE s.day BETWEEN ${window.from}::date AND ${window.to}::date
    GROUP BY s.product_id, p.sku, p.name, p.name_en
    HAVING sum(s.units) > 0
    ORDER BY revenue_won DESC, units DESC, s.product_id
    LIMIT ${limit}`;
}

/**
 * Sales per category in the window, most revenue first. The category is the one the product had
 * when it first sold that day (the store records it per row), so moving a product does not
 * rewrite history.
 */
export async function salesByCategory(sql: Queryable, window: SalesWindow): Promise<CategorySalesRow[]> {
  return sql<CategorySalesRow[]>`
    SELECT s.category_id, c.slug, c.name, c.name_en, sum(s.units)::bigint AS units, sum(s.revenue_won)::bigint AS revenue_won
    FROM analytics.daily_sales s
    JOIN categories c ON c.id = s.category_id
    WHERE s.day BETWEEN ${window.from}::date AND ${window.to}::date
    GROUP BY s.category_id, c.slug, c.name, c.name_en
    HAVING sum(s.units) > 0
    ORDER BY revenue_won DESC, units DESC, s.category_id`;
}

/** The most recent `stock.low` announcements since the window's first day, with the product's stock now. */
export async function recentStockLow(sql: Queryable, window: SalesWindow, timeZone: string, limit: number): Promise<StockLowRow[]> {
  return sql<StockLowRow[]>`
    SELECT l.product_id, l.sku, p.name, p.name_en, l.stock, l.low_units, p.stock AS current_stock, l.at
    FROM analytics.stock_low l
    JOIN products p ON p.id = l.product_id
    WHERE l.at >= (${window.from}::date::timestamp AT TIME ZONE ${timeZone})
    ORDER BY l.at DESC, l.event_id DESC
    LIMIT ${limit}`;
}
