import type { SessionUser } from '../plugins/sessions.js';
import type { ClientContext, Result } from 'ioredis';
import type { SharedCache } from './shared-cache.js';

/**
 * Sessions in the cache, keyed by the token's SHA-256 (never the token). PostgreSQL stays the
 * record: a session is written there on creation and read from there on a miss, and the cache
 * keeps a copy for `touchAfterMs` after the session was last recorded as used. Past that, the
 * request goes to PostgreSQL, which checks idle expiry and moves `last_seen_at` exactly as it does
 * without a cache, so idle expiry is as exact with the cache as without it.
 *
 * Ending sessions must win against a request that read the session from PostgreSQL just before
 * it was deleted and fills the cache just after. Times come from the cache's own clock (TIME):
 * - one session (logout): a tombstone for the token; a fill finding it does nothing and a lookup
 *   finding it refuses the session.
 * - all of a user's sessions (password or role change): the user's copies are deleted through a
 *   per-user index, and an "ended at" mark is left; a copy or fill whose PostgreSQL read began
 *   (`readAt`) at or before the mark is not used.
 * Marks live `endMarkMs`: longer than any copy could still be used.
 * If the cache cannot be reached when sessions end, a copy it still holds is served at most until
 * `touchAfterMs` after its last recorded use; then PostgreSQL refuses it.
 */
const LOOKUP_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('EXISTS', KEYS[2]) == 1 then return {now, 'ended'} end
local entry = redis.call('GET', KEYS[1])
if not entry then return {now, 'miss'} end
local user, readAt = string.match(entry, '^(%d+)|(%d+)|')
local ended = redis.call('GET', ARGV[1] .. user)
if ended and tonumber(ended) >= tonumber(readAt) then
  redis.call('DEL', KEYS[1])
  return {now, 'miss'}
end
return {now, 'hit', entry}`;

const FILL_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local ended = redis.call('GET', KEYS[3])
if ended and tonumber(ended) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[4], KEYS[1])
if redis.call('PTTL', KEYS[4]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[4], ARGV[3]) end
return 1`;

const END_SCRIPT = `
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
return redis.call('DEL', KEYS[1])`;

const END_USER_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('SET', KEYS[2], now, 'PX', ARGV[1])
local copies = redis.call('SMEMBERS', KEYS[1])
for _, key in ipairs(copies) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1])
return #copies`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    sessionLookup(key: string, tombstone: string, userEndedPrefix: string): Result<[number, 'ended' | 'miss'] | [number, 'hit', string], Context>;
    sessionFill(key: string, tombstone: string, userEnded: string, userIndex: string, readAt: number, entry: string, ttlMs: number): Result<number, Context>;
    sessionEnd(key: string, tombstone: string, markMs: number): Result<number, Context>;
    sessionEndUser(userIndex: string, userEnded: string, markMs: number): Result<number, Context>;
  }
}

/** A live session as PostgreSQL records it. */
export interface LiveSession {
  user: SessionUser;
  /** When the session was last recorded as used (after this read's touch, if it touched). */
  lastSeenAt: Date;
  expiresAt: Date;
}

export type SessionLookup =
  /** Served from the cache. */
  | { found: 'user'; user: SessionUser }
  /** Ended (logged out): refuse without asking PostgreSQL. */
  | { found: 'ended' }
  /** Ask PostgreSQL, then `fill` with `readAt`. */
  | { found: 'nothing'; readAt: number };

const keyOf = (tokenHash: Buffer) => `session:${tokenHash.toString('base64url')}`;
const tombstoneOf = (tokenHash: Buffer) => `session-ended:${tokenHash.toString('base64url')}`;
const USER_ENDED_PREFIX = 'user-sessions-ended:';
const userIndexOf = (userId: number) => `user-sessions:${userId}`;

export class SessionCache {
  private readonly endMarkMs: number;

