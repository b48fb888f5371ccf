import { withWriterRetry, type Queryable, type Sql } from '../db/pools.js';
import { badRequest, conflict, notFound, ShopError, unprocessable } from '../errors.js';
import type { Logger } from '../lib/logger.js';
import { ensureUserCart, findUserCartId, listCartItems, restoreCartItems, type CartItem } from '../cart/cart.repository.js';
import { findOrder, publicOrder, returnStock, transitionOrder, type StoredOrder } from '../orders/orders.repository.js';
import type { Order } from '../orders/orders.schemas.js';
import { orderIdOfRef, orderRef, type ChargeRequest, type PaymentProvider } from '../payments/payment-provider.js';
import type { ShopMetrics } from '../plugins/metrics.js';
import type { SessionUser } from '../plugins/sessions.js';
import { currentTraceparent } from '../tracing/spans.js';
import {
  findOrderByKey,
  findUsedKeys,
  insertLinesOfOrders,
  insertOrders,
  lockProducts,
  markOrdersPlaced,
  markPaymentSettled,
  markPaymentUnsettled,
  readCarts,
  readPurchases,
  removeOrderedCartItems,
  takeStock,
  type InsertedOrder,
} from './checkout.repository.js';
import { IDEMPOTENCY_KEY_PATTERN, type CheckoutBody, type ConfirmBody } from './checkout.schemas.js';
import { requestHash } from './request-hash.js';
import { CommitBatcher, type Outcome } from './commit-batcher.js';
import { allocate, keyOf, type BatchCart, type BatchJob, type LockedProduct } from './allocation.js';

export interface CheckoutResult {
  order: Order;
  /** True when the key had been seen: the answer is the order that key created. */
  replayed: boolean;
}

export interface CheckoutDependencies {
  sql: Sql;
  /** Checkout transactions in flight at once (each holds a writer connection). */
  lanes: number;
  /** A product a checkout batch leaves at this many units or fewer is announced `stock.low` (STOCK_LOW_UNITS). */
  stockLowUnits: number;
  /** Checkouts per commit at most; 1 turns group commit off (one transaction per checkout). */
  maxBatch?: number;
  onBatchCommitted?: (size: number) => void;
  payments: { provider: PaymentProvider };
  /** The counters checkout moves. */
  metrics: Pick<ShopMetrics, 'ordersPlaced' | 'checkoutConflicts'>;
  log: Logger;
}

type Reservation = { kind: 'created'; order: StoredOrder } | { kind: 'seen' };

interface CheckoutJob extends BatchJob {
  body: CheckoutBody;
  /** The card flow: the order is charged right after its reservation commits. */
  chargesNow: boolean;
}

/** What the customer gave to pay with: a card (card flow) or the provider's key for their authorization (redirect flow). */
type Authorization = Pick<ChargeRequest, 'card' | 'paymentKey'>;

interface Settlement {
  orderId: number;
  paymentRef: string;
  /** The confirm's trace, for the order's `order.placed` event: settled in a batch that may belong to another's. */
  traceparent: string | undefined;
}

export type { Shortfall } from './allocation.js';

/** Thrown inside a batch when a key was committed by another transaction meanwhile: retried, and the retry sees it. */
const keyCommittedMeanwhile = () => Object.assign(new Error('an idempotency key of this batch was committed by another transaction meanwhile'), { code: '40001' });

const paymentDeclined = (orderId: number, replayed: boolean) =>
  new ShopError(402, 'PAYMENT_DECLINED', 'The card was declined. Your cart is as it was; try another card with a new Idempotency-Key.', {
    orderId,
    replayed,
  });

const paymentMethodUnsupported = (provider: PaymentProvider) =>
  badRequest(
    'PAYMENT_METHOD_UNSUPPORTED',
    provider.flow === 'redirect'
      ? `This shop takes payments at ${provider.name}: send payment: { provider: '${provider.name}' } and pay with the order's paymentRequest.`
      : 'This shop takes cards in the checkout body: send payment: { card }.',
  );

const orderExpired = (orderId: number, then: string) =>
  conflict('ORDER_EXPIRED', `This order was not paid in time and has expired; its items went back on sale. ${then}`, { orderId });

