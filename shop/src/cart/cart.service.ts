import { withWriterRetry, type Queryable, type Sql } from '../db/pools.js';
import { conflict, notFound, unprocessable } from '../errors.js';
import type { Logger } from '../lib/logger.js';
import { mediaUrl } from '../media/media-keys.js';
import {
  addCartItem,
  addToUserCart,
  anonymousCartExists,
  cartLineQuantity,
  claimCartAdd,
  countCartLines,
  createAnonymousCart,
  ensureUserCart,
  findCartAdd,
  findProduct,
  findUserCartId,
  listCartLines,
  mergeCart,
  removeCartItem,
  setCartItemQuantity,
  touchCart,
  type CartAddRecord,
  type CartLineRow,
  type CartProduct,
} from './cart.repository.js';
import { CART_ADD_REPLAY_WINDOW_HOURS, MAX_CART_LINES, type Cart } from './cart.schemas.js';

/**
 * Whose cart a request means: the logged-in user's, or the anonymous cart named by the
 * signed cart cookie (absent until the visitor first adds something).
 */
export type CartOwner = { userId: number } | { anonymousCartId: string | undefined };

export interface CartChange {
  cart: Cart;
  /**
   * Set when the visitor's cart cookie must name this anonymous cart: the add created it, or a
   * replayed add went to it (its first answer, cookie included, may never have arrived).
   */
  cookieCartId?: string;
  /** True when an add with this Idempotency-Key was applied before: this one changed nothing. */
  replayed: boolean;
}

/** One add as the client sent it; `key` is its Idempotency-Key, when it sent one. */
interface Add {
  productId: number;
  quantity: number;
  key?: string;
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

/**
 * A concurrent add took the key between our look-up and our claim. Retryable, like a
 * serialization failure (its SQLSTATE): the next attempt finds that add and replays it.
 */
const keyTakenMeanwhile = () => Object.assign(new Error('the idempotency key of this cart add was taken by another transaction meanwhile'), { code: '40001' });

const keyReused = (key: string) =>
  unprocessable('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different cart add. Use a new key for each add.', { idempotencyKey: key });

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
  constructor(
    private readonly sql: Sql,
    private readonly log?: Logger,
  ) {}

  /** A read, so safe to repeat: a failover makes it wait for the new primary instead of failing. */
  async getCart(owner: CartOwner): Promise<Cart> {
    return withWriterRetry(
      async () => {
        const cartId = await this.findCartId(owner);
        return cartId ? toCart(await listCartLines(this.sql, cartId)) : EMPTY_CART;
      },
      { logger: this.log },
    );
  }

  /**
   * Adds units of a product. `beforeNewCart` runs before a visitor's add creates an anonymous
   * cart (the route throttles creation per client there); it throws to refuse.
   *
   * With an Idempotency-Key the add is applied at most once: its key is claimed in the same
   * transaction as the line change, and a replay answers the cart as it now is. That makes the
   * add safe to repeat, so it is retried on a fresh connection when the primary moved mid-way
   * (`withWriterRetry`): a database failover costs the shopper latency, not an error. Without a
   * key an increment cannot tell a lost answer from a lost add, and fails instead.
   */
  async addItem(owner: CartOwner, add: Add, beforeNewCart: () => Promise<void> = async () => {}): Promise<CartChange> {
    const { key } = add;
    if (key === undefined) return this.applyAdd(owner, add, beforeNewCart);
    let throttled = false;
    const throttleOnce = async () => {
      if (throttled) return;
      await beforeNewCart();
      throttled = true;
    };
    return withWriterRetry(
      async () => {
        const earlier = await findCartAdd(this.sql, key, CART_ADD_REPLAY_WINDOW_HOURS);
        return earlier ? this.replay(owner, add, key, earlier) : this.applyAdd(owner, add, throttleOnce);
      },
      { logger: this.log },
    );
  }

