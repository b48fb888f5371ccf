import { sleep } from './drill.js';
import type { SteadyLoadContext } from './steady-load.js';

export interface HeldFault {
  /** Marked when the fault is injected, e.g. `fail-cache`. */
  label: string;
  inject: () => Promise<unknown>;
  /** Marked when it is undone, e.g. `restore-cache`. */
  restoreLabel: string;
  restore: () => Promise<unknown>;
}

/**
 * Injects a fault under the running load, holds it for `seconds`, then undoes it, even when the
 * injection or the watch fails, so a drill never leaves the twin broken. `during` runs while the
 * fault holds (a drill's own watch, bounded by the hold) and the remainder of the hold is slept.
 * Returns when the fault began and when it was undone, for the drill's fault window.
 */
export async function holdFault(
  mark: SteadyLoadContext['mark'],
  fault: HeldFault,
  seconds: number,
  during: (faultAt: number) => Promise<void> = async () => undefined,
): Promise<{ faultAt: number; restoredAt: number }> {
  const faultAt = mark('fault', fault.label);
  let restoredAt = faultAt;
  try {
    await fault.inject();
    await during(faultAt);
    const left = faultAt + seconds * 1000 - Date.now();
    if (left > 0) await sleep(left);
  } finally {
    restoredAt = mark('restore', fault.restoreLabel);
    await fault.restore();
  }
  return { faultAt, restoredAt };
}
