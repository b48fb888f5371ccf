import { sampleCatalog } from '../load/catalog.js';
import { defaultCheckoutRetry } from '../load/checkout-client.js';
import { Ledger } from '../load/ledger.js';
import { ShopHttp } from '../load/shop-http.js';
import { Shopper } from '../load/shopper.js';

export interface CheckoutBenchResult {
  clients: number;
  ordersPerSecond: number;
  checkoutP99Ms: number | null;
  failures: number;
  ledger: Ledger;
}

/**
 * Checkout throughput on one hot product through the front door: `clients` logged-in shoppers,
 * each in a closed loop of
 * - via 'cart': add one unit + check out the cart (a cart is emptied by its order, so every
 *   order needs its add): two requests per order;
 * - via 'buy-now': one buy-now checkout of one unit: one request per order.
 * Orders/s counts acknowledged orders over the measured seconds.
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
    const shoppers = Array.from({ length: o.clients }, (_, i) => new Shopper(http, catalog, defaultCheckoutRetry, runId, i));
    await Promise.all(shoppers.map((s) => s.register()));
    const started = Date.now();
    const deadline = started + o.seconds * 1000;
    await Promise.all(
      shoppers.map(async (s) => {
        while (Date.now() < deadline) {
          if (o.via === 'buy-now') await s.buyNow(o.hotProductId, 1);
          else if (await s.addToCart(o.hotProductId, 1)) await s.checkout();
        }
      }),
    );
    const elapsed = (Date.now() - started) / 1000;
    const checkouts = ledger.entries.filter((e) => e.action === 'checkout' && e.at >= started);
    return {
      clients: o.clients,
      ordersPerSecond: ledger.acknowledged.filter((a) => a.at >= started).length / elapsed,
      checkoutP99Ms: Ledger.percentile(checkouts, 99),
      failures: ledger.entries.filter((e) => e.at >= started && (e.status === 0 || e.status >= 500)).length,
      ledger,
    };
  } finally {
    await http.close();
  }
}
