import type { Queryable } from '../db/pools.js';

/** pg advisory lock ids in use: 4_242_001 migrations, 4_242_010 backup export, this one the expiry sweep. */
const EXPIRY_SWEEP_LOCK_ID = 4_242_030;

/** Takes the fleet's expiry-sweep lock if it is free; transaction-scoped, so `tx` must be a transaction. */
export async function tryExpirySweepLock(tx: Queryable): Promise<boolean> {
  const [lock] = await tx<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${EXPIRY_SWEEP_LOCK_ID}) AS locked`;
  return lock?.locked ?? false;
}

/** Deletes sessions past their absolute expiry or idle for `idleSeconds`: neither logs anyone in any more. */
export async function deleteExpiredSessions(sql: Queryable, idleSeconds: number): Promise<number> {
  const result = await sql`
    DELETE FROM sessions
    WHERE expires_at <= now() OR last_seen_at <= now() - make_interval(secs => ${idleSeconds})`;
  return result.count;
}

/**
 * Deletes anonymous carts older than their cookie's life: the cookie's age counts from the cart's
 * creation (cart/cart-cookie.ts), so no browser can reach such a cart any more. Lines go with it.
 */
export async function deleteUnreachableAnonymousCarts(sql: Queryable, cookieMaxAgeSeconds: number): Promise<number> {
  const result = await sql`
    DELETE FROM carts
    WHERE user_id IS NULL AND created_at < now() - make_interval(secs => ${cookieMaxAgeSeconds})`;
  return result.count;
}