  /** The answer to an add whose key was applied before, when it is the same add by the same owner. */
  private async replay(owner: CartOwner, add: Add, key: string, earlier: CartAddRecord): Promise<CartChange> {
    if (earlier.productId !== add.productId || earlier.quantity !== add.quantity) throw keyReused(key);
    if ('userId' in owner) {
      if (earlier.userId !== owner.userId) throw keyReused(key);
      return { cart: toCart(await listCartLines(this.sql, earlier.cartId)), replayed: true };
    }
    // A visitor's replay may come without the cookie its first answer set; one that names
    // another live cart of theirs is a key reused across carts.
    const otherCart = owner.anonymousCartId !== undefined && owner.anonymousCartId !== earlier.cartId && (await anonymousCartExists(this.sql, owner.anonymousCartId));
    if (earlier.userId !== null || otherCart) throw keyReused(key);
    return { cart: toCart(await listCartLines(this.sql, earlier.cartId)), cookieCartId: earlier.cartId, replayed: true };
  }

  /** Applies the add once; with a key, claims it in the same transaction. */
  private async applyAdd(owner: CartOwner, add: Add, beforeNewCart: () => Promise<void>): Promise<CartChange> {
    if ('userId' in owner) return { cart: await this.addToUserCart(owner.userId, add), replayed: false };
    const product = await this.requireBuyableProduct(add.productId);
    const existingCartId = owner.anonymousCartId && (await anonymousCartExists(this.sql, owner.anonymousCartId)) ? owner.anonymousCartId : undefined;
    if (!existingCartId) await beforeNewCart();
    let createdAnonymousCartId: string | undefined;
    const cartId = await this.sql.begin(async (tx) => {
      let id: string | undefined;
      if (existingCartId && (await anonymousCartExists(tx, existingCartId))) id = existingCartId;
      else id = createdAnonymousCartId = await createAnonymousCart(tx);
      await this.claim(tx, id, add);
      const newQuantity = await addCartItem(tx, id, add.productId, add.quantity);
      if (newQuantity === add.quantity && (await countCartLines(tx, id)) > MAX_CART_LINES) throw cartFull();
      if (newQuantity > product.stock) throw insufficientStock(product, newQuantity);
      await touchCart(tx, id);
      return id;
    });
    return { cart: toCart(await listCartLines(this.sql, cartId)), ...(createdAnonymousCartId ? { cookieCartId: createdAnonymousCartId } : {}), replayed: false };
  }

  /** With a key: records it for this add, or (another add holds it) ends the transaction to replay that one. */
  private async claim(tx: Queryable, cartId: string, add: Add): Promise<void> {
    if (add.key === undefined) return;
    if (!(await claimCartAdd(tx, add.key, { cartId, productId: add.productId, quantity: add.quantity }, CART_ADD_REPLAY_WINDOW_HOURS))) throw keyTakenMeanwhile();
  }

  /**
   * The logged-in shopper's add: one statement, then the cart as it now is. A keyed add claims
   * its key first, in one transaction with the add, so a refused add releases it.
   */
  private async addToUserCart(userId: number, add: Add): Promise<Cart> {
    const cartId =
      add.key === undefined
        ? await this.addToUserCartIn(this.sql, userId, add)
        : await this.sql.begin(async (tx) => {
            await this.claim(tx, await ensureUserCart(tx, userId), add);
            return this.addToUserCartIn(tx, userId, add);
          });
    return toCart(await listCartLines(this.sql, cartId));
  }

  /** The add's one statement; throws when it was refused. Returns the cart's id. */
  private async addToUserCartIn(sql: Queryable, userId: number, { productId, quantity }: Add): Promise<string> {
    const added = await addToUserCart(sql, userId, productId, quantity, MAX_CART_LINES);
    // A withdrawn product is gone as far as shoppers can tell.
    if (!added.product || !added.product.active) throw notFound('That product');
    if (added.cartFull) throw cartFull();
    if (added.quantityAfter === undefined) {
      // Read after the refusal, so the message counts adds that committed meanwhile.
      throw insufficientStock(added.product, (await cartLineQuantity(sql, added.cartId, productId)) + quantity);
    }
    return added.cartId;
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
