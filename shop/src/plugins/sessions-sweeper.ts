import type { Sql } from '../db/pools.js';
import type { Logger } from '../lib/logger.js';
import { runPeriodically, type PeriodicTask } from '../lib/periodic-task.js';
import { CART_COOKIE_MAX_AGE_SECONDS } from '../cart/cart-cookie.js';
import { deleteEndedAttemptWindows } from './attempt-limits.repository.js';
import { deleteExpiredSignInState } from '../accounts/oidc/oidc.repository.js';
import { LONGEST_ATTEMPT_WINDOW_SECONDS } from './attempt-limits.js';
import { deleteExpiredSessions, deleteUnreachableAnonymousCarts, tryExpirySweepLock } from './sessions-sweeper.repository.js';

export interface ExpirySweepOptions {
  writer: Sql;
  intervalSeconds: number;
  /** Sessions idle this long are deleted (SESSION_IDLE_MINUTES). */
  idleSeconds: number;
  logger: Logger;
}

export interface ExpirySweepResult {
  sessions: number;
  carts: number;
  attemptWindows: number;
  /** Sign-ins through the user pool never finished, and account links never proven, past their life. */
  signIns: number;
}

/** A round sweeps if the lock is free; it answers undefined when another instance holds it. */
export type ExpirySweep = PeriodicTask<ExpirySweepResult | undefined>;

/**
 * Deletes what can no longer be used: expired and idle sessions, anonymous carts past their
 * cookie's life, ended login/registration windows, and sign-ins through the user pool (attempts,
 * pending account links) past their life. Expired sessions already log nobody in
 * (the lookup checks both clocks); the sweep keeps the tables from growing without bound. Every
 * instance runs it each interval and the one that takes `pg_try_advisory_xact_lock` sweeps, as
 * the backup exporter does (static-site/backup-exporter.ts); the lock is released with the
 * transaction even if the instance dies mid-sweep.
 */
export function startExpirySweep(options: ExpirySweepOptions): ExpirySweep {
  const { writer, intervalSeconds, idleSeconds, logger } = options;
  const runOnce = async (): Promise<ExpirySweepResult | undefined> => {
    const result = await writer.begin(async (tx) => {
      if (!(await tryExpirySweepLock(tx))) return undefined;
      return {
        sessions: await deleteExpiredSessions(tx, idleSeconds),
        carts: await deleteUnreachableAnonymousCarts(tx, CART_COOKIE_MAX_AGE_SECONDS),
        attemptWindows: await deleteEndedAttemptWindows(tx, LONGEST_ATTEMPT_WINDOW_SECONDS),
        signIns: await deleteExpiredSignInState(tx),
      };
    });
    if (result && result.sessions + result.carts + result.attemptWindows + result.signIns > 0) logger.info(result, 'swept expired sessions, carts, attempt windows and sign-ins');
    return result;
  };

  return runPeriodically(runOnce, { intervalSeconds, logger, failure: 'expiry sweep failed; retrying next interval' });
}
