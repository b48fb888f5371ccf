import { describe, expect, it } from 'vitest';
import { returnsToPool, warmInstanceFor, warmPoolSize } from './warm-pool.js';

const pool = { minSize: 1, maxGroupPreparedCapacity: 4, reuseOnScaleIn: true };
const inst = (id: string, zone: 'a' | 'b', launchedAt = 0, generation = 1) => ({ id, zone, launchedAt, generation });

describe('warm pool', () => {
  it('keeps the prepared capacity desired leaves over, never below its minimum', () => {
    expect(warmPoolSize(pool, 2, 6)).toBe(2);
    expect(warmPoolSize(pool, 4, 6)).toBe(1);
    expect(warmPoolSize(pool, 6, 6)).toBe(1);
    // Without MaxGroupPreparedCapacity the group's max takes its place.
    expect(warmPoolSize({ ...pool, maxGroupPreparedCapacity: undefined }, 2, 6)).toBe(4);
    expect(warmPoolSize({ ...pool, minSize: 0, maxGroupPreparedCapacity: 0 }, 2, 6)).toBe(0);
  });

  it('gives a scale-out the warm instance of the zone with fewer instances in service', () => {
    const warm = [inst('w1', 'a'), inst('w2', 'b')];
    expect(warmInstanceFor(warm, [inst('1', 'a'), inst('2', 'a'), inst('3', 'b')], new Set(), 1)?.id).toBe('w2');
    expect(warmInstanceFor(warm, [inst('1', 'a'), inst('2', 'b')], new Set(), 1)?.id).toBe('w1');
    // Only zone a's warm instance left: taken even though zone a is fuller (rebalancing follows).
    expect(warmInstanceFor([inst('w1', 'a')], [inst('1', 'a'), inst('2', 'b')], new Set(), 1)?.id).toBe('w1');
  });

  it('never gives a warm instance of a blocked zone or of an older launch template', () => {
    expect(warmInstanceFor([inst('w1', 'a')], [], new Set(['a']), 1)).toBeUndefined();
    expect(warmInstanceFor([inst('w1', 'a', 0, 1)], [], new Set(), 2)).toBeUndefined();
    expect(warmInstanceFor([inst('old', 'b', 0, 1), inst('new', 'b', 5, 2)], [], new Set(), 2)?.id).toBe('new');
  });

  it('takes a scaled-in instance back only with reuse on, of the current version, while the pool has room', () => {
    expect(returnsToPool(pool, { generation: 1 }, 1, 1, 2)).toBe(true);
    expect(returnsToPool(pool, { generation: 1 }, 1, 2, 2)).toBe(false);
    expect(returnsToPool(pool, { generation: 1 }, 2, 0, 2)).toBe(false);
    expect(returnsToPool({ ...pool, reuseOnScaleIn: false }, { generation: 1 }, 1, 0, 2)).toBe(false);
  });
});
