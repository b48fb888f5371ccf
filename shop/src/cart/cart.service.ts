import type { Sql } from '../db/pools.js';
import { conflict, notFound } from '../errors.js';
import { mediaUrl } from '../media/media-keys.js';
import {
  addCartItem,
  addToUserCart,
  anonymousCartExists,
  cartLineQuantity,
  countCartLines,
  createAnonymousCart,
  ensureUserCart,
  findProduct,
  findUserCartId,
  listCartLines,
  mergeCart,
  removeCartItem,
  setCartItemQuantity,
  touchCart,
  type CartLineRow,
  type CartProduct,
} from './cart.repository.js';
import { MAX_CART_LINES, type Cart } from './cart.schemas.js';

/**
 * Whose cart a request means: the logged-in user's, or the anonymous cart named by the
 * signed cart cookie (absent until the visitor first adds something).
 */
export type CartOwner = { userId: number } | { anonymousCartId: string | undefined };

export interface CartChange {
  cart: Cart;
  /** Set when this change created an anonymous cart: the route puts it in the cart cookie. */
  createdAnonymousCartId?: string;
}

const EMPTY_CART: Cart = { lines: [], itemCount: 0, totalWon: 0 };

const availableUnits = (p: { stock: number; active: boolean }): number => (p.active ? p.stock : 0);

function toCart(rows: CartLineRow[]): Cart {
  const lines = rows.map((r) => ({
    productId: Number(r.product_id),
    slug: r.slug,
    name: r.name,
    image: r.image === null ? null : mediaUrl(r.image),
    unitPriceWon: r.price_won,
    quantity: r.quantity,
    lineTotalWon: r.price_won * r.quantity,
    available: availableUnits(r),
  }));
  return {
    lines,
    itemCount: lines.reduce((n, l) => n + l.quantity, 0),
    totalWon: lines.reduce((n, l) => n + l.lineTotalWon, 0),
  };
}

const cartFull = () => conflict('CART_FULL', `A cart holds at most ${MAX_CART_LINES} products. Remove one, or check out first.`, { maxLines: MAX_CART_LINES });

function insufficientStock(product: CartProduct, requested: number) {
  return conflict('INSUFFICIENT_STOCK', `Only ${availableUnits(product)} of "${product.name}" left.`, [
    { productId: product.id, name: product.name, requested, available: availableUnits(product) },
  ]);
}

/**
 * The cart, persisted in the DB and read from the writer so a shopper always sees their last
 * change. Quantities are checked against current stock at every change; checkout checks again.
 */
export class CartService {
  constructor(private readonly sql: Sql) {}

  async getCart(owner: CartOwner): Promise<Cart> {
    const cartId = await this.findCartId(owner);
    return cartId ? toCart(await listCartLines(this.sql, cartId)) : EMPTY_CART;
  }

  /**
   * `beforeNewCart` runs before a visitor's add creates an anonymous cart (the route throttles
   * creation per client there); it throws to refuse.
   */
  async addItem(owner: CartOwner, productId: number, quantity: number, beforeNewCart: () => Promise<void> = async () => {}): Promise<CartChange> {
    if ('userId' in owner) return { cart: await this.addToUserCart(owner.userId, productId, quantity) };
    const product = await this.requireBuyableProduct(productId);
    const existingCartId = owner.anonymousCartId && (await anonymousCartExists(this.sql, owner.anonymousCartId)) ? owner.anonymousCartId : undefined;
    if (!existingCartId) await beforeNewCart();
    let createdAnonymousCartId: string | undefined;
    const cartId = await this.sql.begin(async (tx) => {
      let id: string | undefined;
      if (existingCartId && (await anonymousCartExists(tx, existingCartId))) id = existingCartId;
      else id = createdAnonymousCartId = await createAnonymousCart(tx);
      const newQuantity = await addCartItem(tx, id, productId, quantity);
      if (newQuantity === quantity && (await countCartLines(tx, id)) > MAX_CART_LINES) throw cartFull();
      if (newQuantity > product.stock) throw insufficientStock(product, newQuantity);
      await touchCart(tx, id);
      return id;
    });
    return { cart: toCart(await listCartLines(this.sql, cartId)), createdAnonymousCartId };
  }

  /** The logged-in shopper's add: one statement, then the cart as it now is. */
  private async addToUserCart(userId: number, productId: number, quantity: number): Promise<Cart> {
    const added = await addToUserCart(this.sql, userId, productId, quantity, MAX_CART_LINES);
    // A withdrawn product is gone as far as shoppers can tell.
    if (!added.product || !added.product.active) throw notFound('That product');
    if (added.cartFull) throw cartFull();
    if (added.quantityAfter === undefined) {
      // Read after the refusal, so the message counts adds that committed meanwhile.
      throw insufficientStock(added.product, (await cartLineQuantity(this.sql, added.cartId, productId)) + quantity);
    }
    return toCart(await listCartLines(this.sql, added.cartId));
  }

  async updateItem(owner: CartOwner, productId: number, quantity: number): Promise<Cart> {
    const cartId = await this.findCartId(owner);
    if (!cartId) throw notFound('That cart item');
    const product = await findProduct(this.sql, productId);
    if (!product) throw notFound('That cart item');
    if (quantity > availableUnits(product)) throw insufficientStock(product, quantity);
    if (!(await setCartItemQuantity(this.sql, cartId, productId, quantity))) throw notFound('That cart item');
    return toCart(await listCartLines(this.sql, cartId));
  }

  async removeItem(owner: CartOwner, productId: number): Promise<Cart> {
    const cartId = await this.findCartId(owner);
    if (!cartId || !(await removeCartItem(this.sql, cartId, productId))) throw notFound('That cart item');
    return toCart(await listCartLines(this.sql, cartId));
  }

  /** At login or registration: the anonymous cart's lines join the user's cart (capped at stock). */
  async mergeAtLogin(anonymousCartId: string | undefined, userId: number): Promise<void> {
    if (!anonymousCartId) return;
    await this.sql.begin(async (tx) => {
      if (!(await anonymousCartExists(tx, anonymousCartId))) return;
      const userCartId = await ensureUserCart(tx, userId);
      await mergeCart(tx, anonymousCartId, userCartId);
    });
  }

  private async findCartId(owner: CartOwner): Promise<string | undefined> {
    if ('userId' in owner) return findUserCartId(this.sql, owner.userId);
    if (!owner.anonymousCartId) return undefined;
    return (await anonymousCartExists(this.sql, owner.anonymousCartId)) ? owner.anonymousCartId : undefined;
  }

  private async requireBuyableProduct(productId: number): Promise<CartProduct> {
    const product = await findProduct(this.sql, productId);
    if (!product) throw notFound('That product');
    // A withdrawn product is gone as far as shoppers can tell.
    if (!product.active) throw notFound('That product');
    return product;
  }
}
