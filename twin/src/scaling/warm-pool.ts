import { zones, type Zone } from '@evermall/topology';
import { countByZone } from './placement.js';

/** The warm pool's settings, named as the PutWarmPool API names them. */
export interface WarmPoolSettings {
  minSize: number;
  /** Instances in service plus in the pool, at most; undefined = the group's max capacity. */
  maxGroupPreparedCapacity: number | undefined;
  reuseOnScaleIn: boolean;
}

/**
 * How many instances the pool keeps: the prepared capacity left over by the group's desired
 * capacity, at least `minSize` (EC2 Auto Scaling User Guide, "Warm pools": "the size of the warm pool
 * is dynamic"; without MaxGroupPreparedCapacity the group's max capacity takes its place).
 */
export function warmPoolSize(pool: WarmPoolSettings, desired: number, maxCapacity: number): number {
  const prepared = pool.maxGroupPreparedCapacity ?? maxCapacity;
  return Math.max(pool.minSize, prepared - desired, 0);
}

/** What the pool's decisions need to know about an instance. */
export interface PooledInstance {
  id: string;
  zone: Zone;
  generation: number;
  launchedAt: number;
}

/**
 * The warm instance a scale-out takes: one of the current launch template version, in a zone that
 * takes launches, from the zone with the fewest instances in service (so the fleet stays balanced),
 * the one that waited longest first. Undefined when the pool has none to give: the launch is cold.
 */
export function warmInstanceFor<T extends PooledInstance>(warm: readonly T[], active: readonly { zone: Zone }[], blocked: ReadonlySet<Zone>, generation: number): T | undefined {
  const counts = countByZone(active);
  const usable = warm.filter((w) => w.generation === generation && !blocked.has(w.zone));
  return usable.sort((a, b) => counts[a.zone] - counts[b.zone] || zones.indexOf(a.zone) - zones.indexOf(b.zone) || a.launchedAt - b.launchedAt)[0];
}

/**
 * Whether an instance leaving service (a scale-in) goes back to the pool rather than being
 * terminated: only with ReuseOnScaleIn, only for the current launch template version, and only
 * while the pool is below its size.
 */
export function returnsToPool(pool: WarmPoolSettings, instance: { generation: number }, generation: number, pooled: number, size: number): boolean {
  return pool.reuseOnScaleIn && instance.generation === generation && pooled < size;
}
