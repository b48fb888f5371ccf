import type { Queryable } from '../db/pools.js';

export interface CartItem {
  productId: number;
  quantity: number;
}

export interface CartLineRow {
  product_id: number | bigint;
  quantity: number;
  slug: string;
  name: string;
  image: string | null;
  price_won: number;
  stock: number;
  active: boolean;
}

export interface CartProduct {
  id: number;
  name: string;
  stock: number;
  active: boolean;
}

export async function findUserCartId(sql: Queryable, userId: number): Promise<string | undefined> {
  const [row] = await sql<{ id: string }[]>`SELECT id FROM carts WHERE user_id = ${userId}`;
  return row?.id;
}

/** The user's cart, created on first use. ON CONFLICT makes two first requests at once safe. */
export async function ensureUserCart(sql: Queryable, userId: number): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO carts (id, user_id) VALUES (gen_random_uuid(), ${userId})
    ON CONFLICT (user_id) DO UPDATE SET updated_at = now()
    RETURNING id`;
  if (!row) throw new Error('cart upsert returned no row');
  return row.id;
}

/** An anonymous cart exists only while no user owns it; a merged cart's old cookie finds nothing. */
export async function anonymousCartExists(sql: Queryable, cartId: string): Promise<boolean> {
  const rows = await sql`SELECT 1 FROM carts WHERE id = ${cartId} AND user_id IS NULL`;
  return rows.length > 0;
}

export async function createAnonymousCart(sql: Queryable): Promise<string> {
  const [row] = await sql<{ id: string }[]>`INSERT INTO carts (id) VALUES (gen_random_uuid()) RETURNING id`;
  if (!row) throw new Error('cart insert returned no row');
  return row.id;
}

export async function listCartLines(sql: Queryable, cartId: string): Promise<CartLineRow[]> {
  return sql<CartLineRow[]>`
    SELECT ci.product_id, ci.quantity, p.slug, p.name, p.images[1] AS image, p.price_won, p.stock, p.active
    FROM cart_items ci JOIN products p ON p.id = ci.product_id
    WHERE ci.cart_id = ${cartId}
    ORDER BY ci.added_at, ci.product_id`;
}

/** Product ids and quantities only, in ascending product id: the order checkout locks stock in. */
export async function listCartItems(sql: Queryable, cartId: string): Promise<CartItem[]> {
  const rows = await sql<{ product_id: number | bigint; quantity: number }[]>`
    SELECT product_id, quantity FROM cart_items WHERE cart_id = ${cartId} ORDER BY product_id`;
  return rows.map((r) => ({ productId: Number(r.product_id), quantity: r.quantity }));
}

export async function findProduct(sql: Queryable, productId: number): Promise<CartProduct | undefined> {
  const [row] = await sql<{ id: number | bigint; name: string; stock: number; active: boolean }[]>`
    SELECT id, name, stock, active FROM products WHERE id = ${productId}`;
  return row ? { id: Number(row.id), name: row.name, stock: row.stock, active: row.active } : undefined;
}

/**
 * Adds units to a line and returns the line's new quantity. The row lock taken by the upsert
 * holds until commit, so two adds to one line at once are counted one after the other.
 */
export async function addCartItem(sql: Queryable, cartId: string, productId: number, quantity: number): Promise<number> {
  const [row] = await sql<{ quantity: number }[]>`
    INSERT INTO cart_items (cart_id, product_id, quantity) VALUES (${cartId}, ${productId}, ${quantity})
    ON CONFLICT (cart_id, product_id) DO UPDATE SET quantity = cart_items.quantity + excluded.quantity
    RETURNING quantity`;
  if (!row) throw new Error('cart item upsert returned no row');
  return row.quantity;
}

export interface UserCartAdd {
  cartId: string;
  /** True when the add was refused because the product is not in the cart and the cart already holds `maxLines` products. */
  cartFull: boolean;
  /** The product as the statement saw it; undefined when there is no such product. */
  product: CartProduct | undefined;
  /** The line's quantity after the add; undefined when the add was refused (withdrawn, or over the stock). */
  quantityAfter: number | undefined;
}

/**
 * A logged-in shopper's add in one statement (one round trip instead of a transaction of four):
 * creates or touches the user's cart, and adds to the line only if the product is sold, the
 * new quantity fits the stock and a new line fits the cart (`maxLines`). Two adds to one line at once are counted one after the other:
 * the upsert locks the line and re-checks against its latest quantity.
 */
export async function addToUserCart(sql: Queryable, userId: number, productId: number, quantity: number, maxLines: number): Promise<UserCartAdd> {
  const [row] = await sql<
    { cart_id: string; id: number | bigint | null; name: string | null; stock: number | null; active: boolean | null; quantity_after: number | null; cart_full: boolean }[]
  >`
    WITH p AS (SELECT id, name, stock, active FROM products WHERE id = ${productId}),
    cart AS (
      INSERT INTO carts (id, user_id) VALUES (gen_random_uuid(), ${userId})
      ON CONFLICT (user_id) DO UPDATE SET updated_at = now()
      RETURNING id
    ),
    lines AS (
      SELECT count(*) >= ${maxLines} AND NOT coalesce(bool_or(ci.product_id = ${productId}), false) AS is_full
      FROM cart_items ci WHERE ci.cart_id = (SELECT id FROM cart)
    ),
    item AS (
      INSERT INTO cart_items (cart_id, product_id, quantity)
      SELECT cart.id, p.id, ${quantity} FROM cart, p, lines WHERE p.active AND ${quantity} <= p.stock AND NOT lines.is_full
      ON CONFLICT (cart_id, product_id) DO UPDATE SET quantity = cart_items.quantity + excluded.quantity
        WHERE cart_items.quantity + excluded.quantity <= (SELECT stock FROM p)
      RETURNING quantity
    )
    SELECT cart.id AS cart_id, p.id, p.name, p.stock, p.active, (SELECT quantity FROM item) AS quantity_after, (SELECT is_full FROM lines) AS cart_full
    FROM cart LEFT JOIN p ON true`;
  if (!row) throw new Error('cart upsert returned no row');
  const product = row.id === null ? undefined : { id: Number(row.id), name: row.name ?? '', stock: row.stock ?? 0, active: row.active ?? false };
  return { cartId: row.cart_id, cartFull: row.cart_full, product, quantityAfter: row.quantity_after ?? undefined };
}

/** How many products the cart holds. */
export async function countCartLines(sql: Queryable, cartId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::integer AS n FROM cart_items WHERE cart_id = ${cartId}`;
  return row?.n ?? 0;
}

