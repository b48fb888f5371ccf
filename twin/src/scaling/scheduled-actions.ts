/**
 * Scheduled scaling, as PutScheduledUpdateGroupAction has it (EC2 Auto Scaling User Guide,
 * "Scheduled scaling"): at a given time the group's min, max and desired capacity are set. For a
 * planned sale the min goes up with the desired capacity, or target tracking would scale the
 * fleet back in before the shoppers arrive.
 */
export interface ScheduledAction {
  name: string;
  /** Epoch ms. */
  at: number;
  desired: number;
  min?: number;
  max?: number;
}

export class ScheduleError extends Error {}

/**
 * The time of `--at`: an ISO 8601 date-time, or `+N` seconds from `now`. It must lie in the
 * future: a scheduled action in the past would never run.
 */
export function parseScheduleTime(text: string, now: number): number {
  const relative = /^\+(\d+(?:\.\d+)?)$/.exec(text.trim());
  const at = relative ? now + Number(relative[1]) * 1000 : Date.parse(text);
  if (!Number.isFinite(at)) throw new ScheduleError(`cannot read the time "${text}": give an ISO date-time (2026-12-01T09:00:00+09:00) or +seconds`);
  if (at <= now) throw new ScheduleError(`the time ${new Date(at).toISOString()} has passed: give a time in the future`);
  return at;
}

/**
 * Checks an action against the group's bounds as they will be once it runs (its own min and max,
 * or the group's present ones): min ≤ desired ≤ max, whole numbers, min ≥ 0.
 */
export function validateAction(action: Omit<ScheduledAction, 'name'>, group: { min: number; max: number }): void {
  const min = action.min ?? group.min;
  const max = action.max ?? group.max;
  for (const [name, v] of [
    ['desired', action.desired],
    ['min', min],
    ['max', max],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new ScheduleError(`${name} capacity must be a whole number ≥ 0, got ${v}`);
  }
  if (!(min <= action.desired && action.desired <= max)) throw new ScheduleError(`need min ≤ desired ≤ max when the action runs, got ${min} ≤ ${action.desired} ≤ ${max}`);
}

/** Splits actions into those due at `now` (oldest first) and those still waiting. */
export function dueActions(actions: readonly ScheduledAction[], now: number): { due: ScheduledAction[]; waiting: ScheduledAction[] } {
  const sorted = [...actions].sort((a, b) => a.at - b.at);
  return { due: sorted.filter((a) => a.at <= now), waiting: sorted.filter((a) => a.at > now) };
}
