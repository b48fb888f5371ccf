import { sampleCatalog } from '../load/catalog.js';
import { defaultCheckoutRetry } from '../load/checkout-client.js';
import { Ledger } from '../load/ledger.js';
import { ShopHttp } from '../load/shop-http.js';
import { Shopper } from '../load/shopper.js';

/**
 * Accounts each shopper in the loop may use in turn. At the default CHECKOUT_RATE_LIMIT_PER_MINUTE
 * (30), 4 accounts let one shopper place 120 orders in a measurement, 15 a second over 8 s: more
 * than one closed-loop shopper has reached here.
 */
const ACCOUNTS_PER_SHOPPER = 4;

export interface CheckoutBenchResult {
  clients: number;
  /** Orders placed (their payment confirmed) per second. */
  ordersPerSecond: number;
  /** Every request of the loop per second: add (cart path), checkout, the payment window, confirm. */
  requestsPerSecond: number;
  checkoutP99Ms: number | null;
  confirmP99Ms: number | null;
  failures: number;
  ledger: Ledger;
}

/**
 * Checkout throughput on one hot product through the front door: `clients` logged-in shoppers,
 * each in a closed loop of
 * - via 'cart': add one unit + check out the cart (a cart is emptied by its order, so every
 *   order needs its add), pay in the provider's window, confirm: four requests per order;
 * - via 'buy-now': one buy-now checkout of one unit, pay, confirm: three requests per order.
 * Orders/s counts orders placed (confirmed) over the measured seconds; requests/s every request
 * of the loop, the provider's window included (the Toss stand-in, beside the shop). The shop allows one account a
 * few checkouts a minute (CHECKOUT_RATE_LIMIT_PER_MINUTE); a shopper answered 429 goes on with
 * another of its accounts, all registered before the measurement, so the bench measures the hot
 * path, not the limit, and the shop keeps the limit it runs with on AWS.
 */
export async function runCheckoutBench(o: {
  baseUrl: string;
  clients: number;
  seconds: number;
  hotProductId: number;
  requestTimeoutMs: number;
  via: 'cart' | 'buy-now';
}): Promise<CheckoutBenchResult> {
  const ledger = new Ledger();
  const http = new ShopHttp({ baseUrl: o.baseUrl, connections: o.clients * 2, requestTimeoutMs: o.requestTimeoutMs }, ledger);
  try {
    const catalog = await sampleCatalog(http);
    const runId = `b${Date.now().toString(36)}`;
    // Registered before the clock starts: a registration costs an argon2 hash, which is not what is measured.
    const slots = Array.from({ length: o.clients }, (_, slot) =>
      Array.from({ length: ACCOUNTS_PER_SHOPPER }, (_, k) => new Shopper(http, catalog, defaultCheckoutRetry, runId, slot * ACCOUNTS_PER_SHOPPER + k)),
    );
    await Promise.all(slots.flat().map((s) => s.register()));
    const started = Date.now();
    const deadline = started + o.seconds * 1000;
    await Promise.all(
      slots.map(async (accounts) => {
        let next = 0;
        while (Date.now() < deadline && next < accounts.length) {
          const s = accounts[next]!;
          const outcome = o.via === 'buy-now' ? await s.buyNow(o.hotProductId, 1) : (await s.addToCart(o.hotProductId, 1)) ? await s.checkout() : undefined;
          if (outcome?.kind === 'rejected' && outcome.status === 429) next += 1;
        }
      }),
    );
    const elapsed = (Date.now() - started) / 1000;
    const measured = ledger.entries.filter((e) => e.at >= started);
    return {
      clients: o.clients,
      ordersPerSecond: ledger.confirmed.filter((a) => a.at >= started).length / elapsed,
      requestsPerSecond: measured.length / elapsed,
      checkoutP99Ms: Ledger.percentile(
        measured.filter((e) => e.action === 'checkout'),
        99,
      ),
      confirmP99Ms: Ledger.percentile(
        measured.filter((e) => e.action === 'confirm-payment'),
        99,
      ),
      failures: ledger.entries.filter((e) => e.at >= started && (e.status === 0 || e.status >= 500)).length,
      ledger,
    };
  } finally {
    await http.close();
  }
}
