import type { FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import { withWriterRetry, type Sql } from '../db/pools.js';
import { badRequest, conflict, notFound, ShopError, unprocessable } from '../errors.js';
import { emptyCart, ensureUserCart, findUserCartId, listCartItems, restoreCartItems, type CartItem, type Queryable } from '../cart/cart.repository.js';
import { findOrder, publicOrder, returnStock, transitionOrder } from '../orders/orders.repository.js';
import type { Order } from '../orders/orders.schemas.js';
import type { PaymentProvider } from '../payments/payment-provider.js';
import type { ShopMetrics } from '../plugins/metrics.js';
import type { SessionUser } from '../plugins/sessions.js';
import { availableStock, findOrderByKey, insertOrderForKey, insertOrderLines, reserveStock, setOrderTotal, type ReservedLine } from './checkout.repository.js';
import { IDEMPOTENCY_KEY_PATTERN, type CheckoutBody } from './checkout.schemas.js';
import { requestHash } from './request-hash.js';
import { CommitBatcher } from './commit-batcher.js';

export interface CheckoutResult {
  order: Order;
  /** True when the key had been seen: the answer is the order that key created. */
  replayed: boolean;
}

export interface CheckoutDependencies {
  sql: Sql;
  /** Checkout transactions in flight at once (each holds a writer connection). */
  lanes: number;
  /** Checkouts per commit at most; 1 turns group commit off (one transaction per checkout). */
  maxBatch?: number;
  onBatchCommitted?: (size: number) => void;
  payments: { provider: PaymentProvider };
  metrics: ShopMetrics;
  log: FastifyBaseLogger;
}

type Reservation = { kind: 'created'; orderId: number } | { kind: 'seen' };

export interface Shortfall {
  productId: number;
  name: string;
  requested: number;
  available: number;
}

const paymentDeclined = (orderId: number, replayed: boolean) =>
  new ShopError(402, 'PAYMENT_DECLINED', 'The card was declined. Your cart is as it was; try another card with a new Idempotency-Key.', {
    orderId,
    replayed,
  });

/**
 * Checkout, the heart of the shop (shared/DESIGN.md):
 *
 * 1. One transaction records the idempotency key (the order row, pending payment), takes the
 *    stock with a conditional UPDATE per line in ascending product id order (a fixed lock
 *    order, so checkouts cannot deadlock), writes the lines at this moment's prices and empties
 *    the cart. It is all or nothing and keyed, so `withWriterRetry` may repeat it when the
 *    primary moves (25006) or a connection drops: a failover costs latency, not errors.
 *    Under load several checkouts share that transaction, each in its own savepoint, so a hot
 *    product's row lock and commit are paid once per batch (see CommitBatcher).
 * 2. The payment provider is charged outside that transaction, so a slow provider holds no row
 *    lock. Approved: the order becomes `placed`. Declined: in one transaction the order becomes
 *    `payment_declined`, its stock goes back and the cart is restored. Both are conditional
 *    updates from `pending_payment`, so each happens exactly once.
 *
 * Crash windows. If the process dies (or the provider is unreachable) between 1 and 2, the
 * order stays `pending_payment`, holding its stock. The client's retry with the same key finds
 * it and resumes step 2; the provider's own idempotency key (one per order) makes sure the card
 * is charged once. An order nobody retries keeps its stock reserved until staff cancel it
 * (pending_payment → cancelled returns the stock); a charge that completes after that cancel is
 * refunded and answered 409 ORDER_CANCELLED.
 */
export class CheckoutService {
  private readonly batcher: CommitBatcher;

  constructor(private readonly deps: CheckoutDependencies) {
    this.batcher = new CommitBatcher(deps.sql, deps.lanes, this.logger, deps.maxBatch, deps.onBatchCommitted);
  }

  private get sql(): Sql {
    return this.deps.sql;
  }

  private get logger(): Logger {
    return this.deps.log as unknown as Logger;
  }

  async placeOrder(user: SessionUser, idempotencyKey: string | undefined, body: CheckoutBody): Promise<CheckoutResult> {
    const key = requireIdempotencyKey(idempotencyKey);
    let reservation: Reservation;
    try {
      reservation = await this.batcher.submit({ userId: user.id, run: (tx) => this.reserveOrder(tx, user.id, key, body) });
    } catch (err) {
      if (err instanceof ShopError) this.deps.metrics.checkoutConflicts.inc({ reason: err.code.toLowerCase() });
      throw err;
    }
    if (reservation.kind === 'seen') return this.replay(user.id, key, body);
    return { order: await this.collectPayment(reservation.orderId, body.payment.card, false), replayed: false };
  }

  /** Step 1, inside the transaction. Throws (and so rolls back) on an empty cart or a short line. */
  private async reserveOrder(tx: Queryable, userId: number, key: string, body: CheckoutBody): Promise<Reservation> {
    const cartId = await findUserCartId(tx, userId);
    const items = cartId ? await listCartItems(tx, cartId) : [];
    const orderId = await insertOrderForKey(tx, { userId, idempotencyKey: key, requestHash: requestHash(items, body), shipping: body.shipping });
    if (orderId === undefined) return { kind: 'seen' };
    if (!cartId || items.length === 0) throw conflict('CART_EMPTY', 'The cart is empty.');

    const reserved: ReservedLine[] = [];
    const short: Shortfall[] = [];
    for (const item of items) {
      const line = await reserveStock(tx, item.productId, item.quantity);
      if (line) reserved.push(line);
      else short.push({ productId: item.productId, requested: item.quantity, ...(await availableStock(tx, item.productId)) });
    }
    if (short.length > 0) {
      const names = short.map((s) => `"${s.name}"`).join(', ');
      throw conflict('OUT_OF_STOCK', `Not enough stock for ${names}. Nothing was ordered.`, short);
    }

    await insertOrderLines(tx, orderId, reserved);
    await setOrderTotal(tx, orderId, reserved.reduce((sum, l) => sum + l.unitPriceWon * l.quantity, 0));
    await emptyCart(tx, cartId);
    return { kind: 'created', orderId };
  }

  /**
   * The key was seen before. Same request: answer with that order (resuming its payment if it
   * was interrupted). Different cart or body: 422. "Same cart" compares with the current cart,
   * or, when checkout emptied it, with the order's own lines.
   */
  private async replay(userId: number, key: string, body: CheckoutBody): Promise<CheckoutResult> {
    const seen = await findOrderByKey(this.sql, userId, key);
    const order = seen && (await findOrder(this.sql, seen.id));
    if (!seen || !order) throw new Error(`idempotency key conflicted but no order holds it (user ${userId})`);
    const cartId = await findUserCartId(this.sql, userId);
    const current = cartId ? await listCartItems(this.sql, cartId) : [];
    const basis: CartItem[] = current.length > 0 ? current : order.lines.map((l) => ({ productId: l.productId, quantity: l.quantity }));
    if (requestHash(basis, body) !== seen.requestHash) {
      this.deps.metrics.checkoutConflicts.inc({ reason: 'idempotency_key_reused' });
      throw unprocessable(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was used for a different cart or checkout details. Use a new key for a new checkout.',
        { orderId: order.id },
      );
    }
    if (order.status === 'pending_payment') return { order: await this.collectPayment(order.id, body.payment.card, true), replayed: true };
    if (order.status === 'payment_declined') throw paymentDeclined(order.id, true);
    return { order: publicOrder(order), replayed: true };
  }

  /** Step 2, outside the stock transaction. */
  private async collectPayment(orderId: number, card: string, replayed: boolean): Promise<Order> {
    const order = await withWriterRetry(() => findOrder(this.sql, orderId), { logger: this.logger });
    if (!order) throw notFound('The order');
    let result;
    try {
      result = await this.deps.payments.provider.charge({
        idempotencyKey: `evermall-order-${orderId}`,
        amountWon: order.totalWon,
        card,
        description: `Evermall order ${orderId}`,
      });
    } catch (err) {
      this.deps.log.error({ err, orderId, provider: this.deps.payments.provider.name }, 'payment provider failed; order stays pending');
      throw new ShopError(
        503,
        'PAYMENT_UNAVAILABLE',
        'Payment could not be completed right now. Your items are reserved: retry with the same Idempotency-Key.',
        { orderId },
      );
    }

    if (result.status === 'approved') {
      const reference = result.reference;
      const placed = await withWriterRetry(() => transitionOrder(this.sql, orderId, ['pending_payment'], 'placed', reference), { logger: this.logger });
      if (placed) this.deps.metrics.ordersPlaced.inc();
      const final = await withWriterRetry(() => findOrder(this.sql, orderId), { logger: this.logger });
      if (!placed && final?.status === 'cancelled') {
        // Staff cancelled the stuck order (and released its stock) while this charge completed.
        await this.deps.payments.provider.refund(reference);
        this.deps.log.warn({ orderId, reference }, 'order was cancelled during its payment; charge refunded');
        throw conflict('ORDER_CANCELLED', 'This order was cancelled before its payment completed. The charge was refunded.', { orderId });
      }
      return publicOrder(final ?? order);
    }

    await withWriterRetry(
      () =>
        this.sql.begin(async (tx) => {
          if (!(await transitionOrder(tx, orderId, ['pending_payment'], 'payment_declined'))) return;
          await returnStock(tx, orderId, `payment declined (order ${orderId})`, null);
          const cartId = await ensureUserCart(tx, order.userId);
          await restoreCartItems(tx, cartId, order.lines);
        }),
      { logger: this.logger },
    );
    this.deps.metrics.checkoutConflicts.inc({ reason: 'payment_declined' });
    throw paymentDeclined(orderId, replayed);
  }
}

function requireIdempotencyKey(key: string | undefined): string {
  if (key === undefined || key === '') {
    throw badRequest('IDEMPOTENCY_KEY_REQUIRED', 'Send an Idempotency-Key header (a fresh UUID per checkout) so a retry cannot order twice.');
  }
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw badRequest('IDEMPOTENCY_KEY_INVALID', 'The Idempotency-Key must be 8–255 characters of letters, digits and -_.:');
  }
  return key;
}
