import { createHash } from 'node:crypto';
import type { ClientContext, Redis, Result } from 'ioredis';
import { catalogCaching } from '@evermall/topology';
import type { SharedCache } from './shared-cache.js';

/** The catalog's version: every staff change increments it, so every instance stops using older answers at once. */
const VERSION_KEY = 'catalog:version';

/**
 * Reads the version and the answer stored under it in one round trip. The answer's key is built
 * here from the version, so the script touches a key it was not given: fine for a cluster-mode-
 * disabled replication group (one shard), which is what infra deploys.
 */
const LOOKUP_SCRIPT = `
local version = redis.call('GET', KEYS[1]) or '0'
return {version, redis.call('GET', 'catalog:' .. version .. ':' .. ARGV[1])}`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    catalogLookup(versionKey: string, request: string): Result<[string, string | null], Context>;
  }
}

/** A catalog answer found (`body`), or the key to store it under once PostgreSQL has answered. */
export type CatalogLookup = { body: string } | { body: null; storeKey: string };

/**
 * The catalog's answers (category tree, product pages, product details) as sent, keyed by the
 * request's path and query and the catalog version. An answer lives at most `maxAgeSeconds`, the
 * same bound the catalog's Cache-Control gives CloudFront: a stock change by checkout (which does
 * not bump the version) or a staff change the cache missed (it was down) shows within it.
 */
export class CatalogCache {
  constructor(private readonly shared: SharedCache) {
    shared.redis.defineCommand('catalogLookup', { numberOfKeys: 1, lua: LOOKUP_SCRIPT });
  }

  /** Undefined when the cache did not answer: the route reads PostgreSQL and stores nothing. */
  async lookup(pathAndQuery: string): Promise<CatalogLookup | undefined> {
    const request = createHash('sha256').update(pathAndQuery).digest('base64url');
    const result = await this.shared.attempt('catalog-read', (redis: Redis) => redis.catalogLookup(VERSION_KEY, request));
    if (!result.ok) return undefined;
    const [version, body] = result.value;
    if (body !== null) {
      this.shared.hit('catalog-read');
      return { body };
    }
    this.shared.miss('catalog-read');
    return { body: null, storeKey: `catalog:${version}:${request}` };
  }

  async store(storeKey: string, body: string): Promise<void> {
    await this.shared.attempt('catalog-write', (redis) => redis.set(storeKey, body, 'EX', catalogCaching.maxAgeSeconds));
  }

  /**
   * After a staff change: answers stored under the old version are never read again and expire
   * by themselves. Answers stored under the new version by a read that began before the change
   * can still be old; they too expire within the max age.
   */
  async invalidate(): Promise<boolean> {
    return (await this.shared.attempt('catalog-invalidate', (redis) => redis.incr(VERSION_KEY))).ok;
  }
}
