import * as hdr from 'hdr-histogram-js';

/** What a shopper did; the labels appear in reports and the ledger. */
export type Action =
  | 'register'
  | 'browse-product'
  | 'list-category'
  | 'search'
  | 'add-to-cart'
  | 'remove-from-cart'
  | 'view-cart'
  | 'checkout'
  /** The payment window at the provider (the Toss stand-in's POST /pay), between checkout and confirm. */
  | 'authorize-payment'
  | 'confirm-payment'
  /** A storefront page's document, as a browser opening the page asks for it (page-loads.ts). */
  | 'open-page'
  | 'probe';

/** One HTTP exchange as the client saw it. `status` 0 means no response (network error or timeout). */
export interface LedgerEntry {
  /** Epoch ms when the request was sent. */
  at: number;
  action: Action;
  /** Method and path template, e.g. `GET /api/products/:slug`. */
  route?: string;
  status: number;
  latencyMs: number;
  /** The instance that answered (`x-served-by`), when the response carried one. */
  servedBy?: string;
  /** Checkout only: the key, the attempt number, and the order id when acknowledged. */
  idempotencyKey?: string;
  attempt?: number;
  orderId?: number;
  error?: string;
}

/** An order the shop acknowledged (201, or 200 replayed), with the lines the client expects in it. */
export interface AcknowledgedOrder {
  orderId: number;
  idempotencyKey: string;
  shopper: string;
  lines: { productId: number; quantity: number }[];
  at: number;
  /** Epoch ms when the shop told the shopper the order is paid for (a confirm's 200, or a checkout answering `placed`). */
  confirmedAt?: number;
}

/** Per-second figures for the timeline chart. */
export interface TimelinePoint {
  /** Seconds since the run started. */
  second: number;
  requests: number;
  errors: number;
  p99Ms: number | null;
  checkoutsAcknowledged: number;
}

/** `POST /api/cart/items/42?x=1` → `POST /api/cart/items/:productId`: routes, not URLs, so the ledger groups. */
export function routeOf(method: string, path: string): string {
  const bare = path.split('?')[0] ?? path;
  const template = bare
    .replace(/^\/api\/products\/[^/]+$/, '/api/products/:slug')
    .replace(/^\/api\/cart\/items\/[^/]+$/, '/api/cart/items/:productId')
    .replace(/^\/api\/orders\/[^/]+$/, '/api/orders/:id');
  return `${method} ${template}`;
}

/** A response the user would call a failure: no answer at all, or a server error. 4xx are answers. */
export const isFailure = (status: number): boolean => status === 0 || status >= 500;

/** Latencies are recorded in microseconds so sub-millisecond answers keep their precision. */
const MICROS_PER_MS = 1000;
/** Latencies above a minute are clamped: no client waits that long (see shopper request timeout). */
const HIGHEST_TRACKABLE_MICROS = 60_000 * MICROS_PER_MS;
const SIGNIFICANT_DIGITS = 3;

export function newLatencyHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_MICROS,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    autoResize: false,
  });
}

export function recordLatency(histogram: hdr.Histogram, latencyMs: number): void {
  histogram.recordValue(Math.min(HIGHEST_TRACKABLE_MICROS, Math.max(1, Math.round(latencyMs * MICROS_PER_MS))));
}

export function percentileMs(histogram: hdr.Histogram, percentile: number): number | null {
  if (histogram.totalCount === 0) return null;
  return histogram.getValueAtPercentile(percentile) / MICROS_PER_MS;
}

/**
 * The client's book of everything it was told. Reconciliation compares its acknowledged orders
 * with what the database holds; the reports read their figures and timeline from it.
 */
export class Ledger {
  readonly entries: LedgerEntry[] = [];
  readonly acknowledged: AcknowledgedOrder[] = [];
  /** Every key the client sent, acknowledged or not, so reconciliation can look for duplicates. */
  readonly keysSent = new Set<string>();
  /** Keys whose replays came back with another order id than the first answer: a duplicate seen by the client. */
  readonly conflictingAcks: { idempotencyKey: string; orderIds: number[] }[] = [];
  private readonly ackByKey = new Map<string, number>();

  constructor(readonly startedAt = Date.now()) {}

  record(entry: LedgerEntry): void {
    this.entries.push(entry);
  }

  acknowledge(order: AcknowledgedOrder): void {
    const earlier = this.ackByKey.get(order.idempotencyKey);
    if (earlier !== undefined) {
      if (earlier !== order.orderId) this.conflictingAcks.push({ idempotencyKey: order.idempotencyKey, orderIds: [earlier, order.orderId] });
      return;
    }
    this.ackByKey.set(order.idempotencyKey, order.orderId);
    this.acknowledged.push(order);
  }

  /** The shop said the order is placed: reconciliation then holds it to `placed` (or later) and to a payment taken. */
  markConfirmed(orderId: number, at = Date.now()): void {
    const order = this.acknowledged.find((o) => o.orderId === orderId);
    if (order && order.confirmedAt === undefined) order.confirmedAt = at;
  }

  get confirmed(): AcknowledgedOrder[] {
    return this.acknowledged.filter((o) => o.confirmedAt !== undefined);
  }

  /** Entries sent in [from, to) epoch ms, optionally of some actions only. */
  between(from: number, to: number, actions?: readonly Action[]): LedgerEntry[] {
    return this.entries.filter((e) => e.at >= from && e.at < to && (!actions || actions.includes(e.action)));
  }

  /** p-th percentile latency of the given entries, from an HDR histogram. */
  static percentile(entries: readonly LedgerEntry[], percentile: number): number | null {
    const h = newLatencyHistogram();
    for (const e of entries) recordLatency(h, e.latencyMs);
    const value = percentileMs(h, percentile);
    h.destroy();
    return value;
  }

  /** Requests, failures and p99 for each second of the run, by the second the request was sent. */
  timeline(until = Date.now()): TimelinePoint[] {
    const seconds = Math.max(1, Math.ceil((until - this.startedAt) / 1000));
    const buckets = Array.from({ length: seconds }, () => ({ entries: [] as LedgerEntry[], acks: 0 }));
    for (const e of this.entries) {
      const i = Math.floor((e.at - this.startedAt) / 1000);
      const bucket = buckets[i];
      if (bucket && e.action !== 'probe') bucket.entries.push(e);
    }
    for (const o of this.acknowledged) {
      const bucket = buckets[Math.floor((o.at - this.startedAt) / 1000)];
      if (bucket) bucket.acks += 1;
    }
    return buckets.map((b, second) => ({
      second,
      requests: b.entries.length,
      errors: b.entries.filter((e) => isFailure(e.status)).length,
      p99Ms: Ledger.percentile(b.entries, 99),
      checkoutsAcknowledged: b.acks,
    }));
  }

  /** Seconds since the start of the run, for marking events on the timeline. */
  secondsSinceStart(at: number): number {
    return (at - this.startedAt) / 1000;
  }
}
