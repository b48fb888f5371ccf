import { autoScaling, deregistrationDelaySeconds, drainSeconds, targetHealthCheck, warmPool } from '@evermall/topology';
import { controllerSettings } from '../config/twin-settings.js';
import type { WarmPoolSettings } from './warm-pool.js';

/** The Auto Scaling group's policy (from topology) plus the twin's own loop settings. Tests override them. */
export interface ControllerTimings {
  minCapacity: number;
  maxCapacity: number;
  desiredCapacity: number;
  cpuTargetPercent: number;
  instanceWarmupSeconds: number;
  scaleInCooldownSeconds: number;
  healthCheckGracePeriodSeconds: number;
  minHealthyPercentage: number;
  /** The group's warm pool; minSize 0 and maxGroupPreparedCapacity 0 turn it off. */
  warmPool: WarmPoolSettings;
  /** The path a warm-pool instance's own health check asks before it is stopped (the target check's). */
  healthCheckPath: string;
  /** The ALB's deregistration delay: how long a draining instance keeps its requests in flight. */
  deregistrationDelaySeconds: number;
  /** DRAIN_SECONDS given to each shop: how long it answers "draining" after SIGTERM. */
  instanceDrainSeconds: number;
  tickMs: number;
  cpuWindowSeconds: number;
  killAfterSeconds: number;
}

export function controllerTimings(overrides: Partial<ControllerTimings> = {}): ControllerTimings {
  const t: ControllerTimings = {
    minCapacity: autoScaling.minCapacity,
    maxCapacity: autoScaling.maxCapacity,
    desiredCapacity: autoScaling.desiredCapacity,
    cpuTargetPercent: autoScaling.cpuTargetPercent,
    instanceWarmupSeconds: autoScaling.instanceWarmupSeconds,
    scaleInCooldownSeconds: autoScaling.scaleInCooldownSeconds,
    healthCheckGracePeriodSeconds: autoScaling.healthCheckGracePeriodSeconds,
    minHealthyPercentage: autoScaling.minHealthyPercentage,
    warmPool: { minSize: warmPool.minSize, maxGroupPreparedCapacity: warmPool.maxGroupPreparedCapacity, reuseOnScaleIn: warmPool.reuseOnScaleIn },
    healthCheckPath: targetHealthCheck.path,
    deregistrationDelaySeconds,
    instanceDrainSeconds: drainSeconds,
    tickMs: controllerSettings.tickMs,
    cpuWindowSeconds: controllerSettings.cpuWindowSeconds,
    killAfterSeconds: controllerSettings.killAfterSeconds,
    ...overrides,
  };
  if (t.minCapacity > t.maxCapacity || t.desiredCapacity < t.minCapacity || t.desiredCapacity > t.maxCapacity) {
    throw new Error(`controller: need min ≤ desired ≤ max, got ${t.minCapacity} ≤ ${t.desiredCapacity} ≤ ${t.maxCapacity}`);
  }
  return t;
}
