import { createHash } from 'node:crypto';
import type { ClientContext, Redis, Result } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { catalogCaching } from '@evermall/topology';
import type { SharedCache } from './shared-cache.js';

/** The catalog's version: every staff change increments it, so every instance stops using older answers at once. */
const VERSION_KEY = 'catalog:version';
/** Where a staff change is announced, so every instance drops the answers it holds in memory. */
const CHANGED_CHANNEL = 'catalog:changed';

/**
 * Reads the version, the answer stored under it and the milliseconds it has left in one round
 * trip. The answer's key is built here from the version, so the script touches a key it was not
 * given: fine for a cluster-mode-disabled replication group (one shard), which is what infra deploys.
 */
const LOOKUP_SCRIPT = `
local version = redis.call('GET', KEYS[1]) or '0'
local key = 'catalog:' .. version .. ':' .. ARGV[1]
return {version, redis.call('GET', key), redis.call('PTTL', key)}`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    catalogLookup(versionKey: string, request: string): Result<[string, string | null, number], Context>;
  }
}

/** A catalog answer as sent: its body and the ETag computed from it once, when it was stored. */
export interface CatalogAnswer {
  body: Buffer;
  etag: string;
}

/** In the cache tier an answer is its ETag, a newline (never part of an ETag), then the body. */
function toStored(answer: CatalogAnswer): Buffer {
  return Buffer.concat([Buffer.from(`${answer.etag}\n`), answer.body]);
}

/** Undefined for anything else (an answer an older release stored): read again and stored anew. */
function fromStored(stored: string): CatalogAnswer | undefined {
  const newline = stored.indexOf('\n');
  if (newline < 0 || !stored.startsWith('W/"')) return undefined;
  return { etag: stored.slice(0, newline), body: Buffer.from(stored.slice(newline + 1)) };
}

/** A catalog answer found, or the key to store it under once PostgreSQL has answered. */
export type CatalogLookup = { found: CatalogAnswer } | { found: null; storeKey: string };

/**
 * The catalog's answers (category tree, product pages, product details) as sent, keyed by the
 * request's path and query and the catalog version, at two levels:
 *
 * - **The cache tier** (shared by every instance): an answer lives at most `maxAgeSeconds`, the
 *   same bound the catalog's Cache-Control gives CloudFront, so a stock change by checkout (which
 *   does not bump the version) or a staff change the cache missed (it was down) shows within it.
 * - **Each instance's memory** (the "near cache"), for the hot pages: a request that hits it costs
 *   no round trip at all, which is what brings a catalog page close to the cost of a trivial answer
 *   (issue 14). It keeps an answer only while this instance is subscribed to the cache's
 *   `catalog:changed` channel, on which every staff change is announced: a message empties it, and
 *   so does a lost subscription (the instance may have missed one). Each entry also lives at most
 *   `catalogCaching.instanceSeconds`, and never longer than the shared copy it came from.
 */
export class CatalogCache {
  private readonly near = new LRUCache<string, CatalogAnswer>({ max: catalogCaching.instanceEntries, ttlAutopurge: false });
  /** Incremented whenever the near cache is emptied: a lookup that began before must not refill it with what it read. */
  private generation = 0;
  private subscriber: Redis | undefined;
  private subscribed = false;

  constructor(private readonly shared: SharedCache) {
    shared.redis.defineCommand('catalogLookup', { numberOfKeys: 1, lua: LOOKUP_SCRIPT });
  }

  /**
   * Subscribes to staff changes on a connection of its own (a subscribed connection can run no
   * other command) and keeps the near cache only while subscribed. Started by the server only: a
   * command run from the CLI never serves the catalog.
   */
  listen(): void {
    if (this.subscriber) return;
    const subscriber = this.shared.redis.duplicate({ autoResubscribe: false });
    this.subscriber = subscriber;
    subscriber.on('ready', () => {
      subscriber.subscribe(CHANGED_CHANNEL).then(
        () => {
          this.forget();
          this.subscribed = true;
        },
        () => undefined, // The connection dropped again; 'ready' comes back with it.
      );
    });
    subscriber.on('message', () => this.forget());
    // Errors are the shared connection's to log (same endpoint, same outage): one log per outage.
    subscriber.on('error', () => undefined);
    subscriber.on('close', () => {
      this.subscribed = false;
      this.forget();
    });
  }

  /** Undefined when the cache did not answer: the route reads PostgreSQL and stores nothing. */
  async lookup(pathAndQuery: string): Promise<CatalogLookup | undefined> {
    const near = this.subscribed ? this.near.get(pathAndQuery) : undefined;
    if (near) {
      this.shared.hit('catalog-near-read');
      return { found: near };
    }
    const generation = this.generation;
    const request = createHash('sha256').update(pathAndQuery).digest('base64url');
    const result = await this.shared.attempt('catalog-read', (redis: Redis) => redis.catalogLookup(VERSION_KEY, request));
    if (!result.ok) return undefined;
    const [version, stored, ttlMs] = result.value;
    const answer = stored === null ? undefined : fromStored(stored);
    if (answer === undefined) {
      this.shared.miss('catalog-read');
      return { found: null, storeKey: `catalog:${version}:${request}` };
    }
    this.shared.hit('catalog-read');
    this.keep(pathAndQuery, answer, ttlMs, generation);
    return { found: answer };
  }

  async store(pathAndQuery: string, storeKey: string, answer: CatalogAnswer): Promise<void> {
    const generation = this.generation;
    const stored = await this.shared.attempt('catalog-write', (redis) => redis.set(storeKey, toStored(answer), 'EX', catalogCaching.maxAgeSeconds));
    if (stored.ok) this.keep(pathAndQuery, answer, catalogCaching.maxAgeSeconds * 1000, generation);
  }

  /**
   * After a staff change: answers stored under the old version are never read again and expire
   * by themselves, and every instance's near cache is emptied by the announcement (this one's at
   * once). Answers stored under the new version by a read that began before the change can still
   * be old; they too expire within the max age.
   */
  async invalidate(): Promise<boolean> {
    this.forget();
    const done = await this.shared.attempt('catalog-invalidate', (redis) => redis.multi().incr(VERSION_KEY).publish(CHANGED_CHANNEL, 'changed').exec());
    return done.ok;
  }

  async close(): Promise<void> {
    this.subscriber?.removeAllListeners('close');
    this.subscriber?.disconnect();
    this.subscribed = false;
    this.forget();
  }

  private keep(pathAndQuery: string, answer: CatalogAnswer, sharedTtlMs: number, generation: number): void {
    // A lookup that raced a change (or a lost subscription) keeps nothing: what it read may predate it.
    if (!this.subscribed || generation !== this.generation || sharedTtlMs <= 0) return;
    this.near.set(pathAndQuery, answer, { ttl: Math.min(catalogCaching.instanceSeconds * 1000, sharedTtlMs) });
  }

  private forget(): void {
    this.generation++;
    this.near.clear();
  }
}
