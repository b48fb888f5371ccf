import type { Queryable } from '../db/pools.js';

export interface CountedAttempt {
  /** Attempts in the current window, this one included. */
  attempts: number;
  /** Seconds until the current window ends. */
  secondsLeft: number;
}

/**
 * Counts one attempt in the bucket's fixed window, starting a new window when the last one has
 * ended. One upsert, so concurrent attempts on any instance each count exactly once.
 */
export async function countAttempt(sql: Queryable, scope: string, key: string, windowSeconds: number): Promise<CountedAttempt> {
  const [row] = await sql<{ attempts: number; seconds_left: number }[]>`
    INSERT INTO attempt_counters AS c (scope, key, window_started_at, attempts)
    VALUES (${scope}, ${key}, now(), 1)
    ON CONFLICT (scope, key) DO UPDATE SET
      window_started_at = CASE WHEN c.window_started_at <= now() - make_interval(secs => ${windowSeconds}) THEN now() ELSE c.window_started_at END,
      attempts = CASE WHEN c.window_started_at <= now() - make_interval(secs => ${windowSeconds}) THEN 1 ELSE c.attempts + 1 END
    RETURNING attempts, ceil(extract(epoch FROM window_started_at + make_interval(secs => ${windowSeconds}) - now()))::integer AS seconds_left`;
  if (!row) throw new Error('INSERT ... RETURNING gave no row');
  return { attempts: row.attempts, secondsLeft: Math.max(1, row.seconds_left) };
}

/** Forgets a bucket's attempts, e.g. an account's failed logins once it logs in. */
export async function clearAttempts(sql: Queryable, scope: string, key: string): Promise<void> {
  await sql`DELETE FROM attempt_counters WHERE scope = ${scope} AND key = ${key}`;
}

/** Deletes windows that ended at least `olderThanSeconds` ago; returns how many. */
export async function deleteEndedAttemptWindows(sql: Queryable, olderThanSeconds: number): Promise<number> {
  const result = await sql`DELETE FROM attempt_counters WHERE window_started_at < now() - make_interval(secs => ${olderThanSeconds})`;
  return result.count;
}
