import type { Queryable } from '../db/pools.js';

/** True when the server behind this pool is a standby (in recovery), not the primary. */
export async function isInRecovery(sql: Queryable): Promise<boolean> {
  const [row] = await sql<{ recovery: boolean }[]>`SELECT pg_is_in_recovery() AS recovery`;
  return row?.recovery ?? false;
}
