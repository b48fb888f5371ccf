import { zones, type Zone } from '@evermall/topology';

/** What placement decisions need to know about an instance. */
export interface PlacedInstance {
  id: string;
  zone: Zone;
  launchedAt: number;
  generation: number;
}

export function countByZone(instances: readonly { zone: Zone }[]): Record<Zone, number> {
  const counts = Object.fromEntries(zones.map((z) => [z, 0])) as Record<Zone, number>;
  for (const i of instances) counts[i.zone] += 1;
  return counts;
}

/**
 * The zone for the next launch: the one with the fewest instances among those that can take
 * launches, first zone on a tie (EC2 Auto Scaling keeps zones balanced: "Availability Zone
 * rebalancing"). Undefined when every zone is blocked.
 */
export function zoneForLaunch(instances: readonly { zone: Zone }[], blocked: ReadonlySet<Zone>): Zone | undefined {
  const counts = countByZone(instances);
  let best: Zone | undefined;
  for (const z of zones) {
    if (blocked.has(z)) continue;
    if (best === undefined || counts[z] < counts[best]) best = z;
  }
  return best;
}

/**
 * Scale-in victim, as the default termination policy picks it: from the zone with the most
 * instances, then the oldest launch template (generation), then the oldest instance.
 */
export function instanceToTerminate<T extends PlacedInstance>(instances: readonly T[]): T | undefined {
  const counts = countByZone(instances);
  const most = Math.max(...Object.values(counts));
  return instances.filter((i) => counts[i.zone] === most).sort((a, b) => a.generation - b.generation || a.launchedAt - b.launchedAt)[0];
}

/**
 * Target tracking: the capacity that would bring the average metric to the target,
 * ceil(current × actual / target), within min and max (EC2 Auto Scaling User Guide,
 * "Target tracking scaling policies").
 */
export function targetTrackingCapacity(current: number, averagePercent: number, targetPercent: number, min: number, max: number): number {
  const wanted = Math.ceil((current * averagePercent) / targetPercent);
  return Math.min(max, Math.max(min, wanted));
}

/**
 * One step of an instance refresh: at most as many old instances as may be out of service
 * while keeping `minHealthyPercentage`, at least one, spread over zones.
 */
export function refreshBatch<T extends PlacedInstance>(old: readonly T[], total: number, minHealthyPercentage: number): T[] {
  const size = Math.max(1, total - Math.ceil((total * minHealthyPercentage) / 100));
  const byZone = zones.map((z) => old.filter((i) => i.zone === z).sort((a, b) => a.launchedAt - b.launchedAt));
  const batch: T[] = [];
  while (batch.length < size && byZone.some((l) => l.length > 0)) {
    for (const list of byZone) {
      const next = list.shift();
      if (next && batch.length < size) batch.push(next);
    }
  }
  return batch;
}
