import type { Cart, CartLine } from '@/lib/api-types';

/** Sum of line totals in won. Integers only: KRW has no minor unit, so there is no rounding. */
export function cartTotal(lines: Pick<CartLine, 'unitPriceWon' | 'quantity'>[]): number {
  return lines.reduce((sum, l) => sum + l.unitPriceWon * l.quantity, 0);
}

export function itemCount(lines: Pick<CartLine, 'quantity'>[]): number {
  return lines.reduce((n, l) => n + l.quantity, 0);
}

/** The cart as it will be after a quantity change (0 removes the line): shown at once, then confirmed by the server. */
export function withQuantity(cart: Cart, productId: number, quantity: number): Cart {
  const lines = cart.lines.map((l) => (l.productId === productId ? { ...l, quantity, lineTotalWon: l.unitPriceWon * quantity } : l)).filter((l) => l.quantity > 0);
  return { lines, itemCount: itemCount(lines), totalWon: cartTotal(lines) };
}

/** The lines a shopper wants more of than there are, for a warning before checkout. */
export function shortLines(cart: Cart): CartLine[] {
  return cart.lines.filter((l) => l.quantity > l.available);
}
