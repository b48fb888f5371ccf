import { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import { cache as cacheTimings } from '@evermall/topology';
import { SpanKind } from '@opentelemetry/api';
import { ATTR_DB_SYSTEM_NAME } from '@opentelemetry/semantic-conventions';
import type { Logger } from '../lib/logger.js';
import { failSpan, startChildSpan } from '../tracing/spans.js';

/** What a cache operation is for, as the metrics label it. */
export type CacheOperation =
  'catalog-near-read' | 'catalog-read' | 'catalog-write' | 'catalog-invalidate' | 'session-read' | 'session-fill' | 'session-end' | 'attempt-count' | 'attempt-clear';

/** `db.system.name` of the cache tier in spans (the semantic conventions' incubating `redis`): Valkey on AWS speaks Redis's protocol. */
const CACHE_SYSTEM = 'redis';
/** Which cache operation a span is (the metrics' label). */
const ATTR_CACHE_OPERATION = 'evermall.cache.operation';

/** The answer of a cache operation, or `ok: false` when the cache was down, slow or refused: the caller then asks PostgreSQL. */
export type CacheResult<T> = { ok: true; value: T } | { ok: false };

export type CacheState = 'ready' | 'unavailable';

export interface CacheConnection {
  url: string;
  password?: string | undefined;
}

export interface CacheMetrics {
  hits: Counter<'operation'>;
  misses: Counter<'operation'>;
  errors: Counter<'operation'>;
}

export function cacheMetrics(registry: Registry): CacheMetrics {
  const labelNames = ['operation'] as const;
  return {
    hits: new Counter({ name: 'shop_cache_hits_total', help: 'Cache reads that found what they looked for', labelNames, registers: [registry] }),
    misses: new Counter({ name: 'shop_cache_misses_total', help: 'Cache reads that found nothing and went to PostgreSQL', labelNames, registers: [registry] }),
    errors: new Counter({
      name: 'shop_cache_errors_total',
      help: 'Cache operations that failed or timed out; the request was answered from PostgreSQL',
      labelNames,
      registers: [registry],
    }),
  };
}

/**
 * The one connection to the cache tier's primary endpoint (which follows failover on AWS and the
 * twin), set up so that a cache that is down or slow costs a request one short, bounded wait:
 *
 * - `enableOfflineQueue: false`: while disconnected a command fails at once instead of queueing
 *   for a reconnection that may take seconds.
 * - `commandTimeout`: a command unanswered within topology's `commandTimeoutMs` fails (the reply,
 *   if it ever comes, is discarded), so a sick node cannot stall requests.
 * - `maxRetriesPerRequest: 0` and `autoResendUnfulfilledCommands: false`: a command caught by a
 *   dropped connection fails rather than waiting to be replayed on the next one.
 * - `retryStrategy`: reconnect after a fixed short delay forever, never a growing backoff (fixed
 *   retries resumed writes 2.3 s after a primary kill on this machine; issue 14), so the shop
 *   uses the cache again by itself as soon as it answers.
 * - `reconnectOnError` on READONLY: after a failover the old primary, now a replica, refuses writes;
 *   a fresh connection reaches the new primary (ElastiCache User Guide, "Best practices: client
 *   connection to the primary endpoint").
 */
export function connectCache(connection: CacheConnection): Redis {
  return new Redis(connection.url, {
    password: connection.password,
    connectTimeout: cacheTimings.connectTimeoutMs,
    commandTimeout: cacheTimings.commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: () => cacheTimings.retryDelayMs,
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
    lazyConnect: false,
  });
}

/**
 * The cache as the shop uses it: every operation bounded (see `connectCache`), counted, and never
 * thrown: a failure answers `ok: false` and the caller uses PostgreSQL. The connection's state is
 * logged when it changes, not on every failed command, so an outage is two log lines.
 */
export class SharedCache {
  /** Undefined until the first connection succeeds or fails, so a cache down at start is logged too. */
  private up: boolean | undefined;

  constructor(
    readonly redis: Redis,
    private readonly metrics: CacheMetrics,
    private readonly log: Logger,
  ) {
    redis.on('ready', () => {
      if (!this.up) log.info({ cache: 'ready' }, 'cache connected');
      this.up = true;
    });
    // ioredis emits 'error' for every failed connection attempt; without a listener Node prints them.
    redis.on('error', (err: Error) => this.markDown(err));
    redis.on('close', () => this.markDown());
  }

  get state(): CacheState {
    return this.up === true && this.redis.status === 'ready' ? 'ready' : 'unavailable';
  }

  async attempt<T>(operation: CacheOperation, run: (redis: Redis) => Promise<T>): Promise<CacheResult<T>> {
    // A child of the request's span while it is traced; undefined (and free) otherwise.
    const span = startChildSpan(`cache ${operation}`, { kind: SpanKind.CLIENT, attributes: { [ATTR_DB_SYSTEM_NAME]: CACHE_SYSTEM, [ATTR_CACHE_OPERATION]: operation } });
    try {
      return { ok: true, value: await run(this.redis) };
    } catch (err) {
      if (span) failSpan(span, err);
      this.metrics.errors.inc({ operation });
      // A timeout or a refused command while connected says nothing about the connection; the
      // metric counts it. Anything else about the connection is logged by markDown.
      if (this.redis.status === 'ready' && !(err instanceof Error && err.message === 'Command timed out')) {
        this.log.warn({ err, operation }, 'cache command failed; answered from PostgreSQL');
      }
      return { ok: false };
    } finally {
      span?.end();
    }
  }

  hit(operation: CacheOperation): void {
    this.metrics.hits.inc({ operation });
  }

  miss(operation: CacheOperation): void {
    this.metrics.misses.inc({ operation });
  }

  async close(): Promise<void> {
    this.up = false;
    this.redis.removeAllListeners('close');
    // QUIT waits for a reply the cache may never send; a closed socket is all that is needed.
    this.redis.disconnect();
  }

  private markDown(err?: Error): void {
    if (this.up === false) return;
    this.up = false;
    this.log.warn({ err, cache: 'unavailable' }, 'cache unavailable; answering from PostgreSQL until it returns');
  }
}
