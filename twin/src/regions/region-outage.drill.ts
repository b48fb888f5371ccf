import { requireTwin, sleep, type Drill, type DrillRun } from '../drills/drill.js';
import { longestCheckoutGapSeconds, round } from '../drills/figures.js';
import { withSteadyLoad } from '../drills/steady-load.js';
import { PAID_STATUSES } from '../load/checkout-client.js';
import { Ledger, type LedgerEntry } from '../load/ledger.js';
import { connectWriter } from '../load/reconcile.js';
import type { TwinStatus } from '../status/status-types.js';
import type { RegionReconciliation } from './reconciliation.js';
import type { RegionPromotion } from './region-failover.js';

/** Goals on this machine (issue 17): shoppers order again within a minute, at most a second of writes lost. */
const RTO_GOAL_SECONDS = 60;
const RPO_GOAL_SECONDS = 1;

const seconds = (from: number, to: number | undefined): number | null => (to === undefined ? null : round((to - from) / 1000));
/** Region b's instances name themselves `b-<id>` (recovery-region.ts), so `x-served-by` tells which region answered. */
const fromRegionB = (e: LedgerEntry) => e.servedBy?.startsWith('b-') ?? false;
const acknowledged = (e: LedgerEntry) => e.action === 'checkout' && (e.status === 200 || e.status === 201);

/**
 * region-outage: under the shopper load, entering through the global front door, region a is
 * lost whole; once the global front door's health check marks it down (the alarm that starts the
 * runbook), the scripted promotion moves the shop to region b. RTO is from the fault to the first
 * order region b acknowledges. RPO is what region b lacks of what region a acknowledged: orders
 * (from the load's ledger, looked up in region b by idempotency key) and seconds of writes (the
 * last acknowledgement from region a against the last commit region b replayed). Then region a
 * comes back as the standby region; its reconciliation must list every acknowledged order region b
 * lacks (and every confirmation region b lacks), or the drill fails. The common reconciliation
 * then holds region b to every other acknowledged order.
 */
