import type { Ledger } from '../load/ledger.js';
import type { Sql } from '../load/reconcile.js';
import type { Figures, Mark, ReportChart } from '../reports/drill-report.js';
import type { TwinClient } from '../client.js';
import type { LoadCalibration } from './load-calibration.js';
import type { TwinWatcher } from './twin-watcher.js';

export const drillNames = [
  'instance-crash',
  'zone-outage',
  'db-failover',
  'site-down',
  'flash-sale',
  'scale-out',
  'rolling-deploy',
  'credential-rotation',
  'payment-provider-outage',
  'cache-failover',
  'cache-outage',
  'hung-instance',
  'slow-instance',
  'replica-down',
  'hung-db-primary',
  'zone-partition',
  'soak',
  'region-outage',
  'consumer-crash',
  'broker-failover',
  'broker-outage',
] as const;
export type DrillName = (typeof drillNames)[number];

/** Every knob of a drill run; the CLI fills it from flags over these defaults. */
export interface DrillOptions {
  /** Steady-load shopper sessions: fixed, or where the calibration's ramp starts. */
  sessions: number;
  /** Ramp the steady load at the start until the fleet's CPU is near `loadCpuShareOfTarget` of the CPU target; off when --sessions fixes it. */
  calibrateLoad: boolean;
  /**
   * The fleet CPU a calibrated load aims at, as a share of the CPU target: target tracking scales
   * out as soon as the average passes the target (ceil(n × average / target) > n), so a drill's
   * own load stays just under it and a fault is what moves the fleet.
   */
  loadCpuShareOfTarget: number;
  /** The settle goes on until the run has seen this many shopper requests (per drill: `minimumRequestsByDrill`). */
  minimumRequests: number;
  /** soak: how long the shopper mix runs at the calibrated load, faults in the middle. */
  soakMinutes: number;
  thinkMs: [number, number];
  connections: number;
  requestTimeoutMs: number;
  /** Load before the fault, so the timeline shows a baseline. */
  warmupSeconds: number;
  /** Load after recovery, so the timeline shows the system settled. */
  settleSeconds: number;
  /** Longest wait for the system to recover before the drill gives up waiting and reports null. */
  recoveryTimeoutSeconds: number;
  /** How often the twin's status is sampled. */
  statusPollMs: number;
  flashShoppers: number;
  flashStock: number;
  /** Pause between the last shopper being ready and the sale opening. */
  flashStartDelayMs: number;
  /** Concurrent registrations while preparing the flash-sale shoppers (each one hashes a password). */
  flashPrepareConcurrency: number;
  /** How flash-sale shoppers buy: one buy-now request, or the cart put together beforehand. */
  flashVia: 'buy-now' | 'cart';
  scaleStepFactor: number;
  scaleStepSeconds: number;
  scaleInTimeoutSeconds: number;
  /** cache-outage: how long the whole cache tier stays down under load (issue 14: 30 s). */
  cacheOutageSeconds: number;
  /** broker-outage: how long the whole message broker stays down under load. */
  brokerOutageSeconds: number;
  /** slow-instance, replica-down: how long the fault lasts under load. */
  grayFaultSeconds: number;
  /** Cache drills: signed-in shoppers beside the steady load whose sessions are watched for a 401. */
  signedInShoppers: number;
  /**
   * Units every product the steady load buys is restocked to before a drill on a twin (a 30-minute
   * soak sells ~150 per product here), so a long series never runs the catalog out.
   */
  restockUnits: number;
}

export const defaultDrillOptions: DrillOptions = {
  sessions: 24,
  thinkMs: [50, 250],
  connections: 64,
  requestTimeoutMs: 10_000,
  warmupSeconds: 10,
  settleSeconds: 10,
  recoveryTimeoutSeconds: 120,
  statusPollMs: 250,
  flashShoppers: 2000,
  flashStock: 100,
  flashStartDelayMs: 1_000,
  flashPrepareConcurrency: 8,
  flashVia: 'buy-now',
  scaleStepFactor: 4,
  scaleStepSeconds: 120,
  scaleInTimeoutSeconds: 300,
  cacheOutageSeconds: 30,
  brokerOutageSeconds: 30,
  grayFaultSeconds: 30,
  signedInShoppers: 8,
  restockUnits: 1_000,
  calibrateLoad: true,
  loadCpuShareOfTarget: 0.9,
  minimumRequests: 0,
  soakMinutes: 30,
};

/**
 * Drills that must see a number of requests for their figure to mean something (issue 15:
 * instance-crash ≥ 50,000, so "0 failed" is read over a crash at real load, not a few thousand).
 */
export const minimumRequestsByDrill: Partial<Record<DrillName, number>> = {
  'instance-crash': 50_000,
};

/** What a drill gets to work with. */
export interface DrillEnv {
  /** The front door of a twin, or a bare shop's URL (flash-sale only). */
  baseUrl: string;
  /** The writer DB, for arranging data and reconciling. */
  sql: Sql;
  twin: TwinClient | undefined;
  watcher: TwinWatcher | undefined;
  /** The Toss Payments stand-in the shop charges through, for its faults and for reconciling payments; unknown for a shop given by URL. */
  paymentsUrl: string | undefined;
  options: DrillOptions;
  /** Progress for people; the CLI prints it. */
  log: (line: string) => void;
  /** The load one drill calibrated, kept by the CLI so the next drills of the run start at it. */
  calibration?: { found?: LoadCalibration };
}

/** What a drill hands back to be reconciled and reported. */
export interface DrillRun {
  ledger: Ledger;
  marks: Mark[];
  figures: Partial<Figures>;
  notes: string[];
  settings: Record<string, unknown>;
  /** Epoch ms of the fault and of recovery (or the end of the run), for the "during" figures. */
  faultWindow?: { from: number; to: number };
  /** What the drill itself found wrong beyond the common reconciliation. */
  violations?: string[];
  /** Charts beyond the per-second timeline (the soak's RSS and p99 per minute). */
  charts?: ReportChart[];
  /**
   * When the drill moved the writer elsewhere (region-outage: region b's promoted primary): the
   * database the common reconciliation reads, and the ledger it holds it to (the drill's own less
   * the losses it accounted for), with why.
   */
  reconcileWith?: { writerUrl: string; ledger: Ledger; why: string };
}

export interface Drill {
  name: DrillName;
  /** The fault, in the words of the drill table. */
  fault: string;
  needsTwin: boolean;
  /** Needs a twin with a second region (`npm start -- --regions 2`); a drill's own twin is started with one. */
  needsSecondRegion?: boolean;
  /** Arranges data before the stock snapshot (the flash sale sets its hot product's stock). */
  arrange?(env: DrillEnv): Promise<void>;
  run(env: DrillEnv): Promise<DrillRun>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function requireTwin(env: DrillEnv): { twin: TwinClient; watcher: TwinWatcher } {
  if (!env.twin || !env.watcher) throw new Error('This drill needs a twin: run `npm start` or let the drill start one (omit --base-url).');
  return { twin: env.twin, watcher: env.watcher };
}
