import type { Ledger } from '../load/ledger.js';
import type { Sql } from '../load/reconcile.js';
import type { ReportChart } from '../reports/drill-report.js';
import type { TwinStatus } from '../status/status-types.js';
import { outboxWatermark, reconcileConsumers } from './consumer-reconciliation.js';
import { requireTwin, sleep, type Drill, type DrillEnv, type DrillRun } from './drill.js';
import { holdFault } from './fault-window.js';
import { loadFigures, round } from './figures.js';
import { withSteadyLoad } from './steady-load.js';

/** How often the outbox's backlog is counted while a broker drill runs. */
const BACKLOG_SAMPLE_MS = 1000;

const seconds = (from: number, to: number | undefined): number | null => (to === undefined ? null : round((to - from) / 1000));

/** Every broker node runs and takes the endpoint's connections; none is catching up or held down by a fault. */
export const brokerSteady = (s: TwinStatus): boolean => s.broker.endpointRunning && s.broker.nodes.every((n) => n.running && n.serving && !n.rejoining && !n.held);

/** Outbox rows the relay has not published: all of them, or those written at or before `until` (epoch ms). */
async function unpublishedRows(sql: Sql, until?: number): Promise<number> {
  const [row] =
    until === undefined
      ? await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`
      : await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL AND created_at <= to_timestamp(${until / 1000})`;
  return row?.n ?? 0;
}

/** Waits until no outbox row written at or before `until` is unpublished; the moment it saw that, or undefined at the deadline. */
async function untilPublished(env: DrillEnv, until: number, deadline: number): Promise<number | undefined> {
  while (Date.now() < deadline) {
    const checkedAt = Date.now();
    if ((await unpublishedRows(env.sql, until)) === 0) return checkedAt;
    await sleep(env.options.statusPollMs);
  }
  return undefined;
}

/** The outbox's backlog (rows unpublished), counted every second while the drill runs. */
class BacklogSampler {
  readonly samples: { at: number; rows: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private counting = false;

  constructor(private readonly sql: Sql) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), BACKLOG_SAMPLE_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get peak(): number | null {
    return this.samples.length ? Math.max(...this.samples.map((s) => s.rows)) : null;
  }

  chart(ledger: Ledger): ReportChart {
    return {
      title: 'Outbox backlog: events written, not yet published to the broker',
      xLabel: 'seconds since the load started',
      yLabel: 'rows unpublished',
      x: this.samples.map((s) => ledger.secondsSinceStart(s.at)),
      series: [{ label: 'unpublished rows', values: this.samples.map((s) => s.rows) }],
    };
  }

  private async sample(): Promise<void> {
    if (this.counting) return;
    this.counting = true;
    try {
      this.samples.push({ at: Date.now(), rows: await unpublishedRows(this.sql) });
    } catch {
      // A count that failed (the writer busy or failing over) is a gap in the chart, not a figure.
    } finally {
      this.counting = false;
    }
  }
}

/**
 * The orders the shop told shoppers were placed between `from` and `to` (their confirm's answer),
 * against their order.placed rows: each must have exactly one, and it must be published.
 */
async function reconcileWindowEvents(sql: Sql, ledger: Ledger, from: number, to: number) {
  const told = ledger.confirmed.filter((o) => o.confirmedAt !== undefined && o.confirmedAt >= from && o.confirmedAt <= to).map((o) => o.orderId);
  const rows = await sql<{ order_id: string; rows: number; published: number }[]>`
    SELECT aggregate_id::text AS order_id, count(*)::int AS rows, count(published_at)::int AS published
    FROM outbox WHERE type = 'order.placed' AND aggregate_id = ANY(${told}::bigint[]) GROUP BY aggregate_id`;
  const byOrder = new Map(rows.map((r) => [Number(r.order_id), r]));
  const missing = told.filter((id) => !byOrder.has(id));
  const duplicated = rows.filter((r) => r.rows > 1).map((r) => Number(r.order_id));
  const unpublished = rows.filter((r) => r.published < r.rows).map((r) => Number(r.order_id));
  const published = rows.filter((r) => r.rows === 1 && r.published === 1).length;
  const violations = [
    ...(missing.length ? [`${missing.length} orders placed in the outage have no order.placed event: ${missing.slice(0, 5).join(', ')}`] : []),
    ...(duplicated.length ? [`${duplicated.length} orders have more than one order.placed event: ${duplicated.slice(0, 5).join(', ')}`] : []),
    ...(unpublished.length ? [`${unpublished.length} order.placed events of the outage were never published: orders ${unpublished.slice(0, 5).join(', ')}`] : []),
  ];
  return { ordersPlaced: told.length, eventsPublished: published, violations };
}