export function regionOutageDrill(): Drill {
  return {
    name: 'region-outage',
    fault: 'fail-region a, then the scripted promote-region b',
    needsTwin: true,
    needsSecondRegion: true,
    async run(env): Promise<DrillRun> {
      const { twin, watcher } = requireTwin(env);
      const regions = (await twin.status()).regions;
      if (!regions) throw new Error('region-outage needs a second region: start the twin with npm start -- --regions 2, or stop it and let the drill start its own');
      if (regions.primaryRegion !== 'a' || regions.a.state !== 'serving')
        throw new Error('region a is not the serving primary region any more: start over with npm start -- --fresh --regions 2');
      const timeoutMs = env.options.recoveryTimeoutSeconds * 1000;
      const streaming = await watcher.waitFor(Date.now(), timeoutMs, (s) => s.regions?.b.database.streamingFrom !== null);
      if (streaming === undefined) throw new Error("region b's database does not stream from region a: see npm run twin -- status");

      let faultAt = 0;
      let detectedAt: number | undefined;
      let recoveredAt: number | undefined;
      let loadEnd = 0;
      let promotion: RegionPromotion | undefined;
      let replayDelayAtFault: number | null = null;
      const { load, marks } = await withSteadyLoad({ ...env, baseUrl: regions.globalFrontDoor.url }, async ({ load, mark }) => {
        const before = (await twin.status()).regions?.b.database.lastReplayedCommitAt;
        faultAt = mark('fault', 'fail-region a');
        replayDelayAtFault = before ? round((faultAt - Date.parse(before)) / 1000) : null;
        await twin.command('fail-region', { region: 'a' });
        detectedAt = await watcher.waitFor(faultAt, timeoutMs, (s) => regionAUnhealthy(s));
        if (detectedAt) mark('info', "global front door: region a's health check failed", detectedAt);
        env.log(`  region a lost; the global front door saw it after ${seconds(faultAt, detectedAt) ?? 'n/a'} s; promoting region b`);
        mark('info', 'promote-region b');
        promotion = (await twin.command('promote-region', { region: 'b' })).promotion as RegionPromotion;
        mark('info', `region b promoted (${promotion.seconds.toFixed(1)} s), records flipped`);
        recoveredAt = await firstAcknowledgement(load.ledger, faultAt, timeoutMs);
        if (recoveredAt) mark('recovery', 'first order acknowledged by region b', recoveredAt);
        env.log(`  shoppers order again after ${seconds(faultAt, recoveredAt) ?? 'n/a'} s`);
        loadEnd = Date.now() + env.options.settleSeconds * 1000;
      });

      env.log('  bringing region a back as the standby region (restore-region a) and reading its reconciliation…');
      const restored = await twin.command('restore-region', { region: 'a' });
      const reconciliation = restored.reconciliation as RegionReconciliation | undefined;
      const regionB = (await twin.status()).regions?.b.database;
      if (!regionB || !reconciliation || !promotion) throw new Error('the region commands did not report a promotion and a reconciliation');

      const sql = connectWriter(regionB.url);
      let inRegionB: Map<string, string>;
      try {
        const keys = load.ledger.acknowledged.map((o) => o.idempotencyKey);
        const rows = keys.length
          ? await sql<{ idempotency_key: string; status: string }[]>`SELECT idempotency_key, status FROM orders WHERE idempotency_key = ANY(${keys}::text[])`
          : [];
        inRegionB = new Map(rows.map((r) => [r.idempotency_key, r.status]));
      } finally {
        await sql.end({ timeout: 5 });
      }
      const lost = load.ledger.acknowledged.filter((o) => !inRegionB.has(o.idempotencyKey));
      const confirmationsLost = load.ledger.confirmed.filter((o) => inRegionB.has(o.idempotencyKey) && !PAID_STATUSES.includes(inRegionB.get(o.idempotencyKey) ?? ''));
      const listedMissing = new Set(reconciliation.missing.map((o) => o.idempotencyKey));
      const listedChanged = new Set(reconciliation.changed.map((o) => o.idempotencyKey));
      const unlisted = lost.filter((o) => !listedMissing.has(o.idempotencyKey));
      const unlistedConfirmations = confirmationsLost.filter((o) => !listedChanged.has(o.idempotencyKey));

      const lastAckFromA = lastAcknowledgementFromRegionA(load.ledger);
      const lastCommitInB = promotion.lastReplayedCommitAt ? Date.parse(promotion.lastReplayedCommitAt) : undefined;
      const rpoSeconds = lastAckFromA !== undefined && lastCommitInB !== undefined ? round(Math.max(0, lastAckFromA - lastCommitInB) / 1000) : null;
      const rtoSeconds = seconds(faultAt, recoveredAt);
      const outage = round(longestCheckoutGapSeconds(load.ledger, faultAt, loadEnd));
      const violations = [
        ...(unlisted.length
          ? [
              `${unlisted.length} acknowledged orders are missing in region b and not in the reconciliation (e.g. ${unlisted
                .slice(0, 5)
                .map((o) => o.orderId)
                .join(', ')})`,
            ]
          : []),
        ...(unlistedConfirmations.length
          ? [
              `${unlistedConfirmations.length} confirmed orders are not placed in region b and not in the reconciliation (e.g. ${unlistedConfirmations
                .slice(0, 5)
                .map((o) => o.orderId)
                .join(', ')})`,
            ]
          : []),
      ];
      const verdict = (value: number | null, goal: number) => (value === null ? 'not measured' : value <= goal ? `met (goal ≤ ${goal} s)` : `MISSED (goal ≤ ${goal} s)`);
      return {
        ledger: load.ledger,
        marks,
        figures: {
          rtoSeconds,
          rpoOrders: lost.length,
          rpoSeconds,
          regionDetectionSeconds: seconds(faultAt, detectedAt),
          regionPromotionSeconds: round(promotion.seconds),
          recoverySeconds: rtoSeconds,
          checkoutOutageSeconds: outage,
          writeOutageSeconds: outage,
        },
        notes: [
          `RTO ${rtoSeconds ?? 'n/a'} s: ${verdict(rtoSeconds, RTO_GOAL_SECONDS)}; from the fault to the first order region b acknowledged (detection ${seconds(faultAt, detectedAt) ?? 'n/a'} s by the global front door's checks, the scripted promotion ${promotion.totalSeconds.toFixed(1)} s of which pg_promote ${promotion.seconds.toFixed(1)} s, then the health checks taking region b in)`,
          `RPO ${rpoSeconds ?? 'n/a'} s of writes: ${verdict(rpoSeconds, RPO_GOAL_SECONDS)}; the last order region a acknowledged at ${lastAckFromA ? new Date(lastAckFromA).toISOString() : 'n/a'}, the last commit region b replayed at ${promotion.lastReplayedCommitAt ?? 'n/a'}`,
          `RPO ${lost.length} of ${load.ledger.acknowledged.length} acknowledged orders missing in region b, ${confirmationsLost.length} confirmations missing; the reconciliation (${reconciliation.file}) lists ${reconciliation.missing.length} missing and ${reconciliation.changed.length} changed orders of ${reconciliation.ordersChecked} read from region a's old primary since ${reconciliation.checkedFrom}`,
          `region b's copy replayed commits ${replayDelayAtFault ?? 'n/a'} s behind at the fault (the last commit replayed against the fault's time, under load)`,
          'the common reconciliation below holds region b to every acknowledged order the staff list does not name',
        ],
        violations,
        settings: {
          entry: regions.globalFrontDoor.url,
          lostPrimaryNode: reconciliation.readFrom.node,
          promotion,
          reconciliation: { file: reconciliation.file, missing: reconciliation.missing.length, changed: reconciliation.changed.length },
        },
        faultWindow: { from: faultAt, to: recoveredAt ?? loadEnd },
        reconcileWith: {
          writerUrl: regionB.url,
          ledger: withoutListedLosses(load.ledger, listedMissing, new Set(confirmationsLost.filter((o) => listedChanged.has(o.idempotencyKey)).map((o) => o.orderId))),
          why: "region b's primary, without the orders and confirmations the reconciliation lists as lost",
        },
      };
    },
  };
}