  /** `touchAfterMs`: how long after its last recorded use a copy may serve a session. */
  constructor(
    private readonly shared: SharedCache,
    private readonly touchAfterMs: number,
  ) {
    // Twice the longest a copy is used, so a mark outlives every copy it must stop.
    this.endMarkMs = Math.ceil(2 * touchAfterMs) + 1000;
    shared.redis.defineCommand('sessionLookup', { numberOfKeys: 2, lua: LOOKUP_SCRIPT });
    shared.redis.defineCommand('sessionFill', { numberOfKeys: 4, lua: FILL_SCRIPT });
    shared.redis.defineCommand('sessionEnd', { numberOfKeys: 2, lua: END_SCRIPT });
    shared.redis.defineCommand('sessionEndUser', { numberOfKeys: 2, lua: END_USER_SCRIPT });
  }

  /** Undefined when the cache did not answer: read PostgreSQL and fill nothing. */
  async lookup(tokenHash: Buffer): Promise<SessionLookup | undefined> {
    const result = await this.shared.attempt('session-read', (redis) => redis.sessionLookup(keyOf(tokenHash), tombstoneOf(tokenHash), USER_ENDED_PREFIX));
    if (!result.ok) return undefined;
    const [now, found, entry] = result.value;
    if (found === 'ended') return { found: 'ended' };
    const session = entry === undefined ? undefined : parseEntry(entry);
    // A copy whose last recorded use is a touch interval old sends the request to PostgreSQL,
    // which records the use (or finds the session idle or expired).
    if (session && now - session.lastSeenAt < this.touchAfterMs && now < session.expiresAt) {
      this.shared.hit('session-read');
      return { found: 'user', user: session.user };
    }
    this.shared.miss('session-read');
    return { found: 'nothing', readAt: now };
  }

  /** Stores what PostgreSQL answered, unless the session or its user's sessions ended after `readAt`. */
  async fill(tokenHash: Buffer, session: LiveSession, readAt: number): Promise<void> {
    const ttlMs = Math.min(session.lastSeenAt.getTime() + this.touchAfterMs, session.expiresAt.getTime()) - readAt;
    if (ttlMs <= 0) return;
    const entry = `${session.user.id}|${readAt}|${JSON.stringify({ ...session.user, lastSeenAt: session.lastSeenAt.getTime(), expiresAt: session.expiresAt.getTime() })}`;
    await this.shared.attempt('session-fill', (redis) =>
      redis.sessionFill(keyOf(tokenHash), tombstoneOf(tokenHash), USER_ENDED_PREFIX + session.user.id, userIndexOf(session.user.id), readAt, entry, Math.ceil(ttlMs)),
    );
  }

  /** After the session's row is deleted (logout). */
  async end(tokenHash: Buffer): Promise<void> {
    await this.shared.attempt('session-end', (redis) => redis.sessionEnd(keyOf(tokenHash), tombstoneOf(tokenHash), this.endMarkMs));
  }

  /** After all of a user's rows are deleted and that change committed (password change, staff role change). */
  async endUser(userId: number): Promise<boolean> {
    return (await this.shared.attempt('session-end', (redis) => redis.sessionEndUser(userIndexOf(userId), USER_ENDED_PREFIX + userId, this.endMarkMs))).ok;
  }
}

interface CachedSession {
  user: SessionUser;
  lastSeenAt: number;
  expiresAt: number;
}

/** `userId|readAt|json`: the prefix lets the scripts read the user and time without decoding JSON. */
function parseEntry(entry: string): CachedSession | undefined {
  const json = entry.slice(entry.indexOf('|', entry.indexOf('|') + 1) + 1);
  try {
    const { id, email, name, role, lastSeenAt, expiresAt } = JSON.parse(json) as SessionUser & { lastSeenAt: number; expiresAt: number };
    return { user: { id, email, name, role }, lastSeenAt, expiresAt };
  } catch {
    return undefined;
  }
}
