import { randomUUID } from 'node:crypto';
import type { CookieJar } from '@evermall/testkit';
import type { ShopHttp } from './shop-http.js';
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

/** The order body the shop expects (issue 2): a shipping address and a card the test provider approves. */
export const checkoutBody = (shopper: string, card: string) => ({
  shipping: { name: `Drill ${shopper}`, phone: '010-0000-0000', address1: '1 Teheran-ro', postalCode: '06236', city: 'Seoul' },
  payment: { card },
});

/** The test provider's approving card (shop/src/payments: anything but the documented decline card). */
export const APPROVED_TEST_CARD = '4242424242424242';

export type CheckoutOutcome =
  | { kind: 'acknowledged'; orderId: number; replayed: boolean; status: number; attempts: number; lines: { productId: number; quantity: number }[] }
  | { kind: 'out-of-stock'; attempts: number }
  | { kind: 'rejected'; status: number; code?: string; attempts: number }
  | { kind: 'gave-up'; lastStatus: number; attempts: number };

interface OrderJson {
  id?: unknown;
  order?: OrderJson;
  lines?: unknown;
  items?: unknown;
}

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
 * Places one order: POST /api/checkout with one Idempotency-Key for every attempt. Retries only when
 * the answer may have been lost (no response or 5xx); a 4xx is an answer and ends it. Every attempt is
 * in the ledger; an acknowledged order goes into the ledger's book for reconciliation.
 */
export async function placeOrder(
  http: ShopHttp,
  jar: CookieJar,
  shopper: string,
  options: {
    policy?: CheckoutRetryPolicy;
    card?: string;
    idempotencyKey?: string;
    expectedLines?: { productId: number; quantity: number }[];
    /** Buy now: order these lines instead of the cart (the shop leaves the cart alone). */
    items?: { productId: number; quantity: number }[];
  } = {},
): Promise<CheckoutOutcome> {
  const policy = options.policy ?? defaultCheckoutRetry;
  const key = options.idempotencyKey ?? randomUUID();
  const body = { ...checkoutBody(shopper, options.card ?? APPROVED_TEST_CARD), ...(options.items ? { items: options.items } : {}) };
  http.ledger.keysSent.add(key);
  const started = Date.now();
  let lastStatus = 0;
  let attempts = 0;
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    attempts = attempt;
    const res = await http.send('checkout', 'POST', '/api/checkout', {
      jar,
      body,
      headers: { 'idempotency-key': key },
      record: { idempotencyKey: key, attempt },
    });
    lastStatus = res.status;
    if (res.status === 200 || res.status === 201) {
      const order = orderOf(res.body);
      const orderId = Number(order.id);
      if (!Number.isSafeInteger(orderId)) return { kind: 'rejected', status: res.status, code: 'NO_ORDER_ID', attempts: attempt };
      res.entry.orderId = orderId;
      const fromBody = linesOf(order);
      const lines = fromBody.length > 0 ? fromBody : (options.expectedLines ?? options.items ?? []);
      http.ledger.acknowledge({ orderId, idempotencyKey: key, shopper, lines, at: Date.now() });
      return { kind: 'acknowledged', orderId, replayed: res.headers['idempotent-replayed'] === 'true', status: res.status, attempts: attempt, lines };
    }
    if (!isFailure(res.status)) {
      const code = errorCode(res.body);
      if (res.status === 409 && code === 'OUT_OF_STOCK') return { kind: 'out-of-stock', attempts: attempt };
      return { kind: 'rejected', status: res.status, ...(code ? { code } : {}), attempts: attempt };
    }
    const backoff = Math.min(policy.maxBackoffMs, policy.firstBackoffMs * 2 ** (attempt - 1));
    // Full jitter, so shoppers who failed together do not come back together.
    const wait = Math.random() * backoff;
    if (Date.now() - started + wait > policy.budgetMs) break;
    await sleep(wait);
  }
  return { kind: 'gave-up', lastStatus, attempts };
}