/**
 * Checkout, the heart of the shop (docs/design.md#checkout):
 *
 * 1. One transaction locks the products in ascending id order (a fixed lock order, so
 *    checkouts cannot deadlock), records the idempotency key (the order row, pending payment),
 *    takes the stock with one conditional UPDATE that holds even if the decision were wrong,
 *    writes the lines at this moment's prices and removes the ordered lines from the cart. It
 *    is all or nothing and keyed, so `withWriterRetry` may repeat it when the primary moves
 *    (25006) or a connection drops: a failover costs latency, not errors.
 *    Checkouts that arrive together share that transaction (group commit, CommitBatcher): it
 *    locks the products the carts hold, decides every checkout in arrival order against that
 *    locked stock (allocation.ts) and against what each customer already holds of a product
 *    with a per-customer limit, read right behind the lock so that the orders of a batch that
 *    held it before are counted, and writes the lot with one set-based statement per table.
 *    A hot product's lock, commit and replication round trip are paid once per batch, and the
 *    lock is held for a fixed handful of statements however many orders the batch carries.
 * 2. The payment provider is charged outside that transaction, so a slow provider holds no row
 *    lock. Approved: the order becomes `placed`, and the same statement writes its `order.placed`
 *    to the outbox (events/README.md). Declined: in one transaction the order becomes
 *    `payment_declined`, its stock goes back and the cart is restored. Both are conditional
 *    updates from `pending_payment`, so each happens exactly once.
 *
 * Crash windows. If the process dies (or the provider is unreachable) between 1 and 2, the
 * order stays `pending_payment`, holding its stock. The client's retry with the same key finds
 * it and resumes step 2; the provider's own idempotency key (one per order) makes sure the card
 * is charged once. An order nobody retries keeps its stock reserved until it expires
 * (orders/order-expiry.ts, PENDING_PAYMENT_EXPIRY_MINUTES) or staff cancel it; either returns
 * the stock once. A charge that completes after that is refunded and answered 409
 * ORDER_EXPIRED or ORDER_CANCELLED; a retry of an expired order's key is answered 409
 * ORDER_EXPIRED too.
 */
export class CheckoutService {
  private readonly batcher: CommitBatcher<CheckoutJob, Reservation>;
  /** Approved payments, marked `placed` many per commit too (each is its own conditional update). */
  private readonly settler: CommitBatcher<Settlement, Date | undefined>;

  constructor(private readonly deps: CheckoutDependencies) {
    this.batcher = new CommitBatcher({
      sql: deps.sql,
      process: (tx, jobs) => this.reserveBatch(tx, jobs),
      lanes: deps.lanes,
      logger: this.deps.log,
      ...(deps.maxBatch === undefined ? {} : { maxBatch: deps.maxBatch }),
      ...(deps.onBatchCommitted ? { onCommit: deps.onBatchCommitted } : {}),
    });
    this.settler = new CommitBatcher({
      sql: deps.sql,
      process: (tx, jobs) => settleBatch(tx, jobs),
      lanes: deps.lanes,
      logger: this.deps.log,
      ...(deps.maxBatch === undefined ? {} : { maxBatch: deps.maxBatch }),
    });
  }

  private get sql(): Sql {
    return this.deps.sql;
  }

  async placeOrder(user: SessionUser, idempotencyKey: string | undefined, body: CheckoutBody): Promise<CheckoutResult> {
    const key = requireIdempotencyKey(idempotencyKey);
    const items = buyNowItems(body);
    const { provider } = this.deps.payments;
    const redirect = provider.flow === 'redirect';
    if (redirect === 'card' in body.payment) throw paymentMethodUnsupported(provider);
    let reservation: Reservation;
    try {
      reservation = await this.batcher.submit({ userId: user.id, idempotencyKey: key, body, chargesNow: !redirect, ...(items ? { items } : {}) });
    } catch (err) {
      if (err instanceof ShopError) this.deps.metrics.checkoutConflicts.inc({ reason: err.code.toLowerCase() });
      throw err;
    }
    if (reservation.kind === 'seen') return this.replay(user.id, key, body);
    // The redirect flow: the customer pays in the provider's window, then POST /api/checkout/confirm.
    if (redirect) return { order: publicOrder(reservation.order), replayed: false };
    return { order: await this.collectPayment(reservation.order, cardOf(body), false), replayed: false };
  }

