import { createHash } from 'node:crypto';
import type { ClientContext, Result } from 'ioredis';
import type { SharedCache } from './shared-cache.js';

/**
 * One fixed window per bucket: the first attempt creates the counter with the window's expiry,
 * later ones only increment it, in one script so no counter is ever left without an expiry. A
 * counter found without one (it cannot be made so by this script) is given the window again.
 */
const COUNT_SCRIPT = `
local attempts = redis.call('INCR', KEYS[1])
if attempts == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {attempts, left}`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    countAttempt(key: string, windowMs: number): Result<[number, number], Context>;
  }
}

export interface CountedAttempt {
  attempts: number;
  secondsLeft: number;
}

/** The bucket's key: its scope, and its key hashed, so no email address or client address is stored in the cache. */
const keyOf = (scope: string, key: string) => `attempts:${scope}:${createHash('sha256').update(key).digest('base64url')}`;

/** Attempt limits (login, registration, checkout, anonymous carts) counted in the cache every instance shares. */
export class AttemptCounter {
  constructor(private readonly shared: SharedCache) {
    shared.redis.defineCommand('countAttempt', { numberOfKeys: 1, lua: COUNT_SCRIPT });
  }

  /** Undefined when the cache did not answer: count in PostgreSQL instead. */
  async count(scope: string, key: string, windowSeconds: number): Promise<CountedAttempt | undefined> {
    const result = await this.shared.attempt('attempt-count', (redis) => redis.countAttempt(keyOf(scope, key), windowSeconds * 1000));
    if (!result.ok) return undefined;
    const [attempts, msLeft] = result.value;
    return { attempts, secondsLeft: Math.max(1, Math.ceil(msLeft / 1000)) };
  }

  async clear(scope: string, key: string): Promise<void> {
    await this.shared.attempt('attempt-clear', (redis) => redis.del(keyOf(scope, key)));
  }
}
