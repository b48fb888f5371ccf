import { randomUUID } from 'node:crypto';
import { paymentWindowForm, TOSS_STANDIN_CARDS, type CookieJar } from '@evermall/testkit';
import type { ShopHttp, ShopResponse } from './shop-http.js';
import { isFailure } from './ledger.js';

/** How a careful client retries a checkout: same key, exponential backoff, bounded in count and time. */
export interface CheckoutRetryPolicy {
  maxAttempts: number;
  firstBackoffMs: number;
  maxBackoffMs: number;
  /** No attempt starts after this much time since the first. */
  budgetMs: number;
}

export const defaultCheckoutRetry: CheckoutRetryPolicy = { maxAttempts: 8, firstBackoffMs: 100, maxBackoffMs: 2_000, budgetMs: 30_000 };

/**
 * The order body the shop expects: a shipping address, and the payment through Toss Payments (the
 * redirect flow: the order comes back `pending_payment` with a paymentRequest, the customer pays
 * in the provider's window, then the shop confirms).
 */
export const checkoutBody = (shopper: string) => ({
  shipping: { name: `Drill ${shopper}`, phone: '010-0000-0000', address1: '1 Teheran-ro', postalCode: '06236', city: 'Seoul' },
  payment: { provider: 'toss' as const },
});

/** The card the shopper enters in the payment window: the stand-in's approving card. */
export const APPROVED_TEST_CARD = TOSS_STANDIN_CARDS.approve;

/**
 * What became of the payment of an acknowledged order: `confirmed` (the shop answered placed),
 * `declined` (402: the stock went back), `refused` (another 4xx, or the window sent the shopper to
 * failUrl), `unconfirmed` (no answer after every retry: the shop's reconciler settles it).
 */
export type PaymentOutcome = { kind: 'confirmed'; attempts: number } | { kind: 'declined' | 'refused' | 'unconfirmed'; status: number; code?: string; attempts: number };

export type CheckoutOutcome =
  | {
      kind: 'acknowledged';
      orderId: number;
      replayed: boolean;
      status: number;
      attempts: number;
      lines: { productId: number; quantity: number }[];
      payment: PaymentOutcome;
    }
  | { kind: 'out-of-stock'; attempts: number }
  | { kind: 'rejected'; status: number; code?: string; attempts: number }
  | { kind: 'gave-up'; lastStatus: number; attempts: number };

interface PaymentRequestJson {
  orderId?: unknown;
  amountWon?: unknown;
  orderName?: unknown;
  clientKey?: unknown;
  sdkUrl?: unknown;
}

interface OrderJson {
  id?: unknown;
  status?: unknown;
  order?: OrderJson;
  lines?: unknown;
  items?: unknown;
  paymentRequest?: PaymentRequestJson;
}

/** Statuses the shop reaches only once the payment is taken. */
export const PAID_STATUSES: readonly string[] = ['placed', 'paid', 'shipped'];

const orderOf = (body: unknown): OrderJson => {
  const o = (body ?? {}) as OrderJson;
  return o.order && typeof o.order === 'object' ? o.order : o;
};

function linesOf(order: OrderJson): { productId: number; quantity: number }[] {
  const raw = Array.isArray(order.lines) ? order.lines : Array.isArray(order.items) ? order.items : [];
  return (raw as { productId?: unknown; quantity?: unknown }[])
    .filter((l) => typeof l.productId === 'number' && typeof l.quantity === 'number')
    .map((l) => ({ productId: l.productId as number, quantity: l.quantity as number }));
}

const errorCode = (body: unknown): string | undefined => (body as { error?: { code?: string } } | undefined)?.error?.code;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends one request until it is answered (anything but no answer or a 5xx), the same request each
 * time, with full-jitter exponential backoff, bounded in attempts and time by the policy. Only for
 * requests that are safe to repeat: keyed (checkout, a cart add) or idempotent by their method.
 */
export async function untilAnswered(policy: CheckoutRetryPolicy, send: (attempt: number) => Promise<ShopResponse>): Promise<{ res: ShopResponse; attempts: number }> {
  const started = Date.now();
  let res: ShopResponse | undefined;
  let attempt = 0;
  while (attempt < policy.maxAttempts) {
    attempt += 1;
    res = await send(attempt);
    if (!isFailure(res.status)) break;
    const backoff = Math.min(policy.maxBackoffMs, policy.firstBackoffMs * 2 ** (attempt - 1));
    // Full jitter, so shoppers who failed together do not come back together.
    const wait = Math.random() * backoff;
    if (attempt >= policy.maxAttempts || Date.now() - started + wait > policy.budgetMs) break;
    await sleep(wait);
  }
  return { res: res!, attempts: attempt };
}

/**
 * Places one order as a customer does with Toss Payments: POST /api/checkout (one Idempotency-Key
 * for every attempt), then pays in the provider's window (POST /pay where the shop's paymentRequest
 * points, as its SDK would open it), then POST /api/checkout/confirm with what the window's success
 * redirect carried. Each step retries only when the answer may have been lost (no response or 5xx),
 * resending the same request; a 4xx is an answer and ends it. Every attempt is in the ledger. The
 * order is acknowledged in the ledger's book when the checkout answers (the stock is reserved and
 * the order is the shopper's), and marked confirmed when the shop says it is placed.
 */