  /**
   * Step 1 for a batch, inside its transaction: read the carts and the keys already used, lock
   * the products and read what the customers already bought of those with a per-customer limit
   * (pipelined behind the lock), decide, then write orders, stock, lines and carts one
   * statement each.
   */
  private async reserveBatch(tx: Queryable, jobs: readonly CheckoutJob[]): Promise<Outcome<Reservation>[]> {
    const cartUsers = [...new Set(jobs.filter((j) => !j.items).map((j) => j.userId))];
    const [carts, usedKeys] = await Promise.all([cartUsers.length > 0 ? readCarts(tx, cartUsers) : new Map<number, BatchCart>(), findUsedKeys(tx, jobs)]);
    const productIds = [...new Set([...[...carts.values()].flatMap((c) => c.items), ...jobs.flatMap((j) => j.items ?? [])].map((i) => i.productId))].sort((a, b) => a - b);
    const [products, purchases] =
      productIds.length > 0
        ? await Promise.all([lockProducts(tx, productIds), readPurchases(tx, [...new Set(jobs.map((j) => j.userId))], productIds)])
        : [new Map<number, LockedProduct>(), new Map<string, number>()];
    const decisions = allocate(jobs, carts, products, usedKeys, purchases);

    const allocated = decisions.flatMap((d, i) => (d.kind === 'allocated' ? [{ job: jobs[i]!, d }] : []));
    const inserted = new Map<string, InsertedOrder>();
    if (allocated.length > 0) {
      const rows = await insertOrders(
        tx,
        allocated.map(({ job, d }) => ({
          userId: job.userId,
          idempotencyKey: job.idempotencyKey,
          requestHash: requestHash(d.items, job.body),
          totalWon: d.totalWon,
          shipping: job.body.shipping,
          fromCart: !job.items,
          chargesNow: job.chargesNow,
        })),
      );
      for (const row of rows) inserted.set(keyOf(row.userId, row.idempotencyKey), row);
      if (inserted.size !== allocated.length) throw keyCommittedMeanwhile();

      const takes = new Map<number, number>();
      for (const { d } of allocated) for (const l of d.lines) takes.set(l.productId, (takes.get(l.productId) ?? 0) + l.quantity);
      const orderIdOf = (job: CheckoutJob) => inserted.get(keyOf(job.userId, job.idempotencyKey))!.id;
      const fromCarts = allocated.flatMap(({ d }) => (d.cartId === null ? [] : d.items.map((i) => ({ cartId: d.cartId!, productId: i.productId }))));
      const [updated] = await Promise.all([
        takeStock(tx, takes, this.deps.stockLowUnits),
        insertLinesOfOrders(
          tx,
          allocated.flatMap(({ job, d }) => d.lines.map((l) => ({ ...l, orderId: orderIdOf(job) }))),
        ),
        fromCarts.length > 0 ? removeOrderedCartItems(tx, fromCarts) : undefined,
      ]);
      // Never expected: the locked rows had the stock. The guard keeps a mistake from overselling.
      if (updated !== takes.size) throw new Error(`checkout batch took stock of ${updated} of ${takes.size} products; rolled back`);
    }

    return decisions.map((d, i): Outcome<Reservation> => {
      if (d.kind === 'seen') return { ok: true, value: { kind: 'seen' } };
      if (d.kind === 'refused') return { ok: false, error: d.error };
      const job = jobs[i]!;
      const row = inserted.get(keyOf(job.userId, job.idempotencyKey))!;
      const order: StoredOrder = {
        id: row.id,
        userId: job.userId,
        status: 'pending_payment',
        lines: d.lines.map((l) => ({ ...l, lineTotalWon: l.unitPriceWon * l.quantity })),
        totalWon: d.totalWon,
        shipping: job.body.shipping,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
        fromCart: !job.items,
        paymentRef: null,
      };
      return { ok: true, value: { kind: 'created', order } };
    });
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
    let basis: CartItem[] | undefined = buyNowItems(body);
    if (!basis) {
      const cartId = await findUserCartId(this.sql, userId);
      const current = cartId ? await listCartItems(this.sql, cartId) : [];
      basis = current.length > 0 ? current : order.lines.map((l) => ({ productId: l.productId, quantity: l.quantity }));
    }
    if (requestHash(basis, body) !== seen.requestHash) {
      this.deps.metrics.checkoutConflicts.inc({ reason: 'idempotency_key_reused' });
      throw unprocessable('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different cart or checkout details. Use a new key for a new checkout.', {
        orderId: order.id,
      });
    }
    if (order.status === 'pending_payment') {
      // The redirect flow's payment happens in the provider's window; a card checkout resumes its charge.
      if (this.deps.payments.provider.flow === 'redirect' || !('card' in body.payment)) return { order: publicOrder(order), replayed: true };
      return { order: await this.collectPayment(order, cardOf(body), true), replayed: true };
    }
    if (order.status === 'payment_declined') throw paymentDeclined(order.id, true);
    if (order.status === 'expired') throw orderExpired(order.id, 'Check out again with a new Idempotency-Key.');
    return { order: publicOrder(order), replayed: true };
  }

