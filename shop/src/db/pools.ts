import postgres from 'postgres';
import type { Logger } from '../lib/logger.js';
import { readCredentialsFile, type DatabaseCredentials } from './credentials.js';
import { databaseClient } from '@evermall/topology';
import { postgresTls } from './tls.js';
import { sharedServerProbe } from './server-probe.js';
import { activeTracer } from '../tracing/tracing.js';
import { traceSql } from '../tracing/traced-sql.js';

/**
 * How the shop parses column types unlike postgres.js's defaults: bigint ids come back as JS
 * BigInt (exact, where the default string is not a number); callers convert ids with Number()
 * at the edge.
 */
const types = { bigint: postgres.BigInt };

/** One probe per server at a time, shared by every pool of the process (src/db/server-probe.ts). */
const serverProbe = sharedServerProbe();

/** A pool, as `connect()` opens it. */
export type Sql = postgres.Sql<{ bigint: bigint }>;
/** The pool or a transaction: repositories run inside whichever the service chose. */
export type Queryable = postgres.ISql<{ bigint: bigint }>;

export interface Pools {
  /** The primary. A user's own cart, orders and account are read here, so they see their writes. */
  readonly writer: Sql;
  /** A read replica when configured, else the writer. Catalog reads only. */
  readonly reader: Sql;
  close(timeoutSeconds?: number): Promise<void>;
}

export interface ConnectOptions {
  max: number;
  /** postgres.js `connection.application_name`, so pg_stat_activity shows which instance is which. */
  applicationName?: string;
  /**
   * A JSON file with the login (`username`, `password`), read again for every new connection so
   * a rotated secret is picked up without a restart (src/db/credentials.ts). Overrides the URL's.
   */
  credentialsFile?: string | undefined;
  /**
   * The login, asked again for every new connection: what a process that keeps its secret in
   * memory (the consumers on Lambda read theirs from Secrets Manager) hands the pool. Overrides
   * the URL's; not with `credentialsFile`.
   */
  credentials?: (() => DatabaseCredentials) | undefined;
}

/**
 * Opens a pool. Every pool of the shop comes from here (the server, the CLI, benchmarks, tests),
 * so all parse columns alike, are an `Sql` without a cast, and are traced when tracing is on.
 * Pass the URL through `writerUrl()` when the pool must reach the primary.
 */
export function connect(url: string, options: ConnectOptions): Sql {
  const tls = postgresTls(url);
  const file = options.credentialsFile;
  if (file && options.credentials) throw new Error('connect: give the login as credentialsFile or as credentials, not both');
  const readLogin = options.credentials ?? (file ? () => readCredentialsFile(file) : undefined);
  // The login read for the connection being opened: its username goes in the startup message,
  // its password answers the server's challenge a moment later.
  let login: DatabaseCredentials | undefined;
  const sql = postgres(tls.url, {
    max: options.max,
    idle_timeout: 30,
    connect_timeout: databaseClient.connectTimeoutSeconds,
    // A connection to a server that went silent (hung, or cut off by a partition) ends its waiting
    // queries with CONNECTION_CLOSED, a retryable error, instead of holding them until TCP gives up.
    stall: { seconds: databaseClient.quietSeconds, probe: serverProbe },
    ssl: tls.ssl,
    types,
    transform: { undefined: null },
    connection: {
      application_name: options.applicationName ?? 'evermall-shop',
      // Locks a lost client held are released within seconds (topology's databaseClient).
      idle_in_transaction_session_timeout: databaseClient.idleInTransactionSeconds * 1000,
    },
    onnotice: () => undefined,
    ...(readLogin ? { pass: () => (login ?? readLogin()).password } : {}),
  });
  if (readLogin) {
    // postgres.js builds each connection's startup message from `options.connection` (its
    // StartupMessage), whose `user` overrides the URL's; a getter makes every new connection read
    // the login (the file), so a rotated username and password are used from the next connection on. SCRAM
    // (PostgreSQL 14+'s default password_encryption, RDS included) does not hash the username in,
    // unlike md5, which would still use the URL's.
    Object.defineProperty(sql.options.connection, 'user', {
      enumerable: true,
      get: () => (login = readLogin()).username,
    });
  }
  // With tracing on (OTEL_EXPORTER_OTLP_ENDPOINT), statements run for a traced request become its spans.
  return activeTracer() ? traceSql(sql) : sql;
}

export interface PoolOptions extends ConnectOptions {
  writerUrl: string;
  readerUrl: string;
}

/**
 * Multi-host writer URLs must land on the primary in any host order. postgres.js's
 * `read-write` only checks `default_transaction_read_only`, which a PG 15 hot standby reports
 * as off, so it would pick a standby (docs/design.md#finding-the-primary). `primary` asks
 * `pg_is_in_recovery()` instead.
 */
