import type { Queryable } from '../db/pools.js';
import type { LiveSession } from '../cache/session-cache.js';
import type { SessionUser } from './sessions.js';

/**
 * A live session and its user; an unknown, expired or idle token finds nothing. A live session's
 * `last_seen_at` is moved forward once it is `touchAfterSeconds` old, so most requests only read:
 * the idle clock is exact to within that much. `lastSeenAt` is the value after this read.
 */
export async function findLiveSession(sql: Queryable, tokenHash: Buffer, idle: { idleSeconds: number; touchAfterSeconds: number }): Promise<LiveSession | undefined> {
  const [row] = await sql<(Omit<SessionUser, 'id'> & { id: number | bigint; last_seen_at: Date; expires_at: Date })[]>`
    WITH live AS (
      SELECT s.token_hash, s.last_seen_at, s.expires_at, u.id, u.email, u.name,
             CASE WHEN s.staff_from_pool THEN 'admin' ELSE u.role END AS role
      FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = ${tokenHash} AND s.expires_at > now()
        AND s.last_seen_at > now() - make_interval(secs => ${idle.idleSeconds})
    ), touched AS (
      UPDATE sessions SET last_seen_at = now()
      WHERE token_hash IN (SELECT token_hash FROM live WHERE last_seen_at < now() - make_interval(secs => ${idle.touchAfterSeconds}))
    )
    SELECT id, email, name, role, expires_at,
           CASE WHEN last_seen_at < now() - make_interval(secs => ${idle.touchAfterSeconds}) THEN now() ELSE last_seen_at END AS last_seen_at
    FROM live`;
  if (!row) return undefined;
  // The pools parse bigint as BigInt; ids are compared and serialized as numbers everywhere.
  return { user: { id: Number(row.id), email: row.email, name: row.name, role: row.role }, lastSeenAt: row.last_seen_at, expiresAt: row.expires_at };
}

/** `staffFromPool`: the session is staff for its life, whatever the user's role (signed in with the pool's staff group). */
export async function insertSession(sql: Queryable, tokenHash: Buffer, userId: number, ttlDays: number, staffFromPool = false): Promise<void> {
  await sql`
    INSERT INTO sessions (token_hash, user_id, expires_at, staff_from_pool)
    VALUES (${tokenHash}, ${userId}, now() + make_interval(days => ${ttlDays}), ${staffFromPool})`;
}

export async function deleteSession(sql: Queryable, tokenHash: Buffer): Promise<void> {
  await sql`DELETE FROM sessions WHERE token_hash = ${tokenHash}`;
}

/**
 * Ends every session of a user, on every instance: after a password or role change, so a stolen
 * or stale session cannot outlive it. Call it in the transaction that makes the change.
 */
export async function deleteUserSessions(sql: Queryable, userId: number): Promise<number> {
  const result = await sql`DELETE FROM sessions WHERE user_id = ${userId}`;
  return result.count;
}
