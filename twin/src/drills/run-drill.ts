import { withWriterRetry } from '@evermall/shop';
import { autoScaling } from '@evermall/topology';
import { isFailure } from '../load/ledger.js';
import { fetchProviderPayments, reconcile, snapshotStock } from '../load/reconcile.js';
import { drillAnchors } from '../reports/anchors.js';
import { emptyFigures, machineInfo, type DrillReport } from '../reports/drill-report.js';
import { writeReport, type WrittenReport } from '../reports/write-report.js';
import type { Drill, DrillEnv } from './drill.js';
import { loadFigures, round } from './figures.js';
import type { TwinStatus } from '../status/status-types.js';
import { healthyInstances } from './twin-watcher.js';

/** How long the drill's own DB work keeps retrying a node that is starting up or moving. */
const DB_RETRY_BUDGET_MS = 60_000;

/**
 * Steady state before a fault: the minimum fleet healthy and settled (every instance in service,
 * as many as desired: nothing launching or draining after an earlier drill's scale-out), the front
 * door on the primary site, and a DB primary with a standby to fail over to. A drill that starts
 * from a wounded or still-scaling system measures the previous drill, not its own fault.
 */
export const isSteady = (s: TwinStatus): boolean =>
  healthyInstances(s).length >= autoScaling.minCapacity &&
  s.instances.every((i) => i.state === 'in-service' && i.healthy) &&
  (s.autoScaling === undefined || s.instances.length === s.autoScaling.desired) &&
  s.frontDoor.mode === 'primary' &&
  s.database.nodes.some((n) => n.role === 'primary') &&
  s.database.nodes.some((n) => n.role === 'standby');

/**
 * Runs one drill end to end: arrange, snapshot stock, load + fault, reconcile the ledger against the
 * database, and write the JSON, HTML and PNG report. `report.passed` is false on any violation.
 */
export async function runDrill(drill: Drill, env: DrillEnv, reportsDir: string, options: { png?: boolean } = {}): Promise<{ report: DrillReport; files: WrittenReport }> {
  const startedAt = new Date();
  env.log(`▶ ${drill.name}: ${drill.fault}`);
  const notes: string[] = [];
  if (env.watcher) {
    const steady = await env.watcher.waitFor(Date.now(), env.options.recoveryTimeoutSeconds * 1000, isSteady);
    if (steady === undefined) notes.push(`the twin was not in steady state within ${env.options.recoveryTimeoutSeconds} s before the fault; figures may carry an earlier fault`);
  }
  // Right after a failover or restore a node may still be starting up (57P03): the DB work of the
  // drill retries like the shop's writer path does, within a bound.
  const withDb = <T>(operation: () => Promise<T>) => withWriterRetry(operation, { budgetMs: DB_RETRY_BUDGET_MS });
  const arrange = drill.arrange?.bind(drill);
  if (arrange) await withDb(() => arrange(env));
  const before = await withDb(() => snapshotStock(env.sql));
  const run = await drill.run(env);
  env.log('  reconciling what shoppers were told against the database…');
  const payments = env.paymentsUrl === undefined ? undefined : await fetchProviderPayments(env.paymentsUrl);
  const rec = await withDb(() => reconcile(env.sql, run.ledger, before, payments));
  if (!rec.paymentsReconciled) notes.push("payments not reconciled: the payment provider's stand-in is unknown for this target");
  if (rec.awaitingSettlement) notes.push(`${rec.awaitingSettlement} orders are still pending_payment with a DONE payment: the shop's payment reconciler settles them`);
  const load = loadFigures(run.ledger, run.faultWindow);
  const checkouts = run.ledger.entries.filter((e) => e.action === 'checkout');
  const lastByKey = new Map<string, number>();
  for (const e of checkouts) if (e.idempotencyKey) lastByKey.set(e.idempotencyKey, e.status);
  const figures = {
    ...emptyFigures(),
    ...load,
    p99Ms: round(load.p99Ms),
    p99DuringFaultMs: round(load.p99DuringFaultMs),
    peakP99Ms: round(load.peakP99Ms),
    acknowledgedOrders: rec.acknowledgedOrders,
    ordersLost: rec.ordersLost,
    duplicateOrders: rec.duplicateOrders,
    oversold: rec.oversold,
    negativeStock: rec.negativeStock,
    placedButUnacknowledged: rec.placedButUnacknowledged,
    ordersConfirmed: rec.confirmedOrders,
    placedWithoutPayment: rec.paymentsReconciled ? rec.placedWithoutPayment.length : null,
    unitsSold: Object.values(rec.unitsSold).reduce((a, b) => a + b, 0),
    checkoutsAbandoned: [...lastByKey.values()].filter(isFailure).length,
    ...run.figures,
  };
  const finishedAt = new Date();
  const report: DrillReport = {
    drill: drill.name,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    settings: {
      baseUrl: env.baseUrl,
      twin: env.twin !== undefined,
      ...(drill.needsTwin ? { load: { sessions: env.options.sessions, thinkMs: env.options.thinkMs, connections: env.options.connections } } : {}),
      ...run.settings,
    },
    machine: machineInfo(),
    figures,
    anchors: drillAnchors[drill.name] ?? [],
    passed: rec.violations.length + (run.violations?.length ?? 0) === 0,
    violations: [...rec.violations, ...(run.violations ?? [])],
    marks: run.marks,
    timeline: run.ledger.timeline(finishedAt.getTime()),
    events: env.watcher?.eventsSince(startedAt.getTime()) ?? [],
    notes: [...notes, ...run.notes],
  };
  const files = await writeReport(report, reportsDir, { ...options, ledger: run.ledger.entries });
  env.log(`  ${report.passed ? '✓ reconciled' : '✗ VIOLATIONS: ' + report.violations.join('; ')} — report ${files.html}`);
  return { report, files };
}
