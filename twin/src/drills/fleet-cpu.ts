import { readFileSync } from 'node:fs';
import os from 'node:os';
import { cpuSeconds } from '../instances/cpu-meter.js';
import type { TwinStatus } from '../status/status-types.js';

/**
 * The instances that carry the load: in service and passing the load balancer's check. The twin
 * is always on this machine, so their pids from its status can be read in /proc, as the bench
 * reads their RSS (bench/rss.ts).
 */
export interface ServingInstance {
  id: string;
  pid: number;
  vcpu: number;
}

export const servingInstances = (s: TwinStatus | undefined): ServingInstance[] =>
  (s?.instances ?? []).filter((i) => i.state === 'in-service' && i.healthy && i.pid !== undefined).map((i) => ({ id: i.id, pid: i.pid!, vcpu: i.vcpu }));

interface Reading {
  at: number;
  /** CPU seconds per instance id, with the pid they were read from. */
  instances: Map<string, { pid: number; seconds: number; vcpu: number }>;
  /** This process's own CPU (user + system), µs. */
  selfMicros: number;
  /** The machine's busy and total jiffies across every core (/proc/stat's first line). */
  machine: { busy: number; total: number } | undefined;
}

/** `cpu  user nice system idle iowait irq softirq steal ...`: idle and iowait are not busy. */
function machineJiffies(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

function read(instances: readonly ServingInstance[]): Reading {
  const cpu = process.cpuUsage();
  return {
    at: Date.now(),
    instances: new Map(instances.map((i) => [i.id, { pid: i.pid, seconds: cpuSeconds(i.pid), vcpu: i.vcpu }])),
    selfMicros: cpu.user + cpu.system,
    machine: machineJiffies(),
  };
}

/** Where the machine's CPU went between two readings. */
export interface CpuShares {
  seconds: number;
  /** Mean over the instances serving at both readings, each as a percent of its own vCPUs (the twin's cpuPercent, over this window). */
  fleetPercent: number | null;
  /** The drill process (load generator, ledger, watcher) as a percent of one core. */
  loadGeneratorPercentOfCore: number;
  /** Every core's busy time, as a percent of the whole machine. */
  machineBusyPercent: number | null;
  cores: number;
}

function shares(from: Reading, to: Reading): CpuShares {
  const seconds = (to.at - from.at) / 1000;
  const perInstance: number[] = [];
  for (const [id, end] of to.instances) {
    const start = from.instances.get(id);
    // A pid that changed is another process (a relaunch): it has no reading at the start.
    if (!start || start.pid !== end.pid || end.seconds < start.seconds || seconds <= 0) continue;
    perInstance.push(((end.seconds - start.seconds) / seconds / end.vcpu) * 100);
  }
  const m = from.machine && to.machine && to.machine.total > from.machine.total ? (to.machine.busy - from.machine.busy) / (to.machine.total - from.machine.total) : null;
  return {
    seconds,
    fleetPercent: perInstance.length ? perInstance.reduce((a, b) => a + b, 0) / perInstance.length : null,
    loadGeneratorPercentOfCore: seconds > 0 ? ((to.selfMicros - from.selfMicros) / 1e6 / seconds) * 100 : 0,
    machineBusyPercent: m === null ? null : m * 100,
    cores: os.cpus().length,
  };
}

/**
 * Reads the serving instances' CPU the way the twin does (CPU seconds from /proc over wall time,
 * divided by each instance's vCPUs), over a window of the caller's choosing: the twin's own
 * figure is a 60 s average (CloudWatch's period), too slow to calibrate a load with. Beside it,
 * what the drill process itself and the whole machine used, so a report can say how much of two
 * shared cores the load generator took.
 */
export class FleetCpuMeter {
  private start: Reading | undefined;

  constructor(private readonly instances: () => readonly ServingInstance[]) {}

  /** Starts a window. */
  mark(): void {
    this.start = read(this.instances());
  }

  /** The window since `mark()`; the instances are those serving at both ends. */
  measure(): CpuShares | undefined {
    if (!this.start) return undefined;
    const end = read(this.instances());
    // Only instances known at the start can be compared; re-read them by id at the end.
    return shares(this.start, end);
  }
}

/**
 * CPU over a whole run in short windows, so an instance killed or launched mid-run counts for
 * the windows it served in: the run's fleet CPU is the mean of the windows' fleet figures.
 */
export class RunCpuMeter {
  private readonly meter: FleetCpuMeter;
  private readonly windows: CpuShares[] = [];
  private readonly first: Reading;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly instances: () => readonly ServingInstance[],
    windowMs: number,
  ) {
    this.meter = new FleetCpuMeter(instances);
    this.meter.mark();
    this.first = read([]);
    this.timer = setInterval(() => {
      const w = this.meter.measure();
      if (w) this.windows.push(w);
      this.meter.mark();
    }, windowMs);
  }

  stop(): CpuShares {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const last = this.meter.measure();
    if (last) this.windows.push(last);
    const whole = shares(this.first, read([]));
    const fleet = this.windows.filter((w) => w.fleetPercent !== null);
    const seconds = fleet.reduce((sum, w) => sum + w.seconds, 0);
    return { ...whole, fleetPercent: seconds > 0 ? fleet.reduce((sum, w) => sum + w.fleetPercent! * w.seconds, 0) / seconds : null };
  }
}
