import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** CFS accounting period: 100 ms, the kernel's default (Documentation/scheduler/sched-bwc.rst). */
const PERIOD_US = 100_000;
/** Every twin's instance groups live under this one, so a leftover from a crash is easy to find. */
const PARENT = 'evermall-twin';

type Layout = { version: 1 | 2; parent: string };

/**
 * Where this kernel lets us set a CPU quota: cgroup v2 with the cpu controller (cpu.max), or a
 * v1 cpu hierarchy (cpu.cfs_quota_us). Undefined when neither is writable (not root, or a
 * container without cgroup access).
 */
function layout(): Layout | undefined {
  const v2 = '/sys/fs/cgroup';
  try {
    if (existsSync(path.join(v2, 'cgroup.controllers')) && readFileSync(path.join(v2, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu')) {
      const parent = path.join(v2, PARENT);
      mkdirSync(parent, { recursive: true });
      writeFileSync(path.join(parent, 'cgroup.subtree_control'), '+cpu');
      return { version: 2, parent };
    }
    const v1 = path.join(v2, 'cpu');
    if (existsSync(path.join(v1, 'cpu.cfs_quota_us'))) {
      const parent = path.join(v1, PARENT);
      mkdirSync(parent, { recursive: true });
      return { version: 1, parent };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

let cached: Layout | null | undefined;
const found = (): Layout | undefined => {
  if (cached === undefined) cached = layout() ?? null;
  return cached ?? undefined;
};

/**
 * A CPU quota for one twin instance: the kernel lets the processes in it use at most `vcpu`
 * CPUs' worth of time per period, as an EC2 instance gets its instance type's vCPUs and no more.
 * On one shared machine this is what makes an instance's CPU percent mean what CloudWatch's
 * CPUUtilization means (a share of its own vCPUs), and what makes another instance add capacity.
 */
export class CpuQuota {
  private constructor(
    private readonly dir: string,
    private readonly version: 1 | 2,
    readonly vcpu: number,
  ) {}

  /** The CPUs its processes may use right now: `vcpu`, or less while the host is starved (`limit`). */
  limited: number | undefined;

  /** A quota of `vcpu` CPUs, or undefined when this machine does not let us set one. */
  static create(name: string, vcpu: number): CpuQuota | undefined {
    const l = found();
    if (!l) return undefined;
    const dir = path.join(l.parent, name.replace(/[^A-Za-z0-9_.-]/g, '_'));
    try {
      mkdirSync(dir, { recursive: true });
      writeQuota(dir, l.version, vcpu);
      return new CpuQuota(dir, l.version, vcpu);
    } catch {
      return undefined;
    }
  }

  /** Puts a process (and the children it starts later) under the quota. False if it could not. */
  add(pid: number | undefined): boolean {
    if (pid === undefined) return false;
    try {
      writeFileSync(path.join(this.dir, 'cgroup.procs'), String(pid));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Lets the group use only `vcpu` CPUs from now on (a host starved by a noisy neighbour or a
   * runaway process), or its own `vcpu` again with undefined. False if the kernel refused.
   */
  limit(vcpu: number | undefined): boolean {
    try {
      writeQuota(this.dir, this.version, vcpu ?? this.vcpu);
      this.limited = vcpu;
      return true;
    } catch {
      return false;
    }
  }

  /** Removes the group once its processes are gone (the kernel refuses while any remain). */
  remove(): void {
    removeGroup(this.dir);
  }
}

function writeQuota(dir: string, version: 1 | 2, vcpu: number): void {
  const quotaUs = Math.max(1000, Math.round(vcpu * PERIOD_US));
  if (version === 2) writeFileSync(path.join(dir, 'cpu.max'), `${quotaUs} ${PERIOD_US}`);
  else {
    writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
    writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
  }
}

function removeGroup(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/** Removes groups left by twins that died without cleaning up (only empty ones can go). */
export function removeLeftoverQuotas(): void {
  const l = found();
  if (!l) return;
  try {
    for (const entry of readdirSync(l.parent, { withFileTypes: true })) if (entry.isDirectory()) removeGroup(path.join(l.parent, entry.name));
  } catch {
    // Nothing to tidy.
  }
}
