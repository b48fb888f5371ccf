import { describe, expect, it } from 'vitest';
import { allocate, keyOf, purchaseKeyOf, type BatchCart, type LockedProduct } from './allocation.js';

const product = (id: number, stock: number, over: Partial<LockedProduct> = {}): LockedProduct => ({
  id,
  sku: `SKU-${id}`,
  name: `Product ${id}`,
  priceWon: 1000 * id,
  stock,
  active: true,
  maxPerCustomer: null,
  ...over,
});
const productsOf = (...ps: LockedProduct[]) => new Map(ps.map((p) => [p.id, p]));
const cart = (userId: number, items: [number, number][]): [number, BatchCart] => [
  userId,
  { cartId: `cart-${userId}`, items: items.map(([productId, quantity]) => ({ productId, quantity })) },
];
const job = (userId: number, key = `key-${userId}`) => ({ userId, idempotencyKey: key });
const kinds = (a: ReturnType<typeof allocate>) => a.map((d) => (d.kind === 'refused' ? d.error.code : d.kind));

describe('allocate (one batch of checkouts against locked stock)', () => {
  it('serves the batch first come, first served, and refuses the rest with the short lines named', () => {
    const carts = new Map([cart(1, [[7, 2]]), cart(2, [[7, 2]]), cart(3, [[7, 1]]), cart(4, [[7, 1]])]);
    const result = allocate([job(1), job(2), job(3), job(4)], carts, productsOf(product(7, 5)), new Set());
    expect(kinds(result)).toEqual(['allocated', 'allocated', 'allocated', 'OUT_OF_STOCK']);
    const refused = result[3]!;
    expect(refused.kind === 'refused' && refused.error.details).toEqual([{ productId: 7, name: 'Product 7', requested: 1, available: 0 }]);
    const units = result.reduce((n, d) => n + (d.kind === 'allocated' ? d.lines.reduce((m, l) => m + l.quantity, 0) : 0), 0);
    expect(units).toBe(5);
  });

  it('takes a cart whole or not at all: a short line leaves the other lines for later jobs', () => {
    const carts = new Map([
      cart(1, [
        [1, 1],
        [2, 3],
      ]),
      cart(2, [[1, 1]]),
    ]);
    const result = allocate([job(1), job(2)], carts, productsOf(product(1, 1), product(2, 2)), new Set());
    expect(kinds(result)).toEqual(['OUT_OF_STOCK', 'allocated']);
    expect(result[0]!.kind === 'refused' && result[0]!.error.details).toEqual([{ productId: 2, name: 'Product 2', requested: 3, available: 2 }]);
  });

  it('prices the lines at the locked rows and totals them', () => {
    const result = allocate(
      [job(1)],
      new Map([
        cart(1, [
          [1, 2],
          [3, 1],
        ]),
      ]),
      productsOf(product(1, 9), product(3, 9)),
      new Set(),
    );
    const d = result[0]!;
    expect(d.kind).toBe('allocated');
    if (d.kind !== 'allocated') return;
    expect(d.lines).toEqual([
      { productId: 1, sku: 'SKU-1', name: 'Product 1', unitPriceWon: 1000, quantity: 2 },
      { productId: 3, sku: 'SKU-3', name: 'Product 3', unitPriceWon: 3000, quantity: 1 },
    ]);
    expect(d.totalWon).toBe(5000);
    expect(d.cartId).toBe('cart-1');
  });

  it('answers a used key as seen before looking at the cart, and a key repeated in the batch once', () => {
    const carts = new Map([cart(1, [[7, 1]]), cart(2, [[7, 1]])]);
    const used = new Set([keyOf(2, 'old')]);
    const result = allocate([job(1, 'k'), job(1, 'k'), job(2, 'old'), job(3, 'new')], carts, productsOf(product(7, 10)), used);
    expect(kinds(result)).toEqual(['allocated', 'seen', 'seen', 'CART_EMPTY']);
  });

  it('lets one cart serve one order: a second key of the same user in the batch finds the cart empty', () => {
    const result = allocate([job(1, 'first'), job(1, 'second')], new Map([cart(1, [[7, 1]])]), productsOf(product(7, 10)), new Set());
    expect(kinds(result)).toEqual(['allocated', 'CART_EMPTY']);
  });

  it('treats a withdrawn or vanished product as out of stock', () => {
    const carts = new Map([cart(1, [[7, 1]]), cart(2, [[8, 1]])]);
    const result = allocate([job(1), job(2)], carts, productsOf(product(7, 10, { active: false })), new Set());
    expect(kinds(result)).toEqual(['OUT_OF_STOCK', 'OUT_OF_STOCK']);
    expect(result[1]!.kind === 'refused' && result[1]!.error.details).toEqual([{ productId: 8, name: '', requested: 1, available: 0 }]);
  });

  it('refuses an order whose total does not fit the orders table, and lets the next one have the stock', () => {
    const carts = new Map([cart(1, [[9, 1000]]), cart(2, [[9, 1]])]);
    const result = allocate([job(1), job(2)], carts, productsOf(product(9, 1000, { priceWon: 3_000_000 })), new Set());
    expect(kinds(result)).toEqual(['INVALID_VALUE', 'allocated']);
    expect(result[0]!.kind === 'refused' && result[0]!.error.statusCode).toBe(400);
  });

  it("holds each customer to a product's limit, counting earlier orders and earlier checkouts of the same batch", () => {
    const buyNow = (userId: number, key: string, productId: number, quantity: number) => ({ ...job(userId, key), items: [{ productId, quantity }] });
    const bought = new Map([[purchaseKeyOf(1, 7), 1]]);
    const result = allocate(
      [buyNow(1, 'a', 7, 1), buyNow(1, 'b', 7, 1), job(2), buyNow(2, 'c', 7, 2), buyNow(2, 'd', 7, 1), buyNow(3, 'e', 8, 5)],
      new Map([cart(2, [[7, 3]])]),
      productsOf(product(7, 100, { maxPerCustomer: 2 }), product(8, 100)),
      new Set(),
      bought,
    );
    expect(kinds(result)).toEqual(['allocated', 'PURCHASE_LIMIT', 'PURCHASE_LIMIT', 'allocated', 'PURCHASE_LIMIT', 'allocated']);
    const details = (i: number) => result[i]!.kind === 'refused' && result[i]!.error.details;
    expect(details(1)).toEqual([{ productId: 7, name: 'Product 7', limit: 2, alreadyBought: 2, requested: 1 }]);
    expect(details(2)).toEqual([{ productId: 7, name: 'Product 7', limit: 2, alreadyBought: 0, requested: 3 }]);
    expect(details(4)).toEqual([{ productId: 7, name: 'Product 7', limit: 2, alreadyBought: 2, requested: 1 }]);
    expect(result[1]!.kind === 'refused' && result[1]!.error.statusCode).toBe(409);
  });

  it('refuses a whole cart over a limit and leaves all of its stock to the next customers', () => {
    const carts = new Map([
      cart(1, [
        [7, 3],
        [8, 1],
      ]),
      cart(2, [[8, 1]]),
      cart(3, [[7, 2]]),
    ]);
    const result = allocate([job(1), job(2), job(3)], carts, productsOf(product(7, 2, { maxPerCustomer: 2 }), product(8, 1)), new Set());
    expect(kinds(result)).toEqual(['PURCHASE_LIMIT', 'allocated', 'allocated']);
  });
});