export async function placeOrder(
  http: ShopHttp,
  jar: CookieJar,
  shopper: string,
  options: {
    policy?: CheckoutRetryPolicy;
    /** The card entered in the payment window (default: the stand-in's approving card). */
    card?: string;
    idempotencyKey?: string;
    expectedLines?: { productId: number; quantity: number }[];
    /** Buy now: order these lines instead of the cart (the shop leaves the cart alone). */
    items?: { productId: number; quantity: number }[];
  } = {},
): Promise<CheckoutOutcome> {
  const policy = options.policy ?? defaultCheckoutRetry;
  const key = options.idempotencyKey ?? randomUUID();
  const body = { ...checkoutBody(shopper), ...(options.items ? { items: options.items } : {}) };
  http.ledger.keysSent.add(key);
  const { res, attempts } = await untilAnswered(policy, (attempt) =>
    http.send('checkout', 'POST', '/api/checkout', { jar, body, headers: { 'idempotency-key': key }, record: { idempotencyKey: key, attempt } }),
  );
  if (isFailure(res.status)) return { kind: 'gave-up', lastStatus: res.status, attempts };
  if (res.status !== 200 && res.status !== 201) {
    const code = errorCode(res.body);
    if (res.status === 409 && code === 'OUT_OF_STOCK') return { kind: 'out-of-stock', attempts };
    return { kind: 'rejected', status: res.status, ...(code ? { code } : {}), attempts };
  }
  const order = orderOf(res.body);
  const orderId = Number(order.id);
  if (!Number.isSafeInteger(orderId)) return { kind: 'rejected', status: res.status, code: 'NO_ORDER_ID', attempts };
  res.entry.orderId = orderId;
  const fromBody = linesOf(order);
  const lines = fromBody.length > 0 ? fromBody : (options.expectedLines ?? options.items ?? []);
  http.ledger.acknowledge({ orderId, idempotencyKey: key, shopper, lines, at: Date.now() });
  const payment = await payFor(http, jar, orderId, order, { policy, card: options.card ?? APPROVED_TEST_CARD });
  return { kind: 'acknowledged', orderId, replayed: res.headers['idempotent-replayed'] === 'true', status: res.status, attempts, lines, payment };
}

/** The payment of an acknowledged order: the provider's window, then the shop's confirm. */
async function payFor(http: ShopHttp, jar: CookieJar, orderId: number, order: OrderJson, o: { policy: CheckoutRetryPolicy; card: string }): Promise<PaymentOutcome> {
  // A replayed checkout of an order paid for earlier answers it as it is now.
  if (typeof order.status === 'string' && PAID_STATUSES.includes(order.status)) {
    http.ledger.markConfirmed(orderId);
    return { kind: 'confirmed', attempts: 0 };
  }
  const request = order.paymentRequest;
  if (order.status !== 'pending_payment' || !request || typeof request.sdkUrl !== 'string' || !URL.canParse(request.sdkUrl)) {
    return { kind: 'refused', status: 0, code: 'NO_PAYMENT_REQUEST', attempts: 0 };
  }
  // Where the shop's success and fail pages would be; the headless shopper reads the redirect instead of following it.
  const back = `${http.origin}/checkout/payment`;
  const window = paymentWindowForm(request, back, o.card);
  const provider = new URL(request.sdkUrl).origin;
  const authorized = await untilAnswered(o.policy, (attempt) => http.send('authorize-payment', 'POST', '/pay', { origin: provider, body: window, record: { orderId, attempt } }));
  const location = authorized.res.headers.location;
  const redirect = typeof location === 'string' && URL.canParse(location) ? new URL(location) : undefined;
  const paymentKey = redirect?.searchParams.get('paymentKey');
  if (authorized.res.status !== 303 || !redirect || !paymentKey) {
    const code = redirect?.searchParams.get('code') ?? undefined;
    const kind = isFailure(authorized.res.status) ? 'unconfirmed' : 'refused';
    return { kind, status: authorized.res.status, ...(code ? { code } : {}), attempts: authorized.attempts };
  }
  const confirm = { paymentKey, orderId: redirect.searchParams.get('orderId'), amount: Number(redirect.searchParams.get('amount')) };
  const { res, attempts } = await untilAnswered(o.policy, (attempt) =>
    http.send('confirm-payment', 'POST', '/api/checkout/confirm', { jar, body: confirm, record: { orderId, attempt } }),
  );
  if (res.status === 200) {
    http.ledger.markConfirmed(orderId);
    return { kind: 'confirmed', attempts };
  }
  const code = errorCode(res.body);
  const kind = isFailure(res.status) ? 'unconfirmed' : res.status === 402 ? 'declined' : 'refused';
  return { kind, status: res.status, ...(code ? { code } : {}), attempts };
}
