import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRunningTwin, startTwin, type TwinClient } from '../index.js';
import { freePickedPorts } from '../config/ports.js';
import { startStandaloneShop } from './standalone-shop.js';

/** The repository root: drills resolve `.twin/` and `reports/` there whatever npm's working directory. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Where drills run: the front door, the writer DB, and the twin's controls when there is a twin. */
export interface DrillTarget {
  baseUrl: string;
  writerUrl: string;
  twin: TwinClient | undefined;
  /** The payment provider's stand-in the shop charges through (unknown for a shop given by URL without one). */
  paymentsUrl: string | undefined;
  /** What this process started and must stop. */
  stop(): Promise<void>;
  description: string;
}

async function fromTwin(control: TwinClient, description: string, stop: () => Promise<void>): Promise<DrillTarget> {
  const status = await control.status();
  return { baseUrl: status.frontDoor.url, writerUrl: status.database.writerUrl, twin: control, paymentsUrl: status.payments.url, stop, description };
}

/**
 * Picks the target: a shop given by URL, a standalone shop this process starts, the running twin,
 * or a fresh twin in a temp dir that is stopped afterwards.
 */
export async function resolveTarget(options: {
  baseUrl?: string;
  dbUrl?: string;
  /** With baseUrl: the Toss Payments stand-in that shop charges through, to reconcile payments. */
  paymentsUrl?: string;
  standalone: boolean;
  stateDir: string;
  /** Own twin only: the CPU target tracking aims at, instead of topology's. */
  cpuTargetPercent?: number;
  /** Own twin only: 2 starts it with the second region (region-outage). */
  regions?: 1 | 2;
  log: (line: string) => void;
  /** A stop request: an own twin still starting stops what it started and the promise rejects. */
  signal?: AbortSignal;
}): Promise<DrillTarget> {
  if (options.baseUrl) {
    if (!options.dbUrl) throw new Error('--base-url needs --db-url (the writer DB) so the drill can reconcile orders.');
    return {
      baseUrl: options.baseUrl,
      writerUrl: options.dbUrl,
      twin: undefined,
      paymentsUrl: options.paymentsUrl,
      stop: async () => undefined,
      description: `shop at ${options.baseUrl}`,
    };
  }
  if (options.standalone) {
    options.log('Starting a standalone shop on a throwaway PostgreSQL…');
    const shop = await startStandaloneShop({ products: 40, stockPerProduct: 100_000 });
    return {
      baseUrl: shop.baseUrl,
      writerUrl: shop.writerUrl,
      twin: undefined,
      paymentsUrl: shop.paymentsUrl,
      stop: () => shop.stop(),
      description: `standalone shop at ${shop.baseUrl}`,
    };
  }
  const running = await findRunningTwin(options.stateDir);
  if (running) return fromTwin(running, `running twin (${options.stateDir})`, async () => undefined);
  options.log('No twin is running: starting one with fresh state in a temp dir…');
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'evermall-drill-twin-'));
  // Every port free-picked, so a drill's own twin never collides with one a person is running.
  const ports = freePickedPorts();
  const controller = options.cpuTargetPercent === undefined ? {} : { cpuTargetPercent: options.cpuTargetPercent };
  const twin = await startTwin({
    stateDir,
    fresh: true,
    quiet: true,
    ports,
    controller,
    regions: options.regions ?? 1,
    progress: (component, message) => options.log(`  [twin] ${component}: ${message}`),
    ...(options.signal ? { signal: options.signal } : {}),
  }).catch((err: unknown) => {
    rmSync(stateDir, { recursive: true, force: true });
    throw err;
  });
  const stop = async () => {
    await twin.stop();
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    return await fromTwin(twin.client, `fresh twin in ${stateDir}`, stop);
  } catch (err) {
    await stop();
    throw err;
  }
}
