import type { CookieJar } from '@evermall/testkit';
import { Agent, type Dispatcher } from 'undici';
import { routeOf, type Action, type Ledger, type LedgerEntry } from './ledger.js';

export interface ShopHttpOptions {
  /** The front door (or any shop base URL), e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  /** Sockets the client may open to the origin: a bound on client-side concurrency. */
  connections: number;
  /** A request that has not answered by then counts as a failure (status 0), as a browser would give up. */
  requestTimeoutMs: number;
}

export interface ShopResponse {
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  latencyMs: number;
  servedBy?: string;
  error?: string;
  /** The ledger line written for this exchange; checkout adds the order id to it. */
  entry: LedgerEntry;
}

/**
 * The load generator's HTTP side: undici with a bounded socket pool, every exchange written to
 * the ledger. Errors never throw: a shopper sees a status (0 when nothing came back).
 */
export class ShopHttp {
  private readonly agent: Agent;
  readonly origin: string;

  constructor(
    readonly options: ShopHttpOptions,
    readonly ledger: Ledger,
  ) {
    this.origin = new URL(options.baseUrl).origin;
    this.agent = new Agent({
      connections: options.connections,
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
      connectTimeout: options.requestTimeoutMs,
      // A dead instance's keep-alive socket must not be reused for the next request.
      keepAliveTimeout: 4_000,
      pipelining: 1,
    });
  }

  async send(
    action: Action,
    method: Dispatcher.HttpMethod,
    path: string,
    init: {
      jar?: CookieJar;
      body?: unknown;
      headers?: Record<string, string>;
      record?: Partial<LedgerEntry>;
      /** Another origin than the shop's: the payment provider's window, where the shop sends its customers. */
      origin?: string;
    } = {},
  ): Promise<ShopResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    const cookie = init.jar?.header();
    if (cookie) headers.cookie = cookie;
    let payload: string | undefined;
    if (init.body !== undefined) {
      payload = JSON.stringify(init.body);
      headers['content-type'] = 'application/json';
    }
    const at = Date.now();
    const t0 = performance.now();
    let result: Omit<ShopResponse, 'entry'>;
    try {
      // undici does not follow redirects: a provider's 303 back to the shop is read, not followed.
      const res = await this.agent.request({ origin: init.origin ?? this.origin, path, method, headers, body: payload });
      const text = await res.body.text();
      const latencyMs = performance.now() - t0;
      init.jar?.store(res.headers['set-cookie']);
      let body: unknown = text;
      if (String(res.headers['content-type'] ?? '').includes('json')) {
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          body = text;
        }
      }
      const servedBy = res.headers['x-served-by'];
      result = { status: res.statusCode, body, headers: res.headers, latencyMs, servedBy: typeof servedBy === 'string' ? servedBy : undefined };
    } catch (err) {
      const e = err as { code?: string; message?: string };
      result = { status: 0, body: undefined, headers: {}, latencyMs: performance.now() - t0, error: e.code ?? e.message ?? 'request failed' };
    }
    const entry: LedgerEntry = {
      at,
      action,
      route: routeOf(method, path),
      status: result.status,
      latencyMs: result.latencyMs,
      ...(result.servedBy ? { servedBy: result.servedBy } : {}),
      ...(result.error ? { error: result.error } : {}),
      ...init.record,
    };
    this.ledger.record(entry);
    return { ...result, entry };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