/**
 * broker-outage: under the shopper load, the whole broker goes down (every node SIGKILLed) for
 * `--broker-outage-seconds`, then is restored. Orders keep being accepted: the checkout writes its
 * events to the outbox in its own transaction and never waits for the broker. The backlog grows;
 * after the restore every instance's relay reconnects and drains it, oldest first. Reconciled: every
 * order told placed during the outage has exactly one order.placed event, published.
 */
export function brokerOutageDrill(): Drill {
  return {
    name: 'broker-outage',
    fault: 'fail-broker (every broker node SIGKILLed), restore-broker after the outage',
    needsTwin: true,
    async run(env): Promise<DrillRun> {
      const { twin, watcher } = requireTwin(env);
      const o = env.options;
      const outageSeconds = o.brokerOutageSeconds;
      const notes: string[] = [];
      if ((await watcher.waitFor(Date.now(), o.recoveryTimeoutSeconds * 1000, brokerSteady)) === undefined) {
        notes.push(`the broker was not steady (every node running and serving) within ${o.recoveryTimeoutSeconds} s before the fault`);
      }
      const backlog = new BacklogSampler(env.sql);
      let faultAt = 0;
      let restoredAt = 0;
      let drainedAt: number | undefined;
      let restoreSeconds: number | null = null;
      const { load, marks } = await withSteadyLoad(env, async ({ mark }) => {
        backlog.start();
        const restore = async () => {
          const began = Date.now();
          await twin.command('restore-broker');
          restoreSeconds = seconds(began, Date.now());
        };
        const fault = { label: 'fail-broker', inject: () => twin.command('fail-broker'), restoreLabel: 'restore-broker', restore };
        env.log(`  the broker goes down for ${outageSeconds} s`);
        ({ faultAt, restoredAt } = await holdFault(mark, fault, outageSeconds));
        drainedAt = await untilPublished(env, restoredAt, restoredAt + o.recoveryTimeoutSeconds * 1000);
        if (drainedAt !== undefined) mark('recovery', 'outbox drained: every event written before the restore is published', drainedAt);
        env.log(`  the outbox drained ${seconds(restoredAt, drainedAt) ?? 'n/a'} s after restore-broker (peak backlog ${backlog.peak ?? 'n/a'} rows)`);
      }).finally(() => backlog.stop());
      const events = await reconcileWindowEvents(env.sql, load.ledger, faultAt, restoredAt);
      const { failedRequests } = loadFigures(load.ledger);
      const left = drainedAt === undefined ? await unpublishedRows(env.sql, restoredAt) : 0;
      return {
        ledger: load.ledger,
        marks,
        figures: { outboxPeakBacklog: backlog.peak, outboxDrainSeconds: seconds(restoredAt, drainedAt), eventsUnpublished: events.ordersPlaced - events.eventsPublished },
        violations: [
          ...(failedRequests ? [`${failedRequests} requests failed: orders must be taken while the broker is down`] : []),
          ...(drainedAt === undefined ? [`${left} outbox rows written before the restore were still unpublished ${o.recoveryTimeoutSeconds} s after it`] : []),
          ...events.violations,
        ],
        notes: [
          ...notes,
          `${events.ordersPlaced} orders were told placed during the ${outageSeconds} s outage; ${events.eventsPublished} of them have exactly one order.placed event, published`,
          'outboxPeakBacklog is the most rows unpublished at once (counted every second); outboxDrainSeconds runs from restore-broker until no row written before it is unpublished',
          `restore-broker itself took ${restoreSeconds ?? 'n/a'} s (the nodes start again, each waiting for its peers' tables, until they answer AMQP)`,
        ],
        settings: { outageSeconds, recoveryTimeoutSeconds: o.recoveryTimeoutSeconds },
        faultWindow: { from: faultAt, to: restoredAt },
        charts: [backlog.chart(load.ledger)],
      };
    },
  };
}

