import { withWriterRetry } from '@evermall/shop';
import { autoScaling } from '@evermall/topology';
import { isFailure } from '../load/ledger.js';
import { connectWriter, fetchProviderPayments, reconcile, restockForLoad, snapshotStock, waitForWriter } from '../load/reconcile.js';
import { drillAnchors } from '../reports/anchors.js';
import { emptyFigures, machineInfo, type DrillReport } from '../reports/drill-report.js';
import { writeReport, type WrittenReport } from '../reports/write-report.js';
import { minimumRequestsByDrill, type Drill, type DrillEnv } from './drill.js';
import { loadFigures, round } from './figures.js';
import { steadyLoadProfile, type SteadyLoadProfile } from './steady-load.js';
import type { TwinStatus } from '../status/status-types.js';
import { healthyInstances } from './twin-watcher.js';

/** How long the drill's own DB work keeps retrying a node that is starting up or moving. */
const DB_RETRY_BUDGET_MS = 60_000;

/**
 * Steady state before a fault: the minimum fleet healthy and settled (every instance in service,
 * as many as desired: nothing launching or draining after an earlier drill's scale-out), the front
 * door on the primary site, and a DB primary with a caught-up standby to fail over to. A drill that starts
 * from a wounded or still-scaling system measures the previous drill, not its own fault.
 */
export const isSteady = (s: TwinStatus): boolean => unsteadiness(s).length === 0;

/** What keeps the twin from steady state (see isSteady), in words for the report; empty when steady. */
export function unsteadiness(s: TwinStatus): string[] {
  const why: string[] = [];
  const healthy = healthyInstances(s).length;
  if (healthy < autoScaling.minCapacity) why.push(`${healthy} healthy instances, fewer than the minimum ${autoScaling.minCapacity}`);
  const unsettled = s.instances.filter((i) => i.state !== 'in-service' || !i.healthy);
  if (unsettled.length) why.push(`instances not in service and healthy: ${unsettled.map((i) => `${i.id} ${i.state}${i.healthy ? '' : ' unhealthy'}`).join(', ')}`);
  if (s.autoScaling !== undefined && s.instances.length !== s.autoScaling.desired) why.push(`${s.instances.length} instances where ${s.autoScaling.desired} are desired`);
  if (s.frontDoor.mode !== 'primary') why.push(`the front door is on ${s.frontDoor.mode}`);
  // pg_auto_failover's own words: a primary with a caught-up synchronous standby is `primary`,
  // and only a `secondary` can be promoted. A standby still catching up (an old primary being
  // rebuilt after an earlier drill) leaves a next fault nothing to fail over to.
  const nodes = s.database.nodes.map((n) => `${n.name} ${n.role} (${n.state})`).join(', ');
  if (!s.database.nodes.some((n) => n.role === 'primary' && n.state === 'primary')) why.push(`no settled DB primary: ${nodes}`);
  else if (!s.database.nodes.some((n) => n.role === 'standby' && n.state === 'secondary')) why.push(`no DB standby caught up to fail over to: ${nodes}`);
  return why;
}

/**
 * Before a drill on a twin: steady state, then a writer that takes writes. An earlier drill's
 * fault may still be healing (a zone's DB node recovering answers "the database system is
 * starting up"): the run waits for it, asks the twin to `restore` once if it does not come, and
 * refuses to run the drill (an error naming what is wrong) rather than measure a wounded twin.
 */
async function untilReady(env: DrillEnv): Promise<void> {
  const watcher = env.watcher;
  if (!watcher) return;
  const timeoutMs = env.options.recoveryTimeoutSeconds * 1000;
  let steady = await watcher.waitFor(Date.now(), timeoutMs, isSteady);
  if (steady === undefined) {
    env.log(`  the twin is not steady after ${env.options.recoveryTimeoutSeconds} s (${describeUnsteadiness(watcher.latest)}): asking it to restore`);
    await env.twin?.command('restore');
    steady = await watcher.waitFor(Date.now(), timeoutMs, isSteady);
    if (steady === undefined) throw new Error(`the twin did not reach steady state, even after a restore: ${describeUnsteadiness(watcher.latest)}`);
  }
  const writer = await waitForWriter(env.sql, timeoutMs);
  if (writer !== undefined) throw new Error(`no DB writer took writes within ${env.options.recoveryTimeoutSeconds} s: ${writer}`);
}