  /**
   * The redirect flow's step 2: the customer authorized the payment in the provider's window,
   * and the browser brings back the provider's key with the order's reference and the amount.
   * The amount is checked against the order before anything is sent (a tampered redirect moves
   * no money); the provider is then asked to confirm the order's own total. The order is marked
   * in doubt first, so a timeout, a 5xx or a crash here is settled by the reconciler.
   * Repeating the request is safe: an order already placed with this key is answered as it is,
   * and the provider answers a repeated confirm from its record.
   */
  async confirmPayment(user: SessionUser, body: ConfirmBody): Promise<CheckoutResult> {
    const { provider } = this.deps.payments;
    if (provider.flow !== 'redirect') throw paymentMethodUnsupported(provider);
    const orderId = orderIdOfRef(body.orderId);
    const order = orderId === undefined ? undefined : await withWriterRetry(() => findOrder(this.sql, orderId), { logger: this.deps.log });
    // Another customer's order is "not found", as everywhere: order ids reveal nothing.
    if (!order || order.userId !== user.id) throw notFound('The order');
    if (body.amount !== order.totalWon) {
      throw badRequest('PAYMENT_AMOUNT_MISMATCH', 'The amount paid does not match the order total. Nothing was charged; pay the order again from its page.', {
        orderId: order.id,
      });
    }
    if (order.status === 'pending_payment' && (await withWriterRetry(() => markPaymentUnsettled(this.sql, order.id), { logger: this.deps.log }))) {
      return { order: await this.collectPayment(order, { paymentKey: body.paymentKey }, false), replayed: false };
    }
    // Not waiting for a payment (any more): answer from what the order is now.
    const now = order.status === 'pending_payment' ? await withWriterRetry(() => findOrder(this.sql, order.id), { logger: this.deps.log }) : order;
    if (!now) throw notFound('The order');
    switch (now.status) {
      case 'placed':
      case 'paid':
      case 'shipped':
        if (now.paymentRef === body.paymentKey) return { order: publicOrder(now), replayed: true };
        throw conflict('ORDER_ALREADY_PAID', 'This order is already paid with another payment. Nothing more was charged.', { orderId: now.id });
      case 'payment_declined':
        throw paymentDeclined(now.id, true);
      case 'expired':
        throw orderExpired(now.id, 'Nothing was charged: check out again.');
      default:
        throw conflict('ORDER_CANCELLED', 'This order was cancelled. Nothing was charged.', { orderId: now.id });
    }
  }

