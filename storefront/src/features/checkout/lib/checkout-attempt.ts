import { ApiError } from '@/lib/api-client';

/**
 * The idempotency key of one checkout attempt.
 *
 * The shop creates at most one order per key, so the key must be the same for every request
 * that means "this order": a retry after a network error, a second click, a reload of the page
 * mid-request. It must change when the shopper means a different order: after an order was
 * placed, or when what would be sent (cart, address, card) has changed; the shop answers 422
 * to an old key with a new cart.
 *
 * The key lives in sessionStorage so a reload keeps it, and a new tab starts its own.
 */
export interface KeyStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

interface Stored {
  key: string;
  fingerprint: string;
}

const STORAGE_KEY = 'evermall.checkout-attempt';

/** A stable text for what the order would contain: equal requests give equal fingerprints whatever the line order. */
export function fingerprintOf(request: { lines: { productId: number; quantity: number }[]; [other: string]: unknown }): string {
  const lines = [...request.lines].sort((a, b) => a.productId - b.productId).map((l) => `${l.productId}x${l.quantity}`);
  return JSON.stringify([lines, stableJson({ ...request, lines: undefined })]);
}

function stableJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stableJson);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, stableJson((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export class CheckoutAttempt {
  constructor(
    private readonly storage: KeyStorage,
    private readonly newKey: () => string = () => crypto.randomUUID(),
  ) {}

  private read(): Stored | null {
    try {
      const raw = this.storage.getItem(STORAGE_KEY);
      const parsed = raw ? (JSON.parse(raw) as Partial<Stored>) : null;
      return parsed && typeof parsed.key === 'string' && typeof parsed.fingerprint === 'string' ? (parsed as Stored) : null;
    } catch {
      return null;
    }
  }

  /** The key to send for an order with this fingerprint: the current attempt's, or a new one if the order changed. */
  keyFor(fingerprint: string): string {
    const current = this.read();
    if (current && current.fingerprint === fingerprint) return current.key;
    const next: Stored = { key: this.newKey(), fingerprint };
    this.storage.setItem(STORAGE_KEY, JSON.stringify(next));
    return next.key;
  }

  /** The order was placed: the next checkout is a new attempt. */
  succeeded(): void {
    this.storage.removeItem(STORAGE_KEY);
  }

  /**
   * The shop answered with an error this key will always get: its order expired or was
   * cancelled. The shopper's next click must be a new attempt, or it would hear the same again.
   */
  endedBy(error: unknown): void {
    if (error instanceof ApiError && KEY_ENDING_CODES.has(error.code)) this.storage.removeItem(STORAGE_KEY);
  }
}

/** Answers that end the key's order for good (the shop released its stock and refunded any charge). */
const KEY_ENDING_CODES = new Set(['ORDER_EXPIRED', 'ORDER_CANCELLED']);

/** The attempt for this tab; falls back to memory where sessionStorage is unavailable. */
export function checkoutAttemptForTab(): CheckoutAttempt {
  let storage: KeyStorage;
  try {
    storage = window.sessionStorage;
    storage.getItem(STORAGE_KEY);
  } catch {
    const memory = new Map<string, string>();
    storage = { getItem: (k) => memory.get(k) ?? null, setItem: (k, v) => void memory.set(k, v), removeItem: (k) => void memory.delete(k) };
  }
  return new CheckoutAttempt(storage);
}