const describeUnsteadiness = (s: TwinStatus | undefined): string => (s ? unsteadiness(s).join('; ') || 'steady now' : 'no status from the twin');

/**
 * Runs one drill end to end: arrange, snapshot stock, load + fault, reconcile the ledger against the
 * database, and write the JSON, HTML and PNG report. `report.passed` is false on any violation.
 */
export async function runDrill(drill: Drill, given: DrillEnv, reportsDir: string, options: { png?: boolean } = {}): Promise<{ report: DrillReport; files: WrittenReport }> {
  const startedAt = new Date();
  const minimumRequests = Math.max(given.options.minimumRequests, minimumRequestsByDrill[drill.name] ?? 0);
  const env: DrillEnv = { ...given, options: { ...given.options, minimumRequests } };
  env.log(`▶ ${drill.name}: ${drill.fault}`);
  const notes: string[] = [];
  await untilReady(env);
  // Right after a failover or restore a node may still be starting up (57P03): the DB work of the
  // drill retries like the shop's writer path does, within a bound.
  const withDb = <T>(operation: () => Promise<T>) => withWriterRetry(operation, { budgetMs: DB_RETRY_BUDGET_MS });
  if (drill.needsTwin) {
    const restocked = await withDb(() => restockForLoad(env.sql, env.options.restockUnits));
    if (restocked > 0) env.log(`  restocked ${restocked} products to ${env.options.restockUnits} units for the load`);
  }
  const arrange = drill.arrange?.bind(drill);
  if (arrange) await withDb(() => arrange(env));
  const before = await withDb(() => snapshotStock(env.sql));
  const run = await drill.run(env);
  env.log('  reconciling what shoppers were told against the database…');
  const payments = env.paymentsUrl === undefined ? undefined : await fetchProviderPayments(env.paymentsUrl);
  // A drill that moved the writer to another database (region-outage) names it and the ledger to hold it to.
  const other = run.reconcileWith;
  const sql = other ? connectWriter(other.writerUrl) : env.sql;
  // The fault's node may still be coming back: reconciliation waits for a writer, as a drill's start does.
  const writer = await waitForWriter(sql, env.options.recoveryTimeoutSeconds * 1000);
  if (writer !== undefined) notes.push(`reconciliation found no writer taking writes within ${env.options.recoveryTimeoutSeconds} s (${writer}); it read what it could reach`);
  const rec = await withDb(() => reconcile(sql, other?.ledger ?? run.ledger, before, payments)).finally(() => (other ? sql.end({ timeout: 5 }) : undefined));
  if (other) notes.push(`reconciled against ${other.why}`);
  if (!rec.paymentsReconciled) notes.push("payments not reconciled: the payment provider's stand-in is unknown for this target");
  if (rec.awaitingSettlement) notes.push(`${rec.awaitingSettlement} orders are still pending_payment with a DONE payment: the shop's payment reconciler settles them`);
  const load = loadFigures(run.ledger, run.faultWindow);
  const profile = steadyLoadProfile(run.ledger);
  const checkouts = run.ledger.entries.filter((e) => e.action === 'checkout');
  // A drill whose shoppers tried to order and were never told "placed" measured no write path at
  // all (a sold-out catalog, a writer that never came back): its outage figures mean nothing.
  const unmeasured =
    checkouts.length > 0 && rec.acknowledgedOrders === 0 ? [`${checkouts.length} checkout attempts and not one order acknowledged: the drill measured no checkout`] : [];
  const lastByKey = new Map<string, number>();
  for (const e of checkouts) if (e.idempotencyKey) lastByKey.set(e.idempotencyKey, e.status);
  const figures = {
    ...emptyFigures(),
    ...load,
    p99Ms: round(load.p99Ms),
    p99DuringFaultMs: round(load.p99DuringFaultMs),
    peakP99Ms: round(load.peakP99Ms),
    requestsPerSecond: round(load.requestsPerSecond, 1),
    fleetCpuPercent: round(profile?.cpu?.fleetPercent, 1),
    loadGeneratorCpuPercent: round(profile?.cpu?.loadGeneratorPercentOfCore, 1),
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
      ...(drill.needsTwin ? { load: loadSettings(env, profile) } : {}),
      ...run.settings,
    },
    machine: machineInfo(),
    figures,
    anchors: drillAnchors[drill.name] ?? [],
    passed: rec.violations.length + (run.violations?.length ?? 0) + unmeasured.length === 0,
    violations: [...rec.violations, ...(run.violations ?? []), ...unmeasured],
    marks: run.marks,
    timeline: run.ledger.timeline(finishedAt.getTime()),
    events: env.watcher?.eventsSince(startedAt.getTime()) ?? [],
    notes: [...notes, ...loadNotes(profile, minimumRequests, load.requests), ...run.notes],
    ...(run.charts?.length ? { charts: run.charts } : {}),
  };
  const files = await writeReport(report, reportsDir, { ...options, ledger: run.ledger.entries });
  env.log(`  ${report.passed ? '✓ reconciled' : '✗ VIOLATIONS: ' + report.violations.join('; ')} — report ${files.html}`);
  return { report, files };
}

