import { describe, expect, it } from 'vitest';
import { instanceToTerminate, refreshBatch, targetTrackingCapacity, zoneForLaunch } from './placement.js';

const inst = (id: string, zone: 'a' | 'b', launchedAt = 0, generation = 1) => ({ id, zone, launchedAt, generation });

describe('placement', () => {
  it('launches into the zone with fewer instances, skipping blocked zones', () => {
    expect(zoneForLaunch([inst('1', 'a')], new Set())).toBe('b');
    expect(zoneForLaunch([], new Set())).toBe('a');
    expect(zoneForLaunch([inst('1', 'b')], new Set(['a']))).toBe('b');
    expect(zoneForLaunch([], new Set(['a', 'b']))).toBeUndefined();
  });

  it('terminates from the fullest zone, oldest generation first, then oldest', () => {
    const pick = instanceToTerminate([inst('1', 'a', 1), inst('2', 'b', 2), inst('3', 'b', 3, 0), inst('4', 'b', 0)]);
    expect(pick?.id).toBe('3');
  });

  it('tracks the CPU target within min and max', () => {
    expect(targetTrackingCapacity(2, 100, 50, 2, 6)).toBe(4);
    expect(targetTrackingCapacity(4, 5, 50, 2, 6)).toBe(2);
    expect(targetTrackingCapacity(4, 400, 50, 2, 6)).toBe(6);
  });

  it('refreshes in zone-balanced steps that keep the minimum healthy', () => {
    const old = [inst('1', 'a'), inst('2', 'a', 1), inst('3', 'b'), inst('4', 'b', 1)];
    expect(refreshBatch(old, 4, 50).map((i) => i.id)).toEqual(['1', '3']);
    expect(refreshBatch(old.slice(0, 1), 2, 50).map((i) => i.id)).toEqual(['1']);
  });
});
