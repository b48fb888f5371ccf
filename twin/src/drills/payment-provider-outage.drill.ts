import { randomBytes } from 'node:crypto';
import type { ConfirmFault, StandinFaults } from '@evermall/testkit';
import { sampleCatalog } from '../load/catalog.js';
import { defaultCheckoutRetry, PAID_STATUSES, type CheckoutOutcome } from '../load/checkout-client.js';
import { Ledger } from '../load/ledger.js';
import { ShopHttp } from '../load/shop-http.js';
import { Shopper } from '../load/shopper.js';
import type { Mark } from '../reports/drill-report.js';
import { sleep, type Drill, type DrillEnv, type DrillRun } from './drill.js';

/**
 * The provider's failures, one round each: confirms that answer 500 without charging, and confirms
 * that charge but answer only after the shop's TOSS_TIMEOUT_MS (the stand-in holds them 30 s), so
 * the shop cannot tell whether the money moved. `perShopper` confirms of each round fail.
 */
const ROUNDS: readonly { fault: ConfirmFault; perShopper: number }[] = [
  { fault: 'error', perShopper: 2 },
  { fault: 'timeout', perShopper: 0.25 },
];
/** How often the drill looks whether the shop has settled its orders in doubt. */
const SETTLE_POLL_MS = 1_000;
/** Each drill shopper buys one unit per round: the product gets this many more, so the outage never reads as out of stock. */
const STOCK_HEADROOM_PER_ROUND = 1;