  /** Step 2, outside the stock transaction, for an order as step 1 (or a replay, or a confirm) read it. */
  private async collectPayment(order: StoredOrder, authorization: Authorization, replayed: boolean): Promise<Order> {
    const orderId = order.id;
    const { provider } = this.deps.payments;
    let result;
    try {
      result = await provider.charge({ idempotencyKey: orderRef(orderId), amountWon: order.totalWon, description: `Evermall order ${orderId}`, ...authorization });
    } catch (err) {
      this.deps.log.error({ err, orderId, provider: provider.name }, 'payment provider failed; order stays pending until the reconciler settles it');
      // In doubt: the charge may have moved money. Marked (again: a resumed card charge), the reconciler asks the provider.
      await withWriterRetry(() => markPaymentUnsettled(this.sql, orderId), { logger: this.deps.log }).catch((markErr: unknown) =>
        this.deps.log.error({ err: markErr, orderId }, 'could not mark the payment in doubt; the order expires if nobody retries'),
      );
      throw new ShopError(503, 'PAYMENT_UNAVAILABLE', 'Payment could not be completed right now. Your items are reserved: retry with the same request.', { orderId });
    }

    if (result.status === 'approved') {
      const reference = result.reference;
      const placedAt = await this.settler.submit({ orderId, paymentRef: reference, traceparent: currentTraceparent() });
      if (placedAt) {
        this.deps.metrics.ordersPlaced.inc();
        return publicOrder({ ...order, status: 'placed', updatedAt: placedAt.toISOString(), paymentRef: reference });
      }
      // It was not pending any more: a concurrent retry placed it, staff cancelled it, or it expired.
      const final = await withWriterRetry(() => findOrder(this.sql, orderId), { logger: this.deps.log });
      if (final?.status === 'cancelled' || final?.status === 'expired' || final?.status === 'payment_declined') {
        // Its stock was released while this charge completed: the customer must not pay for nothing.
        await provider.refund(reference);
        await withWriterRetry(() => markPaymentSettled(this.sql, orderId), { logger: this.deps.log });
        this.deps.log.warn({ orderId, reference, status: final.status }, 'order was released during its payment; charge refunded');
        if (final.status === 'expired') throw orderExpired(orderId, 'The charge was refunded.');
        if (final.status === 'payment_declined') throw paymentDeclined(orderId, true);
        throw conflict('ORDER_CANCELLED', 'This order was cancelled before its payment completed. The charge was refunded.', { orderId });
      }
      return publicOrder(final ?? order);
    }

    await declineOrder(this.sql, order, this.deps.log);
    this.deps.metrics.checkoutConflicts.inc({ reason: 'payment_declined' });
    throw paymentDeclined(orderId, replayed);
  }
}

/**
 * A declined payment, in one transaction: the order becomes `payment_declined` (only from
 * `pending_payment`, so once), its stock goes back, a cart checkout gets its cart back (a buy
 * now never touched it), and the payment is no longer in doubt.
 */
export async function declineOrder(sql: Sql, order: Pick<StoredOrder, 'id' | 'userId' | 'lines' | 'fromCart'>, logger: Logger): Promise<void> {
  await withWriterRetry(
    () =>
      sql.begin(async (tx) => {
        await markPaymentSettled(tx, order.id);
        if (!(await transitionOrder(tx, order.id, ['pending_payment'], 'payment_declined'))) return;
        await returnStock(tx, order.id, `payment declined (order ${order.id})`, null);
        if (!order.fromCart) return;
        const cartId = await ensureUserCart(tx, order.userId);
        await restoreCartItems(tx, cartId, order.lines);
      }),
    { logger },
  );
}

/**
 * Marks approved orders placed, one statement for the batch. An order that is not pending any
 * more (a concurrent retry placed it, staff cancelled it) gets undefined, and so does a repeat
 * of an order earlier in the batch.
 */
async function settleBatch(tx: Queryable, jobs: readonly Settlement[]): Promise<Outcome<Date | undefined>[]> {
  const placed = await markOrdersPlaced(tx, jobs);
  return jobs.map((job) => {
    const at = placed.get(job.orderId);
    placed.delete(job.orderId);
    return { ok: true, value: at };
  });
}

const cardOf = (body: CheckoutBody): Authorization => ('card' in body.payment ? { card: body.payment.card } : {});

/** A buy now's lines in ascending product id (the lock order), or undefined for a cart checkout. */
function buyNowItems(body: CheckoutBody): CartItem[] | undefined {
  if (!body.items) return undefined;
  const items = [...body.items].sort((a, b) => a.productId - b.productId);
  if (items.some((item, i) => i > 0 && items[i - 1]!.productId === item.productId)) {
    throw badRequest('DUPLICATE_LINE', 'Each product may appear once in items; put the total quantity on one line.');
  }
  return items;
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