/** A line's quantity as last committed (0 when the product is not in the cart). */
export async function cartLineQuantity(sql: Queryable, cartId: string, productId: number): Promise<number> {
  const [row] = await sql<{ quantity: number }[]>`SELECT quantity FROM cart_items WHERE cart_id = ${cartId} AND product_id = ${productId}`;
  return row?.quantity ?? 0;
}

/** Returns false when the product is not in the cart. */
export async function setCartItemQuantity(sql: Queryable, cartId: string, productId: number, quantity: number): Promise<boolean> {
  const rows = await sql`
    UPDATE cart_items SET quantity = ${quantity} WHERE cart_id = ${cartId} AND product_id = ${productId} RETURNING 1`;
  return rows.length > 0;
}

export async function removeCartItem(sql: Queryable, cartId: string, productId: number): Promise<boolean> {
  const rows = await sql`DELETE FROM cart_items WHERE cart_id = ${cartId} AND product_id = ${productId} RETURNING 1`;
  return rows.length > 0;
}

export async function touchCart(sql: Queryable, cartId: string): Promise<void> {
  await sql`UPDATE carts SET updated_at = now() WHERE id = ${cartId}`;
}

/**
 * Moves an anonymous cart's lines into a user's cart: quantities are added and capped at the
 * current stock; withdrawn or sold-out products are dropped. The anonymous cart is deleted.
 */
export async function mergeCart(sql: Queryable, fromCartId: string, toCartId: string): Promise<void> {
  await sql`
    INSERT INTO cart_items (cart_id, product_id, quantity)
    SELECT ${toCartId}, ci.product_id, LEAST(ci.quantity, p.stock)
    FROM cart_items ci JOIN products p ON p.id = ci.product_id
    WHERE ci.cart_id = ${fromCartId} AND p.active AND p.stock > 0
    ORDER BY ci.product_id
    ON CONFLICT (cart_id, product_id) DO UPDATE
      SET quantity = LEAST(cart_items.quantity + excluded.quantity,
                           GREATEST((SELECT stock FROM products WHERE id = excluded.product_id), 1))`;
  await sql`DELETE FROM carts WHERE id = ${fromCartId} AND user_id IS NULL`;
}

/** Puts lines back into a cart (a declined payment gives the customer their cart back). */
export async function restoreCartItems(sql: Queryable, cartId: string, items: CartItem[]): Promise<void> {
  for (const item of items) {
    await sql`
      INSERT INTO cart_items (cart_id, product_id, quantity) VALUES (${cartId}, ${item.productId}, ${item.quantity})
      ON CONFLICT (cart_id, product_id) DO UPDATE SET quantity = cart_items.quantity + excluded.quantity`;
  }
}

/** An add recorded under its Idempotency-Key, with the owner of the cart it went to. */
export interface CartAddRecord {
  cartId: string;
  /** The cart's user; null for an anonymous cart. */
  userId: number | null;
  productId: number;
  quantity: number;
}

/** The add recorded under `key` within the last `windowHours`; undefined when none is. */
export async function findCartAdd(sql: Queryable, key: string, windowHours: number): Promise<CartAddRecord | undefined> {
  const [row] = await sql<{ cart_id: string; user_id: number | bigint | null; product_id: number | bigint; quantity: number }[]>`
    SELECT a.cart_id, c.user_id, a.product_id, a.quantity
    FROM cart_adds a JOIN carts c ON c.id = a.cart_id
    WHERE a.idempotency_key = ${key} AND a.created_at > now() - make_interval(hours => ${windowHours})`;
  return row ? { cartId: row.cart_id, userId: row.user_id === null ? null : Number(row.user_id), productId: Number(row.product_id), quantity: row.quantity } : undefined;
}

/**
 * Records `key` for an add to `cartId`, in the transaction that changes the line, and forgets
 * the cart's keys older than `windowHours`. False when another add holds the key: one committed,
 * or one in flight, whose commit this statement waits for (the primary key's index entry). A key
 * past the window is taken over.
 */
export async function claimCartAdd(tx: Queryable, key: string, add: { cartId: string; productId: number; quantity: number }, windowHours: number): Promise<boolean> {
  await tx`DELETE FROM cart_adds WHERE cart_id = ${add.cartId} AND created_at <= now() - make_interval(hours => ${windowHours})`;
  const rows = await tx`
    INSERT INTO cart_adds (idempotency_key, cart_id, product_id, quantity) VALUES (${key}, ${add.cartId}, ${add.productId}, ${add.quantity})
    ON CONFLICT (idempotency_key) DO UPDATE
      SET cart_id = excluded.cart_id, product_id = excluded.product_id, quantity = excluded.quantity, created_at = now()
      WHERE cart_adds.created_at <= now() - make_interval(hours => ${windowHours})
    RETURNING 1`;
  return rows.length > 0;
}
