import { defaultCheckoutRetry } from '../load/checkout-client.js';
import { runFlashSale } from '../load/flash-sale.js';
import { Ledger } from '../load/ledger.js';
import { outboxWatermark, reconcileConsumers, type ConsumerReconciliation } from './consumer-reconciliation.js';
import type { Drill, DrillEnv, DrillRun } from './drill.js';
import { round } from './figures.js';

/**
 * flash-sale: N shoppers open the same instant on one product with small stock. No fault: the
 * figures are orders/s, p99, oversell (must be 0) and how fairly the stock went round. On a twin
 * that runs the event consumers, every order placed must also get exactly one notification (by
 * Message-ID) and its analytics rows once the consumers have drained the sale's events (within
 * --recovery-timeout-seconds): reconciled like the orders are (consumer-reconciliation.ts).
 */
export function flashSaleDrill(): Drill {
  let hotProductId: number | undefined;
  /** The outbox's newest id before the sale: the sale's events come after it. */
  let outboxBefore: number | undefined;
  return {
    name: 'flash-sale',
    fault: 'none (a burst of shoppers on one product)',
    needsTwin: false,
    async arrange(env: DrillEnv) {
      // The hot product is the store's first active product; its stock is set to the sale's size.
      const rows = await env.sql<{ id: string }[]>`
        UPDATE products SET stock = ${env.options.flashStock}, updated_at = now()
        WHERE id = (SELECT min(id) FROM products WHERE active) RETURNING id::text AS id`;
      if (!rows[0]) throw new Error('No active product to sell: seed the catalog first (npm run seed -w shop).');
      hotProductId = Number(rows[0].id);
      env.log(`  hot product ${hotProductId} now has stock ${env.options.flashStock}`);
      outboxBefore = await outboxWatermark(env.sql);
    },
    async run(env: DrillEnv): Promise<DrillRun> {
      if (hotProductId === undefined) throw new Error('flash-sale: arrange() did not run');
      const o = env.options;
      const result = await runFlashSale(
        {
          baseUrl: env.baseUrl,
          shoppers: o.flashShoppers,
          hotProductId,
          connections: Math.max(o.connections, Math.min(o.flashShoppers, 512)),
          requestTimeoutMs: o.requestTimeoutMs,
          checkoutRetry: defaultCheckoutRetry,
          prepareConcurrency: o.flashPrepareConcurrency,
          startDelayMs: o.flashStartDelayMs,
          via: o.flashVia,
        },
        env.log,
      );
      const checkouts = result.ledger.entries.filter((e) => e.action === 'checkout' && e.at >= result.openedAt);
      const acked = result.ledger.acknowledged.length;
      const lastAck = Math.max(result.openedAt, ...result.ledger.acknowledged.map((a) => a.at));
      const outcomes = result.outcomes;
      const count = (kind: string) => outcomes.filter((x) => x?.kind === kind).length;
      const consumers = await reconcileSaleEvents(env, outboxBefore);
      return {
        ledger: result.ledger,
        marks: [
          { at: result.ledger.secondsSinceStart(result.openedAt), kind: 'fault', label: 'sale opens' },
          { at: result.ledger.secondsSinceStart(lastAck), kind: 'recovery', label: 'last unit sold' },
        ],
        figures: {
          // Orders per second from the opening instant to the last acknowledged order.
          ordersPerSecond: round(acked / Math.max(0.001, (lastAck - result.openedAt) / 1000)),
          p99Ms: round(Ledger.percentile(checkouts, 99)),
          fairness: result.fairness,
          ...(consumers && {
            eventsLost: consumers.eventsLost,
            notificationsMissing: consumers.notificationsMissing,
            duplicateNotifications: consumers.duplicateDeliveries,
            analyticsMismatches: consumers.analyticsMismatches,
          }),
        },
        notes: [
          `${result.prepared} of ${o.flashShoppers} shoppers were ready when the sale opened`,
          `outcomes: ${count('acknowledged')} acknowledged, ${count('out-of-stock')} out of stock, ${count('rejected')} rejected, ${count('gave-up')} gave up after retries`,
          `checkout answers took ${round((result.closedAt - result.openedAt) / 1000)} s from the opening instant`,
          consumers
            ? `the event consumers handled the sale's ${consumers.events} deliveries${consumers.drainedAt ? '' : ' (not all within the bound)'}: ${consumers.ordersPlaced} orders placed, each reconciled against the mailbox and the analytics store`
            : 'notifications and analytics not reconciled: this target runs no event consumers',
          ...(consumers?.notes ?? []),
        ],
        violations: consumers?.violations ?? [],
        settings: { shoppers: o.flashShoppers, stock: o.flashStock, via: o.flashVia, hotProductId, startDelayMs: o.flashStartDelayMs, checkoutRetry: defaultCheckoutRetry },
        faultWindow: { from: result.openedAt, to: result.closedAt },
      };
    },
  };
}

/**
 * Once the sale's events have reached both consumers (bounded by --recovery-timeout-seconds),
 * checks that every order placed got exactly one notification and its analytics rows; undefined
 * when the target runs no event consumers (a standalone shop, a twin without a broker).
 */
async function reconcileSaleEvents(env: DrillEnv, since: number | undefined): Promise<ConsumerReconciliation | undefined> {
  const mailDir = env.twin && (await env.twin.status()).consumers?.mailDir;
  if (!mailDir || since === undefined) return undefined;
  const until = await outboxWatermark(env.sql);
  env.log(`  waiting for the event consumers to handle the sale's events (outbox ${since + 1}–${until}), then reconciling notifications and analytics…`);
  return reconcileConsumers(env.sql, mailDir, { since, until }, env.options.recoveryTimeoutSeconds * 1000);
}
