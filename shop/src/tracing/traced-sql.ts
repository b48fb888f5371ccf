import { context, SpanKind, trace, type Attributes } from '@opentelemetry/api';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from '@opentelemetry/semantic-conventions';
import { failSpan, startChildSpan } from './spans.js';

/**
 * A statement's text in a span is cut here: the checkout's batch statements with their event
 * payloads run to a few thousand characters, and the status page shows the start of each.
 */
const QUERY_TEXT_MAX_CHARS = 2000;

/** What the proxy needs of a postgres.js query: it is a Promise subclass that runs on its first `then`. */
type PendingQuery = Promise<unknown> & { strings: readonly string[] };

/** What the proxy needs of a pool or a transaction (postgres.js `Sql` and `TransactionSql`). */
interface SqlLike {
  options?: { database?: string; host?: readonly string[]; port?: readonly number[] };
}

/**
 * Wraps a postgres.js pool (or a transaction's `sql`) so every statement run inside a recorded
 * span gets a CLIENT child span, and every `begin` a `transaction` span around its statements.
 * postgres.js has no hooks, so this sits where every statement is made: the tagged template
 * call, `unsafe`, `begin` (its callback gets a wrapped transaction) and `savepoint`.
 *
 * A statement's span starts on its first `then` (the await that runs it: postgres.js sends a
 * query only then) and ends when it settles. A query used as a fragment of another is never
 * awaited, so it makes no span. Statements outside any recorded span (sweeps, the relay's
 * polling) are left as they are.
 */
export function traceSql<S extends object>(sql: S): S {
  const attributes = poolAttributes(sql as SqlLike);
  return wrap(sql, attributes);
}

function wrap<S extends object>(sql: S, attributes: Attributes): S {
  return new Proxy(sql, {
    apply(target, thisArg, args: unknown[]) {
      return traced(Reflect.apply(target as (...a: unknown[]) => unknown, thisArg, args), attributes);
    },
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...a: unknown[]) => unknown;
      if (key === 'unsafe') return (...args: unknown[]) => traced(method.apply(target, args), attributes);
      if (key === 'begin' || key === 'savepoint') return (...args: unknown[]) => transaction(method, target, args, attributes);
      return value;
    },
  });
}

function traced(result: unknown, attributes: Attributes): unknown {
  if (!(result instanceof Promise) || !Array.isArray((result as Partial<PendingQuery>).strings)) return result;
  // Nothing recorded now means nothing to attach a statement to: leave the query untouched.
  if (!trace.getSpan(context.active())?.isRecording()) return result;
  const query = result as PendingQuery;
  const run = query.then;
  let started = false;
  Reflect.defineProperty(query, 'then', {
    configurable: true,
    writable: true,
    value(...handlers: Parameters<PendingQuery['then']>) {
      if (!started) {
        started = true;
        const text = queryText(query.strings);
        const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
        const target = /\b(?:FROM|INTO|UPDATE)\s+([a-z_][\w.]*)/i.exec(text)?.[1];
        const span = startChildSpan(target ? `${operation} ${target}` : operation, {
          kind: SpanKind.CLIENT,
          attributes: { ...attributes, [ATTR_DB_OPERATION_NAME]: operation, [ATTR_DB_QUERY_TEXT]: text },
        });
        if (span) {
          // Settles with the query; the caller's own handlers (below) see its result or error.
          void run.call(
            query,
            () => span.end(),
            (err: unknown) => {
              failSpan(span, err);
              span.end();
            },
          );
        }
      }
      return run.apply(query, handlers);
    },
  });
  return query;
}

function transaction(begin: (...a: unknown[]) => unknown, target: object, args: unknown[], attributes: Attributes): unknown {
  const span = startChildSpan('transaction', { kind: SpanKind.CLIENT, attributes });
  if (!span) return begin.apply(target, args);
  const inSpan = trace.setSpan(context.active(), span);
  const last = args.length - 1;
  const body = args[last];
  if (typeof body === 'function') {
    args[last] = (tx: object) => context.with(inSpan, () => (body as (tx: object) => unknown)(wrap(tx, attributes)));
  }
  return (context.with(inSpan, () => begin.apply(target, args)) as Promise<unknown>).then(
    (value) => {
      span.end();
      return value;
    },
    (err: unknown) => {
      failSpan(span, err);
      span.end();
      throw err;
    },
  );
}

/** The statement as written, parameters as $1, $2 (never their values), on one line. */
function queryText(strings: readonly string[]): string {
  const text = strings
    .reduce((all, part, i) => `${all}$${i}${part}`)
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > QUERY_TEXT_MAX_CHARS ? `${text.slice(0, QUERY_TEXT_MAX_CHARS)}…` : text;
}

function poolAttributes(sql: SqlLike): Attributes {
  const { database, host, port } = sql.options ?? {};
  return {
    [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
    ...(database ? { [ATTR_DB_NAMESPACE]: database } : {}),
    ...(host?.[0] ? { [ATTR_SERVER_ADDRESS]: host[0] } : {}),
    ...(port?.[0] ? { [ATTR_SERVER_PORT]: port[0] } : {}),
  };
}
