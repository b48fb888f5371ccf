import { randomBytes } from 'node:crypto';
import { sampleCatalog, type CatalogSample } from './catalog.js';
import type { CheckoutOutcome, CheckoutRetryPolicy } from './checkout-client.js';
import { Ledger } from './ledger.js';
import { ShopHttp } from './shop-http.js';
import { Shopper } from './shopper.js';
import type { Fairness } from '../reports/drill-report.js';

export interface FlashSaleSettings {
  baseUrl: string;
  shoppers: number;
  hotProductId: number;
  connections: number;
  requestTimeoutMs: number;
  checkoutRetry: CheckoutRetryPolicy;
  /** Registrations in flight while preparing (each hashes a password on the shop). */
  prepareConcurrency: number;
  /** Pause between the last shopper being ready and the opening instant. */
  startDelayMs: number;
  /**
   * How shoppers buy: 'buy-now' (one request with the product, as a sale page's button does) or
   * 'cart' (the unit is put in the cart beforehand and the cart is checked out).
   */
  via: 'buy-now' | 'cart';
}

export interface FlashSaleResult {
  ledger: Ledger;
  /** Epoch ms of the opening instant. */
  openedAt: number;
  /** Epoch ms when the last checkout answered. */
  closedAt: number;
  prepared: number;
  outcomes: (CheckoutOutcome | undefined)[];
  fairness: Fairness;
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function inBatches<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Jain's fairness index: (Σx)² / (n·Σx²), 1 when all equal, 1/n when one takes all. */
export function jainIndex(xs: number[]): number | null {
  const sum = xs.reduce((a, b) => a + b, 0);
  const squares = xs.reduce((a, b) => a + b * b, 0);
  return xs.length === 0 || squares === 0 ? null : (sum * sum) / (xs.length * squares);
}

/**
 * Flash-sale mode: every shopper registers (and, via the cart, puts one unit of the hot product
 * in it) beforehand, then all of them buy at the same instant. Each checkout has its own key and
 * retries like a careful client. The hot product's stock is arranged by the caller.
 */
export async function runFlashSale(settings: FlashSaleSettings, log: (line: string) => void = () => undefined): Promise<FlashSaleResult> {
  const ledger = new Ledger();
  const http = new ShopHttp({ baseUrl: settings.baseUrl, connections: settings.connections, requestTimeoutMs: settings.requestTimeoutMs }, ledger);
  try {
    const sample = await sampleCatalog(http);
    const catalog: CatalogSample = { ...sample, products: sample.products.filter((p) => p.id === settings.hotProductId) };
    const runId = `f${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    const shoppers = Array.from({ length: settings.shoppers }, (_, i) => new Shopper(http, catalog, settings.checkoutRetry, runId, i));
    let done = 0;
    const ready: Shopper[] = [];
    await inBatches(shoppers, settings.prepareConcurrency, async (s) => {
      if ((await s.register()) && (settings.via === 'buy-now' || (await s.addToCart(settings.hotProductId, 1)))) ready.push(s);
      if (++done % 250 === 0) log(`  prepared ${done}/${shoppers.length} shoppers`);
    });
    const how = settings.via === 'buy-now' ? 'to buy now' : 'with the hot product in their cart';
    log(`  ${ready.length} shoppers ready ${how}; the sale opens in ${settings.startDelayMs} ms`);
    const openedAt = Date.now() + settings.startDelayMs;
    const outcomes = await Promise.all(
      ready.map(
        (s) =>
          new Promise<CheckoutOutcome | undefined>((resolve) => {
            const buy = () => (settings.via === 'buy-now' ? s.buyNow(settings.hotProductId, 1) : s.checkout());
            setTimeout(() => resolve(buy()), Math.max(0, openedAt - Date.now()));
          }),
      ),
    );
    const closedAt = Date.now();
    return { ledger, openedAt, closedAt, prepared: ready.length, outcomes, fairness: fairnessOf(ledger, ready.length) };
  } finally {
    await http.close();
  }
}

function fairnessOf(ledger: Ledger, shoppers: number): Fairness {
  const checkouts = ledger.entries.filter((e) => e.action === 'checkout');
  const firstAttempts = checkouts.filter((e) => e.attempt === 1).map((e) => e.at);
  // The answer that settled each key: its last attempt.
  const finalByKey = new Map<string, (typeof checkouts)[number]>();
  for (const e of checkouts) if (e.idempotencyKey) finalByKey.set(e.idempotencyKey, e);
  const answered = new Map<string, number>();
  const won = new Map<string, number>();
  let unanswered = 0;
  for (const e of finalByKey.values()) {
    // A shopper whose last attempt got no answer from any instance is counted apart, not as an instance.
    if (e.servedBy === undefined) {
      unanswered++;
      continue;
    }
    const instance = e.servedBy;
    answered.set(instance, (answered.get(instance) ?? 0) + 1);
    if (e.orderId !== undefined) won.set(instance, (won.get(instance) ?? 0) + 1);
  }
  const winRateByInstance = Object.fromEntries([...answered].map(([id, n]) => [id, Math.round(((won.get(id) ?? 0) / n) * 1000) / 1000]));
  const unitsPerShopper = new Map<string, number>();
  for (const o of ledger.acknowledged) {
    const units = o.lines.reduce((sum, l) => sum + l.quantity, 0);
    unitsPerShopper.set(o.shopper, (unitsPerShopper.get(o.shopper) ?? 0) + units);
  }
  return {
    shoppers,
    winners: unitsPerShopper.size,
    maxUnitsPerShopper: Math.max(0, ...unitsPerShopper.values()),
    unanswered,
    winRateByInstance,
    jainIndexOverInstances: jainIndex(Object.values(winRateByInstance)),
    startSpreadMs: firstAttempts.length ? Math.max(...firstAttempts) - Math.min(...firstAttempts) : 0,
  };
}
