import { Type, type Static } from 'typebox';

export const SALES_DAYS_DEFAULT = 30;
/** A year, leap day included: the analytics store keeps per-day rows, and a longer window is a report, not a chart. */
export const SALES_DAYS_MAX = 366;
/** How many products the top list names; the categories are all listed. */
export const SALES_TOP_PRODUCTS = 10;
/** How many `stock.low` announcements the page lists, newest first. */
export const SALES_STOCK_LOW_RECENT = 20;

export const SalesQuery = Type.Object(
  {
    days: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: SALES_DAYS_MAX,
        default: SALES_DAYS_DEFAULT,
        description: 'The window: this many calendar days (Asia/Seoul) up to and including today',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SalesQuery = Static<typeof SalesQuery>;

const day = Type.String({ format: 'date', description: 'A calendar day, YYYY-MM-DD' });
/** Orders count on the day they were placed (Asia/Seoul); a cancelled order no longer counts. */
const figures = {
  units: Type.Integer({ minimum: 0, description: 'Units in the orders placed, cancelled ones left out' }),
  revenueWon: Type.Integer({ minimum: 0, description: 'Revenue in won of the orders placed, cancelled ones left out' }),
};

export const SalesDay = Type.Object({
  day,
  ...figures,
  orders: Type.Integer({ minimum: 0, description: 'Orders placed that day and not cancelled, each counted once' }),
});

export const SalesProduct = Type.Object({
  productId: Type.Integer(),
  sku: Type.String(),
  name: Type.String(),
  nameEn: Type.String(),
  ...figures,
});

export const SalesCategory = Type.Object({
  categoryId: Type.Integer(),
  slug: Type.String(),
  name: Type.String(),
  nameEn: Type.String(),
  ...figures,
});

export const StockLowEntry = Type.Object({
  productId: Type.Integer(),
  sku: Type.String(),
  name: Type.String(),
  nameEn: Type.String(),
  stock: Type.Integer({ description: 'The stock the announcement reported' }),
  lowUnits: Type.Integer({ description: 'The reorder threshold it fell to or below (STOCK_LOW_UNITS then)' }),
  currentStock: Type.Integer({ description: 'The stock now' }),
  at: Type.String({ format: 'date-time' }),
});

export const SalesReport = Type.Object({
  from: day,
  to: day,
  totals: Type.Object({ ...figures, orders: Type.Integer({ minimum: 0 }) }),
  daily: Type.Array(SalesDay, { description: 'Every day of the window, oldest first; a day without sales has zeros' }),
  topProducts: Type.Array(SalesProduct, { description: `The ${SALES_TOP_PRODUCTS} products with the most revenue in the window` }),
  categories: Type.Array(SalesCategory, { description: 'Every category with sales in the window, most revenue first' }),
  stockLow: Type.Array(StockLowEntry, { description: `The ${SALES_STOCK_LOW_RECENT} most recent stock.low announcements, newest first` }),
});
export type SalesReport = Static<typeof SalesReport>;
