import type { TwinClient } from '../client.js';
import type { TwinStatus } from '../status/status-types.js';

/** Healthy, serving instances: what the load balancer can send traffic to. */
export const healthyInstances = (s: TwinStatus) => s.instances.filter((i) => i.healthy);

export interface StatusSample {
  at: number;
  status: TwinStatus | undefined;
}

/**
 * Polls the twin's status during a drill so recovery can be timed from what the twin reported,
 * and lets a drill wait for a condition with a bound.
 */
export class TwinWatcher {
  readonly samples: StatusSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly twin: TwinClient,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    const at = Date.now();
    try {
      this.samples.push({ at, status: await this.twin.status() });
    } catch {
      this.samples.push({ at, status: undefined });
    } finally {
      this.polling = false;
    }
  }

  get latest(): TwinStatus | undefined {
    for (let i = this.samples.length - 1; i >= 0; i--) if (this.samples[i]!.status) return this.samples[i]!.status;
    return undefined;
  }

  /** The first sample at or after `since` that satisfies `test`, waiting up to `timeoutMs`. */
  async waitFor(since: number, timeoutMs: number, test: (s: TwinStatus) => boolean): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    let checked = 0;
    for (;;) {
      for (; checked < this.samples.length; checked++) {
        const s = this.samples[checked]!;
        if (s.at >= since && s.status && test(s.status)) return s.at;
      }
      if (Date.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, this.intervalMs));
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Twin events since `from` (epoch ms), for the report. */
  eventsSince(from: number): TwinStatus['events'] {
    return (this.latest?.events ?? []).filter((e) => Date.parse(e.at) >= from);
  }
}
