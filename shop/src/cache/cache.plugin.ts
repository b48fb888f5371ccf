import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { cache as cacheTimings } from '@evermall/topology';
import type { Logger } from '../lib/logger.js';
import { AttemptCounter } from './attempt-counter.js';
import { CatalogCache } from './catalog-cache.js';
import { SessionCache } from './session-cache.js';
import { cacheMetrics, connectCache, SharedCache, type CacheConnection } from './shared-cache.js';

/** What the shop keeps in the cache tier, over one connection. */
export interface ShopCache {
  shared: SharedCache;
  catalog: CatalogCache;
  sessions: SessionCache;
  attempts: AttemptCounter;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Null when CACHE_URL is unset: everything is read from PostgreSQL. */
    cache: ShopCache | null;
  }
}

export interface ShopCacheOptions {
  connection: CacheConnection;
  /** How long after its last recorded use a cached session may be served (see SessionCache). */
  sessionTouchAfterMs: number;
  registry: Registry;
  log: Logger;
}

/** Connects in the background: a cache that is down at start delays nothing, and is used once it answers. */
export function openShopCache(options: ShopCacheOptions): ShopCache {
  const shared = new SharedCache(connectCache(options.connection), cacheMetrics(options.registry), options.log);
  return {
    shared,
    catalog: new CatalogCache(shared),
    sessions: new SessionCache(shared, options.sessionTouchAfterMs),
    attempts: new AttemptCounter(shared),
  };
}

/**
 * For a command run outside the server (`shop create-admin`): connects, ends the cache's copies of
 * the user's sessions, disconnects. False when the cache did not answer within its connect timeout.
 */
export async function endCachedSessionsOf(options: ShopCacheOptions, userId: number): Promise<boolean> {
  const shopCache = openShopCache(options);
  try {
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), cacheTimings.connectTimeoutMs + cacheTimings.retryDelayMs);
      shopCache.shared.redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    return ready && (await shopCache.sessions.endUser(userId));
  } finally {
    await shopCache.shared.close();
  }
}

export interface CachePluginOptions {
  connection: CacheConnection | undefined;
  sessionTouchAfterMs: number;
}

export default fp(
  async function cache(app: FastifyInstance, opts: CachePluginOptions) {
    const shopCache = opts.connection
      ? openShopCache({ connection: opts.connection, sessionTouchAfterMs: opts.sessionTouchAfterMs, registry: app.metrics.registry, log: app.log })
      : null;
    app.decorate('cache', shopCache);
    if (shopCache) {
      shopCache.catalog.listen();
      app.addHook('onClose', async () => {
        await shopCache.catalog.close();
        await shopCache.shared.close();
      });
    }
  },
  { name: 'cache', dependencies: ['metrics'] },
);
