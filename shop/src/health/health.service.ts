import type { Sql } from '../db/pools.js';
import type { Logger } from '../lib/logger.js';
import type { Lifecycle } from '../plugins/lifecycle.js';
import { isInRecovery } from './health.repository.js';
import { withTimeout } from '../lib/with-timeout.js';

export type Health = { status: 'ok' } | { status: 'draining' | 'unavailable'; detail?: string };

export interface HealthDependencies {
  writer: Sql;
  lifecycle: Lifecycle;
  /** How long the writer may take to answer before the instance counts as not ready. */
  readyTimeoutMs: number;
}

/**
 * Liveness is shallow (the process serves and is not draining): the load balancer's target
 * check and the Auto Scaling group use it. Readiness is deep (the writer answers): only the
 * front door / Route 53 uses it. A DB check in the target check would make every instance
 * fail together on a DB blip, and the ASG would replace the whole fleet (docs/design.md#health-checks).
 */
export class HealthService {
  constructor(private readonly deps: HealthDependencies) {}

  liveness(): Health {
    return this.deps.lifecycle.draining ? { status: 'draining' } : { status: 'ok' };
  }

  async readiness(log: Logger): Promise<Health> {
    if (this.deps.lifecycle.draining) return { status: 'draining' };
    try {
      if (await withTimeout(isInRecovery(this.deps.writer), this.deps.readyTimeoutMs)) return { status: 'unavailable', detail: 'writer is a standby' };
      return { status: 'ok' };
    } catch (err) {
      log.warn({ err }, 'readiness check failed');
      return { status: 'unavailable', detail: 'database did not answer' };
    }
  }
}
