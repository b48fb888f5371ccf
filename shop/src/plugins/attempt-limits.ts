import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ShopError } from '../errors.js';
import { clearAttempts, countAttempt } from './attempt-limits.repository.js';

/** The windows limits are counted in, as the settings name them (`..._PER_MINUTE`, `..._PER_HOUR`). */
export const MINUTE_SECONDS = 60;
export const HOUR_SECONDS = 60 * MINUTE_SECONDS;
/** The longest window any limit uses: the expiry sweep deletes windows older than this. */
export const LONGEST_ATTEMPT_WINDOW_SECONDS = HOUR_SECONDS;

/** One limit on one bucket, e.g. 10 logins a minute from one client address. */
export interface AttemptLimit {
  /** What is limited and by what, e.g. `login-client`, `login-account`. */
  scope: string;
  /** Whose attempts: a client address, a lower-cased email. */
  key: string;
  max: number;
  windowSeconds: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    attemptLimits: {
      /**
       * Counts one attempt against each limit, in the cache every instance shares (PostgreSQL when
       * there is none or it does not answer). Over any
       * of them: sets Retry-After and throws 429 RATE_LIMITED.
       */
      count(reply: FastifyReply, limits: AttemptLimit[]): Promise<void>;
      /** Forgets a bucket, e.g. an account's failed logins once it logs in. */
      clear(limit: Pick<AttemptLimit, 'scope' | 'key'>): Promise<void>;
    };
  }
}

const waitWords = (seconds: number) => (seconds <= MINUTE_SECONDS ? 'a minute' : `${Math.ceil(seconds / MINUTE_SECONDS)} minutes`);

/**
 * Attempt limits (login, registration, checkout, anonymous carts) counted per bucket where every
 * instance sees the same count: the cache tier, or PostgreSQL without one or while it is down. A
 * client cannot spread its attempts over instances; a cache outage may forget a window's count
 * (counting restarts in PostgreSQL), never lift the limit.
 */
export default fp(
  async function attemptLimits(app: FastifyInstance) {
    app.decorate('attemptLimits', {
      async count(reply: FastifyReply, limits: AttemptLimit[]) {
        let retryAfterSeconds = 0;
        for (const limit of limits) {
          // The cache's counter when it answers; PostgreSQL's when it does not, so a cache outage never lifts a limit.
          const counted =
            (await app.cache?.attempts.count(limit.scope, limit.key, limit.windowSeconds)) ?? (await countAttempt(app.pools.writer, limit.scope, limit.key, limit.windowSeconds));
          if (counted.attempts > limit.max) retryAfterSeconds = Math.max(retryAfterSeconds, counted.secondsLeft);
        }
        if (retryAfterSeconds === 0) return;
        reply.header('retry-after', String(retryAfterSeconds));
        throw new ShopError(429, 'RATE_LIMITED', `Too many attempts. Please wait ${waitWords(retryAfterSeconds)} and try again.`, { retryAfterSeconds });
      },
      async clear(limit: Pick<AttemptLimit, 'scope' | 'key'>) {
        // Both: attempts made while the cache was down were counted in PostgreSQL.
        await app.cache?.attempts.clear(limit.scope, limit.key);
        await clearAttempts(app.pools.writer, limit.scope, limit.key);
      },
    });
  },
  { name: 'attempt-limits', dependencies: ['database', 'cache'] },
);
