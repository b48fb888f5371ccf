import type { LoadGenerator } from '../load/load-generator.js';
import { sleep } from './drill.js';
import type { CpuShares, FleetCpuMeter } from './fleet-cpu.js';

/** One step of the ramp: the sessions tried and what the machine did with them. */
export interface CalibrationStep {
  sessions: number;
  fleetCpuPercent: number | null;
  requestsPerSecond: number;
  loadGeneratorPercentOfCore: number;
  machineBusyPercent: number | null;
}

/** The load a calibration settled on, kept for the next drills of the same run. */
export interface LoadCalibration {
  sessions: number;
  /** The fleet CPU the ramp aimed at: a share of the CPU target, below it so the drill's own load does not scale the fleet out. */
  aimPercent: number;
  cpuTargetPercent: number;
  steps: CalibrationStep[];
  /** Why the ramp stopped, for the report. */
  stoppedBecause: string;
}

export interface CalibrationSettings {
  aimPercent: number;
  cpuTargetPercent: number;
  /** A reading is near enough within this share of the aim (0.1: ±10 %). */
  tolerance: number;
  stepSeconds: number;
  maxSteps: number;
  minSessions: number;
  maxSessions: number;
  /** Longest wait for new sessions to register before a step is read anyway. */
  registrationTimeoutSeconds: number;
}

/**
 * The ramp's own settings. A step reads CPU seconds from /proc (10 ms ticks) over 8 s: enough to
 * see a 45 % fleet within a point or two, short enough that five steps stay under a minute of
 * load that counts as the drill's warm-up anyway.
 */
export const defaultCalibration = {
  tolerance: 0.1,
  stepSeconds: 8,
  maxSteps: 5,
  minSessions: 4,
  maxSessions: 400,
  registrationTimeoutSeconds: 20,
} as const satisfies Omit<CalibrationSettings, 'aimPercent' | 'cpuTargetPercent'>;

/** No more than this factor per step: the relation of sessions to CPU bends near saturation. */
const MAX_STEP_FACTOR = 2;
/**
 * A rise in sessions that brought less than this share of the proportional rise in requests/s
 * means the instances (or the machine) are saturated: in a closed loop more sessions then only
 * queue. Requests/s, not CPU: a fresh twin's CPU per request falls in its first minute (JIT,
 * caches filling), so CPU may drop while the load rises.
 */
const SATURATED_SHARE = 0.25;

const clamp = (x: number, min: number, max: number) => Math.min(max, Math.max(min, x));

/**
 * The sessions that should bring the fleet's CPU to `aimPercent`, from one reading: CPU follows
 * the request rate, and in a closed loop below saturation the rate follows the sessions.
 */
export function nextSessions(current: number, measuredPercent: number, aimPercent: number, bounds: { min: number; max: number }): number {
  const factor = clamp(aimPercent / Math.max(measuredPercent, 1), 1 / MAX_STEP_FACTOR, MAX_STEP_FACTOR);
  return Math.round(clamp(current * factor, bounds.min, bounds.max));
}

export const nearAim = (measuredPercent: number, aimPercent: number, tolerance: number): boolean => Math.abs(measuredPercent - aimPercent) <= aimPercent * tolerance;

/** True when the last step added sessions but the requests/s did not follow. */
export function saturated(previous: CalibrationStep | undefined, last: CalibrationStep): boolean {
  if (!previous || last.sessions <= previous.sessions || previous.requestsPerSecond <= 0) return false;
  const expectedRise = previous.requestsPerSecond * (last.sessions / previous.sessions - 1);
  return last.requestsPerSecond - previous.requestsPerSecond < expectedRise * SATURATED_SHARE;
}

function step(sessions: number, shares: CpuShares | undefined, requests: number): CalibrationStep {
  return {
    sessions,
    fleetCpuPercent: shares?.fleetPercent ?? null,
    requestsPerSecond: shares && shares.seconds > 0 ? requests / shares.seconds : 0,
    loadGeneratorPercentOfCore: shares?.loadGeneratorPercentOfCore ?? 0,
    machineBusyPercent: shares?.machineBusyPercent ?? null,
  };
}

/**
 * A short ramp at the start of a drill's load: reads the fleet's CPU over a few seconds, resizes
 * the shopper sessions in proportion, and again, until the fleet sits near the aim (or the steps
 * run out, or more sessions stop adding CPU). The load keeps running at the sessions it found.
 */
export async function calibrateLoad(load: LoadGenerator, meter: FleetCpuMeter, settings: CalibrationSettings, log: (line: string) => void): Promise<LoadCalibration> {
  const steps: CalibrationStep[] = [];
  const shopping = () => load.ledger.entries.length;
  let stoppedBecause = `${settings.maxSteps} steps taken`;
  for (let i = 0; i < settings.maxSteps; i++) {
    const registered = Date.now() + settings.registrationTimeoutSeconds * 1000;
    while (load.registering > 0 && Date.now() < registered) await sleep(250);
    meter.mark();
    const before = shopping();
    await sleep(settings.stepSeconds * 1000);
    const reading = step(load.sessions, meter.measure(), shopping() - before);
    steps.push(reading);
    const cpu = reading.fleetCpuPercent;
    log(
      `  calibrating: ${reading.sessions} shoppers → fleet CPU ${cpu === null ? 'unknown' : `${cpu.toFixed(0)} %`} (aim ${settings.aimPercent.toFixed(0)} %), ${reading.requestsPerSecond.toFixed(0)} requests/s`,
    );
    if (cpu === null) {
      stoppedBecause = 'no serving instance could be read in /proc';
      break;
    }
    if (nearAim(cpu, settings.aimPercent, settings.tolerance)) {
      stoppedBecause = `within ±${settings.tolerance * 100} % of the aim`;
      break;
    }
    if (saturated(steps[steps.length - 2], reading)) {
      const previous = steps[steps.length - 2]!;
      load.setSessions(previous.sessions);
      stoppedBecause = `saturated: ${previous.sessions} → ${reading.sessions} shoppers added few requests/s, so the ramp went back to ${previous.sessions}`;
      break;
    }
    const next = nextSessions(reading.sessions, cpu, settings.aimPercent, { min: settings.minSessions, max: settings.maxSessions });
    if (next === reading.sessions) {
      stoppedBecause = `at the bound of ${next} shoppers`;
      break;
    }
    load.setSessions(next);
  }
  return { sessions: load.sessions, aimPercent: settings.aimPercent, cpuTargetPercent: settings.cpuTargetPercent, steps, stoppedBecause };
}