/**
 * broker-failover: under the shopper load, the broker node leading the order notifier's queue is
 * SIGKILLed; the other two elect new leaders and serve on, the node starts again and rejoins.
 * Shoppers see nothing. After the load, once the outbox is published and the consumers have
 * drained it, every event of the run must have reached both consumers: 0 lost.
 */
export function brokerFailoverDrill(): Drill {
  return {
    name: 'broker-failover',
    fault: "fail-broker-node: SIGKILL the broker node leading the order notifier's queue",
    needsTwin: true,
    async run(env): Promise<DrillRun> {
      const { twin, watcher } = requireTwin(env);
      const o = env.options;
      const before = await twin.status();
      if (!before.consumers) throw new Error('broker-failover needs a twin that runs the event consumers: they are how the drill sees every event delivered');
      const { mailDir } = before.consumers;
      const notes: string[] = [];
      if ((await watcher.waitFor(Date.now(), o.recoveryTimeoutSeconds * 1000, brokerSteady)) === undefined) {
        notes.push(`the broker was not steady (every node running and serving) within ${o.recoveryTimeoutSeconds} s before the fault`);
      }
      const since = await outboxWatermark(env.sql);
      let faultAt = 0;
      let rejoinedAt: number | undefined;
      let killed: string | undefined;
      const { load, marks } = await withSteadyLoad(env, async ({ mark }) => {
        faultAt = mark('fault', 'fail-broker-node');
        const result = await twin.command('fail-broker-node');
        killed = typeof result.killed === 'string' ? result.killed : undefined;
        const restarts = (s: TwinStatus) => s.broker.nodes.find((n) => n.name === killed)?.restarts ?? 0;
        const restartsBefore = restarts(before);
        env.log(`  killed broker node ${killed ?? '?'}; waiting for it to rejoin the cluster`);
        rejoinedAt = await watcher.waitFor(faultAt, o.recoveryTimeoutSeconds * 1000, (s) => brokerSteady(s) && restarts(s) > restartsBefore);
        if (rejoinedAt !== undefined) mark('recovery', `broker node ${killed ?? '?'} back in the cluster`, rejoinedAt);
      });
      // The load has stopped: every event it caused is in the outbox. The relays publish it, the consumers drain it.
      const loadEndedAt = Date.now();
      const until = await outboxWatermark(env.sql);
      const publishedAt = await untilPublished(env, loadEndedAt, loadEndedAt + o.recoveryTimeoutSeconds * 1000);
      env.log(`  waiting for the consumers to handle outbox events ${since + 1}–${until}…`);
      const rec = await reconcileConsumers(env.sql, mailDir, { since, until }, o.recoveryTimeoutSeconds * 1000);
      const { failedRequests } = loadFigures(load.ledger);
      return {
        ledger: load.ledger,
        marks,
        figures: {
          recoverySeconds: seconds(faultAt, rejoinedAt),
          eventsLost: rec.eventsLost,
          outboxDrainSeconds: seconds(loadEndedAt, publishedAt),
          duplicateNotifications: rec.duplicateDeliveries,
          analyticsMismatches: rec.analyticsMismatches,
        },
        violations: [
          ...(failedRequests ? [`${failedRequests} requests failed: a broker node's crash must not reach shoppers`] : []),
          ...(publishedAt === undefined ? [`the outbox was not published within ${o.recoveryTimeoutSeconds} s of the end of the load`] : []),
          ...rec.violations,
        ],
        notes: [
          ...notes,
          `killed broker node ${killed ?? '?'}; recoverySeconds runs from the SIGKILL until it is back in the cluster and behind the endpoint`,
          `${rec.events} deliveries to reconcile (outbox events ${since + 1}–${until}, per consumer), ${rec.ordersPlaced} orders placed; eventsLost counts those no consumer handled`,
          'outboxDrainSeconds runs from the end of the load until every outbox row is published',
          ...rec.notes,
        ],
        settings: { killed, recoveryTimeoutSeconds: o.recoveryTimeoutSeconds },
        faultWindow: { from: faultAt, to: rejoinedAt ?? Date.now() },
      };
    },
  };
}
