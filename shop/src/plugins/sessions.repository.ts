import type { Queryable } from '../db/pools.js';
import type { SessionUser } from './sessions.js';

/** The user a live session belongs to; an unknown or expired token finds nobody. */
export async function findSessionUser(sql: Queryable, tokenHash: Buffer): Promise<SessionUser | undefined> {
  const [row] = await sql<(Omit<SessionUser, 'id'> & { id: number | bigint })[]>`
    SELECT u.id, u.email, u.name, u.role
    FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.token_hash = ${tokenHash} AND s.expires_at > now()`;
  // The pools parse bigint as BigInt; ids are compared and serialized as numbers everywhere.
  return row ? { ...row, id: Number(row.id) } : undefined;
}

export async function insertSession(sql: Queryable, tokenHash: Buffer, userId: number, ttlDays: number): Promise<void> {
  await sql`
    INSERT INTO sessions (token_hash, user_id, expires_at)
    VALUES (${tokenHash}, ${userId}, now() + make_interval(days => ${ttlDays}))`;
}

export async function deleteSession(sql: Queryable, tokenHash: Buffer): Promise<void> {
  await sql`DELETE FROM sessions WHERE token_hash = ${tokenHash}`;
}