/** Tells the stand-in to fail its next confirms (its loopback control, POST /__standin/faults). */
async function setFaults(paymentsUrl: string, faults: StandinFaults): Promise<void> {
  const res = await fetch(new URL('/__standin/faults', paymentsUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`the payment provider at ${paymentsUrl} refused the faults (${res.status}): ${await res.text()}`);
}

/**
 * payment-provider-outage: the payment provider fails confirms for a while (errors, then timeouts)
 * while shoppers pay. Each shopper resends the same confirm on no answer or a 5xx, and the shop's
 * payment reconciler settles what nobody resent. Passes when every acknowledged order ends placed
 * exactly once with one DONE payment of its total (the common reconciliation), every one of them
 * placed once the shop has settled what was in doubt.
 */
export function paymentProviderOutageDrill(): Drill {
  let productId: number | undefined;
  return {
    name: 'payment-provider-outage',
    fault: 'the payment provider fails confirms: 500s, then answers held past the shop’s timeout',
    needsTwin: false,
    async arrange(env: DrillEnv) {
      const extra = env.options.sessions * ROUNDS.length * STOCK_HEADROOM_PER_ROUND;
      const rows = await env.sql<{ id: string }[]>`
        UPDATE products SET stock = stock + ${extra}, updated_at = now()
        WHERE id = (SELECT min(id) FROM products WHERE active) RETURNING id::text AS id`;
      if (!rows[0]) throw new Error('No active product to sell: seed the catalog first (npm run seed -w shop).');
      productId = Number(rows[0].id);
    },
    async run(env: DrillEnv): Promise<DrillRun> {
      const paymentsUrl = env.paymentsUrl;
      if (!paymentsUrl) throw new Error('payment-provider-outage needs the payment provider stand-in: run it against a twin or --standalone, or give --payments-url');
      if (productId === undefined) throw new Error('payment-provider-outage: arrange() did not run');
      const o = env.options;
      const ledger = new Ledger();
      const http = new ShopHttp({ baseUrl: env.baseUrl, connections: o.connections, requestTimeoutMs: o.requestTimeoutMs }, ledger);
      const marks: Mark[] = [];
      const outcomes: (CheckoutOutcome | undefined)[] = [];
      let faultFrom = 0;
      let faultTo = 0;
      try {
        const catalog = await sampleCatalog(http);
        const runId = `p${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
        const shoppers = Array.from({ length: o.sessions }, (_, i) => new Shopper(http, catalog, defaultCheckoutRetry, runId, i));
        await Promise.all(shoppers.map((s) => s.register()));
        faultFrom = Date.now();
        for (const round of ROUNDS) {
          const count = Math.max(1, Math.round(shoppers.length * round.perShopper));
          await setFaults(paymentsUrl, { confirm: round.fault, count });
          marks.push({ at: ledger.secondsSinceStart(Date.now()), kind: 'fault', label: `next ${count} confirms: ${round.fault}` });
          env.log(`  the provider fails its next ${count} confirms (${round.fault}); ${shoppers.length} shoppers buy now`);
          outcomes.push(...(await Promise.all(shoppers.map((s) => s.buyNow(productId!, 1)))));
        }
        await setFaults(paymentsUrl, { count: 0 });
        faultTo = Date.now();
        marks.push({ at: ledger.secondsSinceStart(faultTo), kind: 'recovery', label: 'provider healthy' });
      } finally {
        await setFaults(paymentsUrl, { count: 0 }).catch(() => undefined);
        await http.close();
      }

      // What shoppers left unconfirmed the shop settles itself (PAYMENT_RECONCILE_AFTER_SECONDS + its interval).
      const orderIds = ledger.acknowledged.map((a) => a.orderId);
      const pending = async () =>
        orderIds.length
          ? Number((await env.sql<{ n: string }[]>`SELECT count(*)::text AS n FROM orders WHERE id = ANY(${orderIds}::bigint[]) AND status = 'pending_payment'`)[0]?.n ?? 0)
          : 0;
      const settleBy = Date.now() + o.recoveryTimeoutSeconds * 1000;
      let left = await pending();
      if (left) env.log(`  ${left} orders still pending_payment: waiting up to ${o.recoveryTimeoutSeconds} s for the shop's payment reconciler`);
      while (left && Date.now() < settleBy) {
        await sleep(SETTLE_POLL_MS);
        left = await pending();
      }
      const settledAt = Date.now();
      if (left === 0 && settledAt > faultTo + SETTLE_POLL_MS) marks.push({ at: ledger.secondsSinceStart(settledAt), kind: 'recovery', label: 'every order settled' });

      const rows = orderIds.length ? await env.sql<{ id: string; status: string }[]>`SELECT id::text AS id, status FROM orders WHERE id = ANY(${orderIds}::bigint[])` : [];
      const notPlaced = rows.filter((r) => !PAID_STATUSES.includes(r.status));
      const violations = notPlaced.length
        ? [
            `${notPlaced.length} acknowledged orders did not end placed after the outage (e.g. ${notPlaced
              .slice(0, 5)
              .map((r) => `${r.id}: ${r.status}`)
              .join(', ')})`,
          ]
        : [];
      const count = (kind: string) => outcomes.filter((x) => x?.kind === kind).length;
      const paid = (kind: string) => outcomes.filter((x) => x?.kind === 'acknowledged' && x.payment.kind === kind).length;
      const confirmAttempts = ledger.entries.filter((e) => e.action === 'confirm-payment');
      return {
        ledger,
        marks,
        figures: {},
        violations,
        notes: [
          `checkouts: ${count('acknowledged')} acknowledged, ${count('out-of-stock')} out of stock, ${count('rejected')} rejected, ${count('gave-up')} gave up after retries`,
          `payments as shoppers saw them: ${paid('confirmed')} confirmed, ${paid('unconfirmed')} unanswered after every retry, ${paid('declined')} declined, ${paid('refused')} refused`,
          `${confirmAttempts.length} confirm requests for ${ledger.acknowledged.length} orders (${confirmAttempts.filter((e) => e.status === 503).length} answered 503 PAYMENT_UNAVAILABLE, ${confirmAttempts.filter((e) => e.status === 0).length} unanswered)`,
          left ? `${left} orders were still pending_payment ${o.recoveryTimeoutSeconds} s after the outage` : 'every order of the drill was settled by the end',
        ],
        settings: { shoppers: o.sessions, productId, rounds: ROUNDS, checkoutRetry: defaultCheckoutRetry, requestTimeoutMs: o.requestTimeoutMs },
        faultWindow: { from: faultFrom, to: faultTo },
      };
    },
  };
}
