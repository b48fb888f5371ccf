import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connectWriter } from '../load/reconcile.js';
import type { DrillReport } from '../reports/drill-report.js';
import { summaryTable, type NotRun } from '../reports/summary-table.js';
import { fileTimestamp } from '../reports/write-report.js';
import { StopRequests } from '../stop-requests.js';
import { defaultDrillOptions, drillNames, type DrillName, type DrillOptions } from './drill.js';
import { repoRoot, resolveTarget } from './drill-target.js';
import { allDrillsInOrder, drills } from './registry.js';
import { runDrill } from './run-drill.js';
import { TwinWatcher } from './twin-watcher.js';

const HELP = `Usage: npm run drill -- <drill...|all> [options]

Breaks the shop on purpose under load, then reconciles what shoppers were told against the DB.
Writes reports/<drill>-<timestamp>.{json,html,png}; exits 1 when reconciliation finds a violation.

Drills: ${drillNames.join(', ')}, all (all runs every drill but soak and region-outage; add the soak with --with-soak).
Name several to run them in turn on one twin (npm run drill -- zone-outage site-down).
Before each drill on a twin the run waits for steady state and a DB writer (asking the twin to restore
once if they do not come), and restocks what the shoppers buy; a drill that cannot start is reported
as not run.
region-outage needs a twin with a second region (npm start -- --regions 2); its own twin gets one.

Target (default: the running twin in .twin/, else a fresh twin started and stopped here):
  --state-dir DIR          the twin's state dir (default: <repo>/.twin)
  --standalone             flash-sale, payment-provider-outage: one shop on a throwaway PostgreSQL
                           with its own Toss Payments stand-in, started here
  --base-url URL           flash-sale, payment-provider-outage: a shop you run; needs --db-url
  --db-url URL             the shop's writer DB, for reconciliation
  --payments-url URL       with --base-url: the Toss Payments stand-in it charges through (payment faults
                           and reconciling payments; without it payments are not reconciled)
  --entry front-door|load-balancer
                           where shoppers enter (default front-door). load-balancer skips the twin's
                           front-door hop (the same HAProxy, a second pass through it)

Load and timing:
  --sessions N             steady shoppers, fixed. Without it the steady load is calibrated: a short
                           ramp from ${defaultDrillOptions.sessions} shoppers at the start of the first drill finds the
                           shoppers that hold the fleet's CPU at ${defaultDrillOptions.loadCpuShareOfTarget * 100} % of its target, and the
                           run's other drills start at them
  --minutes M              soak: how long it runs (default ${defaultDrillOptions.soakMinutes})
  --with-soak              all: run the soak too, last
  --warmup S               seconds of load before the fault (default ${defaultDrillOptions.warmupSeconds})
  --settle S               seconds of load after recovery (default ${defaultDrillOptions.settleSeconds})
  --recovery-timeout S     longest wait for recovery (default ${defaultDrillOptions.recoveryTimeoutSeconds})
  --shoppers N             flash-sale shoppers (default ${defaultDrillOptions.flashShoppers})
  --stock N                flash-sale units (default ${defaultDrillOptions.flashStock})
  --via buy-now|cart       flash-sale: how shoppers buy (default ${defaultDrillOptions.flashVia}): one buy-now
                           request, or a cart filled beforehand and checked out
  --cpu-target P           a twin this drill starts: the CPU target to track instead of topology's
                           (on 2 shared cores the load generator caps instance CPU below 50 %)
  --step-seconds S         scale-out: length of the ×${defaultDrillOptions.scaleStepFactor} load step (default ${defaultDrillOptions.scaleStepSeconds})
  --scale-in-timeout S     scale-out: longest wait for scale-in (default ${defaultDrillOptions.scaleInTimeoutSeconds})
  --outage-seconds S       cache-outage: how long the whole cache tier stays down (default ${defaultDrillOptions.cacheOutageSeconds})
  --broker-outage-seconds S  broker-outage: how long the whole message broker stays down (default ${defaultDrillOptions.brokerOutageSeconds})
  --fault-seconds S        slow-instance, replica-down: how long the fault lasts (default ${defaultDrillOptions.grayFaultSeconds})
  --signed-in N            cache-failover, cache-outage: signed-in shoppers beside the steady load whose
                           sessions are checked after every action (default ${defaultDrillOptions.signedInShoppers})

Output:
  --reports DIR            where reports go (default: <repo>/reports)
  --no-png                 skip rendering the PNG with Chromium
  -h, --help               this help
`;