function regionAUnhealthy(s: TwinStatus): boolean {
  return s.regions?.globalFrontDoor.records.some((r) => r.name === 'a' && !r.healthy) ?? false;
}

/** When the first order region b acknowledged reached its shopper (epoch ms), waiting up to `timeoutMs`. */
async function firstAcknowledgement(ledger: Ledger, since: number, timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const first = ledger.entries.find((e) => e.at >= since && acknowledged(e) && fromRegionB(e));
    if (first) return first.at + first.latencyMs;
    if (Date.now() > deadline) return undefined;
    await sleep(250);
  }
}

/** When the last order region a acknowledged reached its shopper (epoch ms). */
function lastAcknowledgementFromRegionA(ledger: Ledger): number | undefined {
  let last: number | undefined;
  for (const e of ledger.entries) if (acknowledged(e) && !fromRegionB(e)) last = Math.max(last ?? 0, e.at + e.latencyMs);
  return last;
}

/** The ledger less what the staff list accounts for: orders missing in region b, and confirmations it lacks. */
function withoutListedLosses(ledger: Ledger, lostKeys: Set<string>, confirmationLost: Set<number>): Ledger {
  const kept = new Ledger(ledger.startedAt);
  for (const e of ledger.entries) kept.record(e);
  for (const key of ledger.keysSent) kept.keysSent.add(key);
  for (const o of ledger.acknowledged) {
    if (lostKeys.has(o.idempotencyKey)) continue;
    kept.acknowledge(confirmationLost.has(o.orderId) ? { ...o, confirmedAt: undefined } : o);
  }
  kept.conflictingAcks.push(...ledger.conflictingAcks);
  return kept;
}
