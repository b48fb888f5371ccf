import { describe, expect, it } from 'vitest';
import { dueActions, parseScheduleTime, ScheduleError, validateAction } from './scheduled-actions.js';

const now = Date.parse('2026-11-30T12:00:00Z');

describe('scheduled actions', () => {
  it('reads +seconds and ISO times, and refuses a time that has passed or cannot be read', () => {
    expect(parseScheduleTime('+90', now)).toBe(now + 90_000);
    expect(parseScheduleTime('2026-12-01T09:00:00+09:00', now)).toBe(Date.parse('2026-12-01T00:00:00Z'));
    expect(() => parseScheduleTime('2026-11-30T11:59:00Z', now)).toThrow(ScheduleError);
    expect(() => parseScheduleTime('+0', now)).toThrow(/passed/);
    expect(() => parseScheduleTime('tomorrow', now)).toThrow(/cannot read/);
  });

  it('checks min ≤ desired ≤ max as they will be when the action runs', () => {
    const group = { min: 2, max: 6 };
    expect(() => validateAction({ at: now, desired: 4 }, group)).not.toThrow();
    expect(() => validateAction({ at: now, desired: 8, max: 8 }, group)).not.toThrow();
    expect(() => validateAction({ at: now, desired: 8 }, group)).toThrow(/2 ≤ 8 ≤ 6/);
    expect(() => validateAction({ at: now, desired: 3, min: 4 }, group)).toThrow(ScheduleError);
    expect(() => validateAction({ at: now, desired: 2.5 }, group)).toThrow(/whole number/);
  });

  it('runs due actions oldest first and keeps the rest waiting', () => {
    const raise = { name: 'raise', at: now - 1, desired: 4, min: 4 };
    const lower = { name: 'lower', at: now + 60_000, desired: 2, min: 2 };
    const early = { name: 'early', at: now - 5, desired: 3 };
    const { due, waiting } = dueActions([lower, raise, early], now);
    expect(due.map((a) => a.name)).toEqual(['early', 'raise']);
    expect(waiting.map((a) => a.name)).toEqual(['lower']);
  });
});
