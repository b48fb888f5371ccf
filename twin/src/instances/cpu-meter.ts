import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** CPU seconds (user + system) a process has used so far, from /proc; 0 when it is gone. */
export function cpuSeconds(pid: number): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may contain spaces: state is first, utime 12th, stime 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return 0;
  }
}

/**
 * A rolling CPU average like CloudWatch's CPUUtilization: percent of one vCPU used over the
 * last `windowSeconds`. Each instance is a 1-vCPU host, so a busy loop on it reads 100 %.
 */
export class RollingCpu {
  private samples: { at: number; seconds: number }[] = [];

  constructor(private readonly windowSeconds: number) {}

  /** Adds the total CPU seconds used by the instance's processes at this moment. */
  sample(totalSeconds: number, at = Date.now()): void {
    this.samples.push({ at, seconds: totalSeconds });
    const since = at - this.windowSeconds * 1000;
    while (this.samples.length > 2 && (this.samples[1]?.at ?? at) <= since) this.samples.shift();
  }

  /** Percent over the window, or undefined before two samples exist. */
  percent(): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at === first.at) return undefined;
    return Math.max(0, ((last.seconds - first.seconds) / ((last.at - first.at) / 1000)) * 100);
  }
}
