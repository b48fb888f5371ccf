import { autoScaling } from '@evermall/topology';
import { defaultCheckoutRetry } from '../load/checkout-client.js';
import type { Ledger } from '../load/ledger.js';
import { LoadGenerator } from '../load/load-generator.js';
import type { Mark } from '../reports/drill-report.js';
import { sleep, type DrillEnv } from './drill.js';
import { FleetCpuMeter, RunCpuMeter, servingInstances, type CpuShares } from './fleet-cpu.js';
import { calibrateLoad, defaultCalibration, type LoadCalibration } from './load-calibration.js';

export interface SteadyLoadContext {
  load: LoadGenerator;
  /** Marks a moment on the timeline (now, or at `at` epoch ms) and returns its epoch ms. */
  mark(kind: Mark['kind'], label: string, at?: number): number;
}

/** What the steady load was: the calibration that sized it and where the machine's CPU went. */
export interface SteadyLoadProfile {
  sessions: number;
  /** Undefined when the sessions were fixed (--sessions) or there was no twin to read. */
  calibration: LoadCalibration | undefined;
  /** True when an earlier drill of the same run calibrated it. */
  calibratedEarlier: boolean;
  cpu: CpuShares | undefined;
}

/** How long the settle may go on past `settleSeconds` to reach `minimumRequests`. */
const MAX_EXTRA_SETTLE_SECONDS = 600;
/** How often a long settle says how far it is. */
const SETTLE_PROGRESS_MS = 60_000;
/** The run's CPU is read in windows this long, so an instance killed or launched mid-run counts where it served. */
const RUN_CPU_WINDOW_MS = 5_000;

/**
 * Drills hand back their ledger, not the load generator; the run finds the load's profile by it
 * (run-drill.ts), so no drill has to carry it.
 */
const profiles = new WeakMap<Ledger, SteadyLoadProfile>();
export const steadyLoadProfile = (ledger: Ledger): SteadyLoadProfile | undefined => profiles.get(ledger);

/** The calibrated load for this run: found now, or by an earlier drill of the same CLI run. */
async function calibrated(env: DrillEnv, load: LoadGenerator): Promise<{ calibration: LoadCalibration | undefined; earlier: boolean }> {
  const o = env.options;
  if (!o.calibrateLoad || !env.twin || !env.watcher) return { calibration: undefined, earlier: false };
  const found = env.calibration?.found;
  if (found) {
    env.log(`  ${found.sessions} shoppers, as calibrated earlier in this run (fleet CPU aim ${found.aimPercent.toFixed(0)} %)`);
    return { calibration: found, earlier: true };
  }
  const cpuTargetPercent = (await env.twin.status()).autoScaling?.cpuTargetPercent ?? autoScaling.cpuTargetPercent;
  const watcher = env.watcher;
  const calibration = await calibrateLoad(
    load,
    new FleetCpuMeter(() => servingInstances(watcher.latest)),
    { ...defaultCalibration, cpuTargetPercent, aimPercent: cpuTargetPercent * o.loadCpuShareOfTarget },
    env.log,
  );
  if (env.calibration) env.calibration.found = calibration;
  return { calibration, earlier: false };
}

/**
 * Runs the drill's steady shopper load around `body`: the calibration's ramp (sessions until the
 * fleet's CPU sits just under its target), a warm-up, then the body (fault and waiting), then a
 * settle period (longer when the drill must see `minimumRequests`), then stops the load. The load
 * generator's own hard deadline bounds everything even if the body hangs; `holdSeconds` raises it
 * for a body that runs long on purpose (the soak).
 */
export async function withSteadyLoad(
  env: DrillEnv,
  body: (ctx: SteadyLoadContext) => Promise<void>,
  options: { holdSeconds?: number } = {},
): Promise<{ load: LoadGenerator; marks: Mark[] }> {
  const o = env.options;
  const calibrationSeconds = defaultCalibration.maxSteps * (defaultCalibration.stepSeconds + defaultCalibration.registrationTimeoutSeconds);
  const extraSettleSeconds = o.minimumRequests > 0 ? MAX_EXTRA_SETTLE_SECONDS : 0;
  const load = new LoadGenerator({
    baseUrl: env.baseUrl,
    sessions: (o.calibrateLoad ? env.calibration?.found?.sessions : undefined) ?? o.sessions,
    thinkMs: o.thinkMs,
    connections: o.connections,
    requestTimeoutMs: o.requestTimeoutMs,
    checkoutRetry: defaultCheckoutRetry,
    maxDurationMs:
      (calibrationSeconds +
        o.warmupSeconds +
        o.settleSeconds +
        extraSettleSeconds +
        (options.holdSeconds ?? 0) +
        o.recoveryTimeoutSeconds * 3 +
        o.scaleStepSeconds +
        o.scaleInTimeoutSeconds) *
      1000,
  });
  const marks: Mark[] = [];
  const mark = (kind: Mark['kind'], label: string, at = Date.now()) => {
    marks.push({ at: load.ledger.secondsSinceStart(at), kind, label });
    return at;
  };
  await load.start();
  const watcher = env.watcher;
  const runCpu = watcher ? new RunCpuMeter(() => servingInstances(watcher.latest), RUN_CPU_WINDOW_MS) : undefined;
  let calibration: { calibration: LoadCalibration | undefined; earlier: boolean } = { calibration: undefined, earlier: false };
  try {
    calibration = await calibrated(env, load);
    if (calibration.calibration && !calibration.earlier) mark('info', `calibrated: ${load.sessions} shoppers`);
    env.log(`  ${load.sessions} shoppers, warming up for ${o.warmupSeconds} s`);
    await sleep(o.warmupSeconds * 1000);
    await body({ load, mark });
    env.log(`  settling for ${o.settleSeconds} s`);
    await sleep(o.settleSeconds * 1000);
    await settleUntilRequests(env, load, Date.now() + extraSettleSeconds * 1000);
  } finally {
    await load.stop();
    profiles.set(load.ledger, {
      sessions: calibration.calibration?.sessions ?? load.settings.sessions,
      calibration: calibration.calibration,
      calibratedEarlier: calibration.earlier,
      cpu: runCpu?.stop(),
    });
  }
  return { load, marks };
}

/** Keeps the load on until the run has seen `minimumRequests` shopper requests, or the deadline. */
async function settleUntilRequests(env: DrillEnv, load: LoadGenerator, deadline: number): Promise<void> {
  const wanted = env.options.minimumRequests;
  const seen = () => load.ledger.entries.filter((e) => e.action !== 'probe').length;
  if (wanted <= 0 || seen() >= wanted) return;
  env.log(`  ${seen()} requests so far; settling until ${wanted}`);
  let told = Date.now();
  while (seen() < wanted && Date.now() < deadline) {
    await sleep(1_000);
    if (Date.now() - told >= SETTLE_PROGRESS_MS) {
      env.log(`  ${seen()} of ${wanted} requests`);
      told = Date.now();
    }
  }
  if (seen() < wanted) env.log(`  only ${seen()} of ${wanted} requests within ${MAX_EXTRA_SETTLE_SECONDS} s more of settle`);
}
