import { describe, expect, it } from 'vitest';
import type { Cart, CartLine } from '@/lib/api-types';
import { cartTotal, itemCount, shortLines, withQuantity } from './cart-total';

const line = (productId: number, unitPriceWon: number, quantity: number, available = 10): CartLine => ({
  productId,
  slug: `p-${productId}`,
  name: `상품 ${productId}`,
  image: null,
  unitPriceWon,
  quantity,
  lineTotalWon: unitPriceWon * quantity,
  available,
});

const cartOf = (...lines: CartLine[]): Cart => ({ lines, itemCount: itemCount(lines), totalWon: cartTotal(lines) });

describe('cart total', () => {
  it('is the sum of price × quantity over the lines, in whole won', () => {
    expect(cartTotal([line(1, 12900, 2), line(2, 59000, 1)])).toBe(84800);
    expect(cartTotal([])).toBe(0);
  });

  it('follows a quantity change at once, and a 0 removes the line', () => {
    const cart = cartOf(line(1, 12900, 2), line(2, 59000, 1));
    const more = withQuantity(cart, 1, 3);
    expect(more.totalWon).toBe(12900 * 3 + 59000);
    expect(more.itemCount).toBe(4);
    expect(more.lines.find((l) => l.productId === 1)?.lineTotalWon).toBe(38700);
    const removed = withQuantity(cart, 2, 0);
    expect(removed.lines.map((l) => l.productId)).toEqual([1]);
    expect(removed.totalWon).toBe(25800);
  });

  it('names the lines that ask for more than is left', () => {
    const cart = cartOf(line(1, 1000, 3, 2), line(2, 1000, 1, 5));
    expect(shortLines(cart).map((l) => l.productId)).toEqual([1]);
  });
});
