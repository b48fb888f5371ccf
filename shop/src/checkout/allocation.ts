import type { CartItem } from '../cart/cart.repository.js';
import { badRequest, conflict, type ShopError } from '../errors.js';
import type { ReservedLine } from './checkout.repository.js';

/** `orders.total_won` is a PostgreSQL integer. */
const MAX_TOTAL_WON = 2_147_483_647;

export interface BatchJob {
  userId: number;
  idempotencyKey: string;
  /** Buy now: these lines (ascending product id) instead of the user's cart. */
  items?: CartItem[];
}

export interface BatchCart {
  cartId: string;
  /** Ascending product id. */
  items: CartItem[];
}

/** A product row as the batch locked it. */
export interface LockedProduct {
  id: number;
  sku: string;
  name: string;
  priceWon: number;
  stock: number;
  active: boolean;
  /** Units one customer may hold over all their orders; null: no limit. */
  maxPerCustomer: number | null;
}

export interface Shortfall {
  productId: number;
  name: string;
  requested: number;
  available: number;
}

/** A line over its product's per-customer limit. */
export interface OverLimit {
  productId: number;
  name: string;
  limit: number;
  /** Units the customer already holds: earlier orders, and earlier checkouts of this batch. */
  alreadyBought: number;
  requested: number;
}

export type Allocation =
  /** The key already holds an order (committed earlier, or taken by an earlier job of this batch). */
  | { kind: 'seen' }
  | { kind: 'refused'; error: ShopError }
  /** `cartId` is the cart the lines came from, null for a buy now. */
  | { kind: 'allocated'; cartId: string | null; items: CartItem[]; lines: ReservedLine[]; totalWon: number };

export const keyOf = (userId: number, idempotencyKey: string): string => `${userId}\u0000${idempotencyKey}`;

/** The key of what one customer already bought of one product. */
export const purchaseKeyOf = (userId: number, productId: number): string => `${userId}:${productId}`;

/**
 * Decides a whole batch of checkouts against the stock the batch holds locked, in arrival
 * order (first come, first served), the way one-at-a-time checkouts would have:
 * - a key already used answers with its order (seen), before anything else is looked at;
 * - a user's cart serves one order: a second checkout of the same user in the batch finds it empty
 *   (a buy now brings its own lines and leaves the cart alone);
 * - a cart is taken whole or not at all; a short line refuses the order and names every short line;
 * - a product's per-customer limit counts what the customer bought before (`bought`, by
 *   purchaseKeyOf) and what earlier jobs of the batch gave them; a line over it refuses the order
 *   (PURCHASE_LIMIT, naming every such line) before stock is looked at;
 * - stock taken by an earlier job of the batch is gone for the later ones.
 * Pure: the caller writes what it decided, in one statement per table.
 */
export function allocate(
  jobs: readonly BatchJob[],
  carts: ReadonlyMap<number, BatchCart>,
  products: ReadonlyMap<number, LockedProduct>,
  seenKeys: ReadonlySet<string>,
  bought: ReadonlyMap<string, number> = new Map(),
): Allocation[] {
  const remaining = new Map<number, number>();
  for (const p of products.values()) remaining.set(p.id, p.active ? p.stock : 0);
  const emptied = new Set<number>();
  const taken = new Set<string>();
  const held = new Map(bought);

  return jobs.map((job): Allocation => {
    const key = keyOf(job.userId, job.idempotencyKey);
    if (seenKeys.has(key) || taken.has(key)) return { kind: 'seen' };
    let source: { cartId: string | null; items: CartItem[] };
    if (job.items) source = { cartId: null, items: job.items };
    else {
      const cart = carts.get(job.userId);
      if (!cart || cart.items.length === 0 || emptied.has(job.userId)) {
        return { kind: 'refused', error: conflict('CART_EMPTY', 'The cart is empty.') };
      }
      source = cart;
    }

    const over: OverLimit[] = [];
    for (const item of source.items) {
      const p = products.get(item.productId);
      if (p?.maxPerCustomer == null) continue;
      const alreadyBought = held.get(purchaseKeyOf(job.userId, p.id)) ?? 0;
      if (alreadyBought + item.quantity > p.maxPerCustomer) over.push({ productId: p.id, name: p.name, limit: p.maxPerCustomer, alreadyBought, requested: item.quantity });
    }
    if (over.length > 0) {
      const each = over.map((o) => `"${o.name}" is limited to ${o.limit} per customer (you already have ${o.alreadyBought})`).join('; ');
      return { kind: 'refused', error: conflict('PURCHASE_LIMIT', `${each}. Nothing was ordered.`, over) };
    }

    const short: Shortfall[] = [];
    for (const item of source.items) {
      const available = remaining.get(item.productId) ?? 0;
      if (available < item.quantity) {
        short.push({ productId: item.productId, name: products.get(item.productId)?.name ?? '', requested: item.quantity, available });
      }
    }
    if (short.length > 0) {
      const names = short.map((s) => `"${s.name}"`).join(', ');
      return { kind: 'refused', error: conflict('OUT_OF_STOCK', `Not enough stock for ${names}. Nothing was ordered.`, short) };
    }

    const lines = source.items.map((item): ReservedLine => {
      const p = products.get(item.productId)!;
      return { productId: p.id, sku: p.sku, name: p.name, unitPriceWon: p.priceWon, quantity: item.quantity };
    });
    const totalWon = lines.reduce((sum, l) => sum + l.unitPriceWon * l.quantity, 0);
    if (totalWon > MAX_TOTAL_WON) {
      return { kind: 'refused', error: badRequest('INVALID_VALUE', 'The order total is larger than one order can hold. Split it into smaller orders.') };
    }

    for (const item of source.items) {
      remaining.set(item.productId, remaining.get(item.productId)! - item.quantity);
      if (products.get(item.productId)!.maxPerCustomer === null) continue;
      const purchase = purchaseKeyOf(job.userId, item.productId);
      held.set(purchase, (held.get(purchase) ?? 0) + item.quantity);
    }
    if (source.cartId !== null) emptied.add(job.userId);
    taken.add(key);
    return { kind: 'allocated', cartId: source.cartId, items: source.items, lines, totalWon };
  });
}