// First of all: a stop request at any moment stops what the drill started (issue 19).
const stopRequests = new StopRequests(() => process.stdout.write('Stopping is in progress: what the drill started is being stopped in order.\n'));

function fail(line: string): never {
  process.stderr.write(`drill: ${line}\n`);
  process.exit(2);
}

function positiveNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) fail(`${flag} must be a non-negative number, got "${value}". See --help.`);
  return n;
}

function flashVia(value: string | undefined): DrillOptions['flashVia'] {
  if (value === undefined) return defaultDrillOptions.flashVia;
  if (value !== 'buy-now' && value !== 'cart') fail(`--via must be buy-now or cart, got "${value}". See --help.`);
  return value;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      'state-dir': { type: 'string' },
      standalone: { type: 'boolean' },
      'base-url': { type: 'string' },
      'db-url': { type: 'string' },
      'payments-url': { type: 'string' },
      entry: { type: 'string' },
      sessions: { type: 'string' },
      warmup: { type: 'string' },
      settle: { type: 'string' },
      'recovery-timeout': { type: 'string' },
      shoppers: { type: 'string' },
      stock: { type: 'string' },
      via: { type: 'string' },
      'step-seconds': { type: 'string' },
      'scale-in-timeout': { type: 'string' },
      'outage-seconds': { type: 'string' },
      'broker-outage-seconds': { type: 'string' },
      'fault-seconds': { type: 'string' },
      'signed-in': { type: 'string' },
      'cpu-target': { type: 'string' },
      minutes: { type: 'string' },
      'with-soak': { type: 'boolean' },
      reports: { type: 'string' },
      'no-png': { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length === 0) fail('name a drill, e.g. `npm run drill -- flash-sale`, or `all`. See --help.');
  const all = positionals.includes('all');
  if (all && positionals.length > 1) fail('`all` runs every drill: name it alone. See --help.');
  for (const name of positionals) {
    if (name !== 'all' && !(drillNames as readonly string[]).includes(name)) fail(`unknown drill "${name}"; choose one of ${drillNames.join(', ')}, all.`);
  }
  const names: DrillName[] = all ? [...allDrillsInOrder, ...(values['with-soak'] ? (['soak'] as const) : [])] : (positionals as DrillName[]);
  const d = defaultDrillOptions;
  const options: DrillOptions = {
    ...d,
    sessions: positiveNumber('--sessions', values.sessions, d.sessions),
    calibrateLoad: values.sessions === undefined,
    soakMinutes: positiveNumber('--minutes', values.minutes, d.soakMinutes),
    warmupSeconds: positiveNumber('--warmup', values.warmup, d.warmupSeconds),
    settleSeconds: positiveNumber('--settle', values.settle, d.settleSeconds),
    recoveryTimeoutSeconds: positiveNumber('--recovery-timeout', values['recovery-timeout'], d.recoveryTimeoutSeconds),
    flashShoppers: positiveNumber('--shoppers', values.shoppers, d.flashShoppers),
    flashStock: positiveNumber('--stock', values.stock, d.flashStock),
    flashVia: flashVia(values.via),
    scaleStepSeconds: positiveNumber('--step-seconds', values['step-seconds'], d.scaleStepSeconds),
    scaleInTimeoutSeconds: positiveNumber('--scale-in-timeout', values['scale-in-timeout'], d.scaleInTimeoutSeconds),
    cacheOutageSeconds: positiveNumber('--outage-seconds', values['outage-seconds'], d.cacheOutageSeconds),
    brokerOutageSeconds: positiveNumber('--broker-outage-seconds', values['broker-outage-seconds'], d.brokerOutageSeconds),
    grayFaultSeconds: positiveNumber('--fault-seconds', values['fault-seconds'], d.grayFaultSeconds),
    signedInShoppers: positiveNumber('--signed-in', values['signed-in'], d.signedInShoppers),
  };
  const entry = values.entry ?? 'front-door';
  if (entry !== 'front-door' && entry !== 'load-balancer') fail(`--entry must be front-door or load-balancer, got "${entry}".`);
  const bareShop = Boolean(values.standalone || values['base-url']);
  if (bareShop && names.some((n) => drills[n]().needsTwin)) fail('--standalone and --base-url run only flash-sale and payment-provider-outage: the other drills need a twin.');
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const reportsDir = path.resolve(values.reports ?? path.join(repoRoot, 'reports'));
  const resolving = resolveTarget({
    baseUrl: values['base-url'],
    dbUrl: values['db-url'],
    ...(values['payments-url'] ? { paymentsUrl: values['payments-url'] } : {}),
    standalone: Boolean(values.standalone),
    regions: names.some((n) => drills[n]().needsSecondRegion) ? 2 : 1,
    stateDir: path.resolve(values['state-dir'] ?? path.join(repoRoot, '.twin')),
    ...(values['cpu-target'] === undefined ? {} : { cpuTargetPercent: positiveNumber('--cpu-target', values['cpu-target'], 50) }),
    log,
    signal: stopRequests.signal,
  });
  stopRequests.stopThenExit(resolving, log, 'drill');
  const target = await resolving;
  const reports: DrillReport[] = [];
  const notRun: NotRun[] = [];
  try {
    const baseUrl = entry === 'load-balancer' && target.twin ? (await target.twin.status()).loadBalancer.url : target.baseUrl;
    log(`Target: ${target.description}; shoppers enter at ${baseUrl} (${entry})`);
    const sql = connectWriter(target.writerUrl);
    const watcher = target.twin ? new TwinWatcher(target.twin, options.statusPollMs) : undefined;
    watcher?.start();
    // One calibration per run: the drills after the first start at the load it found.
    const calibration = {};
    try {
      for (const name of names) {
        try {
          const { report } = await runDrill(drills[name](), { baseUrl, sql, twin: target.twin, watcher, paymentsUrl: target.paymentsUrl, options, log, calibration }, reportsDir, {
            png: !values['no-png'],
          });
          reports.push(report);
        } catch (err) {
          notRun.push({ drill: name, reason: (err as Error).message });
          log(`✗ ${name} could not run: ${(err as Error).message}`);
          // A half-done fault must not leak into the next drill.
          await target.twin?.command('restore').catch(() => undefined);
        }
      }
    } finally {
      watcher?.stop();
      await sql.end({ timeout: 5 });
    }
  } finally {
    await target.stop();
  }
  if (names.length > 1) {
    const table = summaryTable(reports, notRun);
    mkdirSync(reportsDir, { recursive: true });
    const file = path.join(reportsDir, `summary-${fileTimestamp(new Date().toISOString())}.md`);
    writeFileSync(file, `${table}\n`);
    log(`\n${table}\n\nSummary written to ${file}`);
  }
  const violated = reports.filter((r) => !r.passed);
  if (violated.length) {
    process.stderr.write(`drill: reconciliation failed in ${violated.map((r) => r.drill).join(', ')}; read the violations in their reports and fix the shop before shipping.\n`);
    return 1;
  }
  if (notRun.length) {
    process.stderr.write('drill: a drill could not run (see ✗ above); check the twin with `npm run twin -- status` and run it again.\n');
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(stopRequests.signal.aborted ? stopRequests.exitCode : code),
  (err: unknown) => {
    process.stderr.write(`drill: ${(err as Error).message}\n`);
    process.exit(stopRequests.signal.aborted ? stopRequests.exitCode : 1);
  },
);
