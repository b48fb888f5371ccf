import { loadBalancerSettings } from '../config/twin-settings.js';

/** One slot's request counters from HAProxy's `show stat`, cumulative since HAProxy started. */
export interface SlotCounters {
  /** Requests that failed on this server and were sent to another (`wredis`), or failed outright (`eresp`: an error while reading its answer, timeouts included). */
  failed: number;
  /** Requests this server answered with any status (`hrsp_1xx` … `hrsp_5xx`, `hrsp_other`). */
  answered: number;
}

/** Reads a slot's counters from one `show stat` row (management guide §9.1). */
export function slotCounters(row: Record<string, string>): SlotCounters {
  const n = (key: string) => Number(row[key] ?? 0) || 0;
  return {
    failed: n('wredis') + n('eresp'),
    answered: n('hrsp_1xx') + n('hrsp_2xx') + n('hrsp_3xx') + n('hrsp_4xx') + n('hrsp_5xx') + n('hrsp_other'),
  };
}

/**
 * Takes an instance out of the load balancer's rotation by its failed requests, as the ALB's
 * anomaly mitigation does, beside the health checks: a server that, between two readings, failed
 * at least `failedRequestLimit` requests (each abandoned after the read or write timeout, or
 * refused) and failed more than it answered is marked down; its health checks bring it back when
 * it answers them again, and the controller replaces it if it stays down. A hung process keeps
 * passing no check, but its first timeouts would otherwise cost every request sent to it until the
 * checks notice (interval × unhealthy threshold).
 */
export class AnomalyMitigation {
  private readonly last = new Map<string, SlotCounters>();

  constructor(private readonly limit: number = loadBalancerSettings.failedRequestLimit) {}

  /**
   * The slots to mark down now, given the counters of every slot in the rotation; remembers them
   * for the next reading. A slot is anomalous when, since the last reading, it failed at least the
   * limit and more than it answered. Only anomalies that stand out are acted on, as the ALB's
   * mitigation compares a target with its peers: when no slot in the rotation is doing well (every
   * instance waits on a database that is failing over, say) nothing is marked down, and never more
   * than half of the rotation at once, so a fault shared by all never empties the load balancer.
   */
  judge(counters: Map<string, SlotCounters>): string[] {
    const anomalous: string[] = [];
    let healthy = 0;
    for (const [slot, now] of counters) {
      const before = this.last.get(slot);
      this.last.set(slot, now);
      // The first reading of a slot, or counters that went back (a slot reused after HAProxy restarted), set the baseline only.
      if (!before || now.failed < before.failed || now.answered < before.answered) continue;
      const failed = now.failed - before.failed;
      const answered = now.answered - before.answered;
      if (failed >= this.limit && failed > answered) anomalous.push(slot);
      else if (answered > 0 && failed <= answered) healthy += 1;
    }
    if (healthy === 0) return [];
    return anomalous.slice(0, Math.floor(counters.size / 2));
  }
}
