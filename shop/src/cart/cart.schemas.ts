import { Type, type Static } from 'typebox';
import { IDEMPOTENCY_KEY_PATTERN } from '../lib/idempotency-key.js';

/**
 * One line may hold at most this many units. It bounds the arithmetic a single request can
 * ask for; stock is the real limit and is checked on every change.
 */
export const MAX_LINE_QUANTITY = 999;

/**
 * Products one cart may hold, as "buy now" holds at most MAX_BUY_NOW_LINES (checkout.schemas.ts).
 * Every cart read and every checkout reads and locks each line, so an unbounded cart is a cost
 * anyone could impose; 100 is far above any real basket. Adds that race past it can each add one line.
 */
export const MAX_CART_LINES = 100;

const ProductId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

export const AddItemBody = Type.Object({ productId: ProductId, quantity: Type.Integer({ minimum: 1, maximum: MAX_LINE_QUANTITY }) }, { additionalProperties: false });
export type AddItemBody = Static<typeof AddItemBody>;

export const AddItemHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      pattern: IDEMPOTENCY_KEY_PATTERN.source,
      description:
        'A fresh random key per add (a UUID), 8–255 characters of letters, digits and -_.: With one, the add is applied once however ' +
        'often it is sent: resend the same key after a network error or a 5xx. Without one, an add that fails is not retried by the shop.',
    }),
  ),
});

/**
 * How long the key of a cart add is remembered. A replay comes within seconds (the shop's own
 * retry, a client's after a lost answer); a day covers a browser that resends on reconnecting.
 */
export const CART_ADD_REPLAY_WINDOW_HOURS = 24;

export const UpdateItemBody = Type.Object(
  { quantity: Type.Integer({ minimum: 1, maximum: MAX_LINE_QUANTITY, description: 'The new quantity; DELETE the item to remove it' }) },
  { additionalProperties: false },
);
export type UpdateItemBody = Static<typeof UpdateItemBody>;

export const ItemParams = Type.Object({ productId: ProductId });

export const CartLine = Type.Object({
  productId: Type.Integer(),
  slug: Type.String(),
  name: Type.String(),
  image: Type.Union([Type.String({ description: 'A URL path under /media/' }), Type.Null()]),
  unitPriceWon: Type.Integer({ description: 'Current price in won' }),
  quantity: Type.Integer(),
  lineTotalWon: Type.Integer(),
  available: Type.Integer({ description: 'Units that can be bought now (0 when the product was withdrawn)' }),
});
export type CartLine = Static<typeof CartLine>;

export const Cart = Type.Object({
  lines: Type.Array(CartLine),
  itemCount: Type.Integer({ description: 'Units over all lines' }),
  totalWon: Type.Integer({ description: 'Sum of line totals at current prices' }),
});
export type Cart = Static<typeof Cart>;