function loadSettings(env: DrillEnv, profile: SteadyLoadProfile | undefined): Record<string, unknown> {
  const o = env.options;
  const c = profile?.calibration;
  return {
    sessions: profile?.sessions ?? o.sessions,
    thinkMs: o.thinkMs,
    connections: o.connections,
    ...(c
      ? {
          calibration: {
            aimPercent: round(c.aimPercent, 1),
            cpuTargetPercent: c.cpuTargetPercent,
            earlierInThisRun: profile?.calibratedEarlier ?? false,
            stoppedBecause: c.stoppedBecause,
            steps: c.steps.map((s) => ({
              ...s,
              fleetCpuPercent: round(s.fleetCpuPercent, 1),
              requestsPerSecond: round(s.requestsPerSecond, 1),
              loadGeneratorPercentOfCore: round(s.loadGeneratorPercentOfCore, 1),
              machineBusyPercent: round(s.machineBusyPercent, 1),
            })),
          },
        }
      : { calibration: o.calibrateLoad ? 'none: no twin to read' : 'off: --sessions fixed the load' }),
  };
}

/** Where the machine's CPU went: the load generator shares two cores with everything it measures. */
function loadNotes(profile: SteadyLoadProfile | undefined, minimumRequests: number, requests: number): string[] {
  const notes: string[] = [];
  const c = profile?.calibration;
  if (c) notes.push(`load calibrated to ${c.sessions} shoppers for a fleet CPU of ${c.aimPercent.toFixed(0)} % (${c.cpuTargetPercent} % target); ${c.stoppedBecause}`);
  const cpu = profile?.cpu;
  if (cpu) {
    const gen = cpu.loadGeneratorPercentOfCore;
    notes.push(
      `CPU over the load: instances ${cpu.fleetPercent === null ? 'unknown' : `${cpu.fleetPercent.toFixed(0)} %`} of their vCPUs each; the load generator (this process) ${gen.toFixed(0)} % of one core, ${(gen / cpu.cores).toFixed(0)} % of the machine's ${cpu.cores} cores; the machine ${cpu.machineBusyPercent === null ? 'unknown' : `${cpu.machineBusyPercent.toFixed(0)} %`} busy in all`,
    );
  }
  if (minimumRequests > 0) notes.push(`this drill must see ${minimumRequests} requests: it saw ${requests}`);
  return notes;
}
