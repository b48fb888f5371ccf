import { Type, type Static } from 'typebox';
import { Product } from '../catalog/catalog.schemas.js';

/** Postgres `integer` holds up to 2^31 − 1. */
const INT4_MAX = 2_147_483_647;

const fields = {
  sku: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }),
  slug: Type.String({ pattern: '^[a-z0-9-]{1,120}$' }),
  name: Type.String({ minLength: 1, maxLength: 200, description: 'Korean name' }),
  nameEn: Type.String({ maxLength: 200 }),
  description: Type.String({ maxLength: 5000 }),
  priceWon: Type.Integer({ minimum: 0, maximum: INT4_MAX }),
  categoryId: Type.Integer({ minimum: 1 }),
  stock: Type.Integer({ minimum: 0, maximum: INT4_MAX }),
  // One schema with a type list, not a union: the shop's validator coerces 0 to null when a
  // union's integer branch refuses it, and 0 would then silently mean "no limit".
  maxPerCustomer: Type.Unsafe<number | null>({
    type: ['integer', 'null'],
    minimum: 1,
    maximum: INT4_MAX,
    description: 'Units one customer may buy over all their orders (e.g. 2 for a flash-sale item); null: no limit. Checkout answers 409 PURCHASE_LIMIT beyond it.',
  }),
  active: Type.Boolean(),
};

export const ProductCreate = Type.Object(
  {
    sku: fields.sku,
    slug: fields.slug,
    name: fields.name,
    nameEn: Type.Optional(fields.nameEn),
    description: Type.Optional(fields.description),
    priceWon: fields.priceWon,
    categoryId: fields.categoryId,
    stock: Type.Optional(fields.stock),
    maxPerCustomer: Type.Optional(fields.maxPerCustomer),
    active: Type.Optional(fields.active),
  },
  { additionalProperties: false },
);
export type ProductCreate = Static<typeof ProductCreate>;

/** Stock changes go through the stock routes, so they are recorded. */
export const ProductUpdate = Type.Object(
  {
    sku: Type.Optional(fields.sku),
    slug: Type.Optional(fields.slug),
    name: Type.Optional(fields.name),
    nameEn: Type.Optional(fields.nameEn),
    description: Type.Optional(fields.description),
    priceWon: Type.Optional(fields.priceWon),
    categoryId: Type.Optional(fields.categoryId),
    maxPerCustomer: Type.Optional(fields.maxPerCustomer),
    active: Type.Optional(fields.active),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ProductUpdate = Static<typeof ProductUpdate>;

export const ProductIdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

export const StockSet = Type.Object({ stock: fields.stock }, { additionalProperties: false });

export const StockAdjustmentCreate = Type.Object(
  {
    delta: Type.Integer({ minimum: -1_000_000, maximum: 1_000_000, not: { const: 0 }, description: 'Units to add (positive) or remove (negative)' }),
    reason: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);
export type StockAdjustmentCreate = Static<typeof StockAdjustmentCreate>;

export const StockAdjustment = Type.Object({
  id: Type.Integer(),
  delta: Type.Integer(),
  reason: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

export const StockAdjusted = Type.Object({ adjustment: StockAdjustment, product: Product });
export type StockAdjusted = Static<typeof StockAdjusted>;

export const AdminProductListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    category: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,80}$' })),
    sort: Type.Optional(Type.Union(['newest', 'price_asc', 'price_desc', 'name'].map((s) => Type.Literal(s)))),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  },
  { additionalProperties: false },
);