export function writerUrl(url: string): string {
  // WHATWG URL rejects "h1:1,h2:2", so split the query string off by hand.
  const [base = '', query = ''] = url.split('?', 2);
  const params = new URLSearchParams(query);
  const authority = base.replace(/^postgres(ql)?:\/\//, '').split('/')[0] ?? '';
  const hosts = authority.slice(authority.lastIndexOf('@') + 1).split(',');
  const attrs = params.get('target_session_attrs');
  if (hosts.length > 1 && (attrs === null || attrs === 'read-write' || attrs === 'any')) {
    params.set('target_session_attrs', 'primary');
  }
  const rendered = params.toString();
  return rendered ? `${base}?${rendered}` : base;
}

/**
 * Lifts the idle-in-transaction limit for the transaction `tx` runs: for the few that wait on
 * something outside the database on purpose, with their own bound (the outbox relay, the backup export).
 */
export async function allowIdleInTransaction(tx: Queryable): Promise<void> {
  await tx`SET LOCAL idle_in_transaction_session_timeout = 0`;
}

/**
 * Runs a read-only query on the reader, and on the writer as well when the reader fails with a
 * connection error or has not answered within topology's `databaseClient.readerHedgeMs`; the
 * first answer wins. The query must only read: it may run on both.
 */
export async function readWithFallback<T>(pools: Pick<Pools, 'reader' | 'writer'>, query: (sql: Sql) => Promise<T>): Promise<T> {
  if (pools.reader === pools.writer) return query(pools.writer);
  const fromReader = query(pools.reader);
  let hedge: NodeJS.Timeout | undefined;
  let fromWriter: Promise<T> | undefined;
  const writer = () => (fromWriter ??= query(pools.writer));
  try {
    return await new Promise<T>((resolve, reject) => {
      // A hedged read that fails for a reason of its own (a 404) answers; a connection error waits for the reader.
      hedge = setTimeout(() => writer().then(resolve, (err: unknown) => isRetryableDbError(err) || reject(err)), databaseClient.readerHedgeMs);
      fromReader.then(resolve, (err: unknown) => {
        if (!isRetryableDbError(err)) return reject(err);
        clearTimeout(hedge);
        writer().then(resolve, reject);
      });
    });
  } finally {
    clearTimeout(hedge);
    // The losing read's outcome no longer matters; keep its rejection from going unhandled.
    fromReader.catch(() => undefined);
    fromWriter?.catch(() => undefined);
  }
}

export function createPools(options: PoolOptions): Pools {
  const writer = connect(writerUrl(options.writerUrl), options);
  const reader = options.readerUrl === options.writerUrl ? writer : connect(options.readerUrl, options);
  return {
    writer,
    reader,
    async close(timeoutSeconds = 5) {
      await Promise.all([writer.end({ timeout: timeoutSeconds }), reader === writer ? undefined : reader.end({ timeout: timeoutSeconds })]);
    },
  };
}

/** SQLSTATEs and connection errors that mean "the primary moved or blinked; try again". */
const RETRYABLE_SQLSTATES = new Set([
  '25006', // read_only_sql_transaction: we reached a standby or a primary mid-promotion
  '57P01', // admin_shutdown: the backend was terminated
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the server is starting up or shutting down
  '08000',
  '08003',
  '08006',
  '08001',
  '08004', // connection exceptions
  '40001', // serialization_failure
  '40P01', // deadlock_detected (should not happen with ordered locking, but is safe to retry)
  '28P01', // invalid_password: a login raced a rotation; the next connection reads the new secret
]);
const RETRYABLE_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

export function isRetryableDbError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (RETRYABLE_SQLSTATES.has(code) || RETRYABLE_CODES.has(code));
}

/**
 * Backoff between writer retries: doubling from the first delay up to the longest. A failover
 * answers 25006 for the seconds the promoted standby is still read-only (pg_auto_failover's
 * stop_replication state, until the monitor moves it to wait_primary), then takes writes at once;
 * a short ceiling lets a held request retry within that much of the new primary taking writes,
 * where 1 s made every held checkout wait up to a second more. A retry that fails costs one
 * round trip on an idle connection.
 */
const RETRY_FIRST_DELAY_MS = 50;
const RETRY_MAX_DELAY_MS = 200;

export interface RetryOptions {
  /** Total time budget across attempts, so a failover costs latency, not errors. */
  budgetMs?: number;
  logger?: Logger;
}

/**
 * Runs a writer operation, retrying when the primary moved (25006) or the connection closed.
 * The operation must be safe to repeat: a transaction (all or nothing) or keyed by idempotency.
 */
export async function withWriterRetry<T>(operation: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const budgetMs = options.budgetMs ?? 15_000;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      const elapsed = Date.now() - started;
      if (!isRetryableDbError(err) || elapsed >= budgetMs) throw err;
      const delay = Math.min(RETRY_FIRST_DELAY_MS * 2 ** (attempt - 1), RETRY_MAX_DELAY_MS, budgetMs - elapsed);
      options.logger?.warn({ err, attempt, delay }, 'writer operation failed; retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
