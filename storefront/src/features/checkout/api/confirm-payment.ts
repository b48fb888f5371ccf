import { ApiError, apiRequest } from '@/lib/api-client';
import type { ConfirmPaymentBody, Order } from '@/lib/api-types';

/** What one confirm ended with: the order placed, or the shop's error. */
export type ConfirmOutcome = { kind: 'placed'; order: Order } | { kind: 'failed'; error: ApiError };

/** `POST /api/checkout/confirm` with exactly what Toss's success redirect carried. */
export async function confirmPayment(body: ConfirmPaymentBody): Promise<Order> {
  return (await apiRequest<Order>('/checkout/confirm', { method: 'POST', json: body })).data;
}

export interface OutcomeStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Answers the order's state makes final: the same confirm would hear them again. */
const FINAL_CODES = new Set(['PAYMENT_DECLINED', 'PAYMENT_AMOUNT_MISMATCH', 'ORDER_EXPIRED', 'ORDER_CANCELLED', 'ORDER_ALREADY_PAID']);

const STORAGE_PREFIX = 'evermall.payment-confirm.';
const inFlight = new Map<string, Promise<ConfirmOutcome>>();

/**
 * Confirms one payment once per tab. React runs a page's effects twice in development and a
 * shopper may reload the return page: the shop answers a repeated confirm harmlessly, but the
 * page should show one outcome, so concurrent calls share one request and a final outcome (the
 * order placed, or a 4xx that repeating would only repeat) is kept in sessionStorage under the
 * payment key and shown again without a request. Anything else (503, the shop unreachable, a
 * lapsed login) is not kept: the same confirm may be sent again later.
 */
export function confirmPaymentOnce(body: ConfirmPaymentBody, storage: OutcomeStorage | null = tabStorage()): Promise<ConfirmOutcome> {
  const key = STORAGE_PREFIX + body.paymentKey;
  const kept = readOutcome(storage, key);
  if (kept) return Promise.resolve(kept);
  const running = inFlight.get(key);
  if (running) return running;
  const request = confirmPayment(body).then(
    (order): ConfirmOutcome => ({ kind: 'placed', order }),
    (error: unknown): ConfirmOutcome => {
      if (error instanceof ApiError) return { kind: 'failed', error };
      throw error;
    },
  );
  const settled = request
    .then((outcome) => {
      if (outcome.kind === 'placed' || FINAL_CODES.has(outcome.error.code)) keepOutcome(storage, key, outcome);
      return outcome;
    })
    .finally(() => inFlight.delete(key));
  inFlight.set(key, settled);
  return settled;
}

type StoredOutcome = { kind: 'placed'; order: Order } | { kind: 'failed'; status: number; code: string; message: string; details?: unknown };

function keepOutcome(storage: OutcomeStorage | null, key: string, outcome: ConfirmOutcome): void {
  const stored: StoredOutcome =
    outcome.kind === 'placed'
      ? outcome
      : { kind: 'failed', status: outcome.error.status, code: outcome.error.code, message: outcome.error.message, details: outcome.error.details };
  try {
    storage?.setItem(key, JSON.stringify(stored));
  } catch {
    // Storage full or refused: a reload then asks the shop again, which answers the same.
  }
}

function readOutcome(storage: OutcomeStorage | null, key: string): ConfirmOutcome | null {
  try {
    const raw = storage?.getItem(key);
    if (!raw) return null;
    const stored = JSON.parse(raw) as StoredOutcome;
    if (stored.kind === 'placed' && stored.order && typeof stored.order.id === 'number') return { kind: 'placed', order: stored.order };
    if (stored.kind === 'failed' && typeof stored.status === 'number' && typeof stored.code === 'string') {
      return { kind: 'failed', error: new ApiError(stored.status, stored.code, stored.message ?? '', stored.details) };
    }
    return null;
  } catch {
    return null;
  }
}

function tabStorage(): OutcomeStorage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}
