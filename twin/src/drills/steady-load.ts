import { defaultCheckoutRetry } from '../load/checkout-client.js';
import { LoadGenerator } from '../load/load-generator.js';
import type { Mark } from '../reports/drill-report.js';
import { sleep, type DrillEnv } from './drill.js';

export interface SteadyLoadContext {
  load: LoadGenerator;
  /** Marks a moment on the timeline (now, or at `at` epoch ms) and returns its epoch ms. */
  mark(kind: Mark['kind'], label: string, at?: number): number;
}

/**
 * Runs the drill's steady shopper load around `body`: warm-up first, then the body (fault and
 * waiting), then a settle period, then stops the load. The load generator's own hard deadline
 * bounds everything even if the body hangs.
 */
export async function withSteadyLoad(env: DrillEnv, body: (ctx: SteadyLoadContext) => Promise<void>): Promise<{ load: LoadGenerator; marks: Mark[] }> {
  const o = env.options;
  const load = new LoadGenerator({
    baseUrl: env.baseUrl,
    sessions: o.sessions,
    thinkMs: o.thinkMs,
    connections: o.connections,
    requestTimeoutMs: o.requestTimeoutMs,
    checkoutRetry: defaultCheckoutRetry,
    maxDurationMs: (o.warmupSeconds + o.settleSeconds + o.recoveryTimeoutSeconds * 3 + o.scaleStepSeconds + o.scaleInTimeoutSeconds) * 1000,
  });
  const marks: Mark[] = [];
  const mark = (kind: Mark['kind'], label: string, at = Date.now()) => {
    marks.push({ at: load.ledger.secondsSinceStart(at), kind, label });
    return at;
  };
  await load.start();
  try {
    env.log(`  ${o.sessions} shoppers, warming up for ${o.warmupSeconds} s`);
    await sleep(o.warmupSeconds * 1000);
    await body({ load, mark });
    env.log(`  settling for ${o.settleSeconds} s`);
    await sleep(o.settleSeconds * 1000);
  } finally {
    await load.stop();
  }
  return { load, marks };
}
