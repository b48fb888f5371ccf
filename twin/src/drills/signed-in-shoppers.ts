import { randomBytes } from 'node:crypto';
import type { CookieJar } from '@evermall/testkit';
import type { Dispatcher } from 'undici';
import { sampleCatalog } from '../load/catalog.js';
import { defaultCheckoutRetry } from '../load/checkout-client.js';
import type { Action, Ledger, LedgerEntry } from '../load/ledger.js';
import { ShopHttp, type ShopHttpOptions, type ShopResponse } from '../load/shop-http.js';
import { Shopper } from '../load/shopper.js';
import { sleep } from './drill.js';

/**
 * Routes the shop answers only for a signed-in shopper (401 otherwise): `GET /api/auth/me`
 * (accounts.routes.ts), the checkout and its confirm (checkout.routes.ts), and the shopper's orders.
 */
export const authenticatedRoutes: readonly string[] = ['GET /api/auth/me', 'POST /api/checkout', 'POST /api/checkout/confirm', 'GET /api/orders', 'GET /api/orders/:id'];

/** One answer to a signed-in shopper on a route that needs the session. */
export interface AuthenticatedAnswer {
  shopper: string;
  at: number;
  route: string;
  status: number;
}

const refusedSession = (route: string | undefined, status: number) => status === 401 && route !== undefined && authenticatedRoutes.includes(route);

/** Shoppers logged out: those who were signed in and got a 401 on a route that needs the session. */
export function loggedOutShoppers(answers: readonly AuthenticatedAnswer[]): string[] {
  return [...new Set(answers.filter((a) => refusedSession(a.route, a.status)).map((a) => a.shopper))].sort();
}

/**
 * 401s on routes that need the session, among any shoppers' requests. The steady load's shoppers
 * only check out once they are signed in, so each of these is a session the shop forgot.
 */
export const refusedSessions = (entries: readonly LedgerEntry[]): number => entries.filter((e) => refusedSession(e.route, e.status)).length;

/**
 * The shop's HTTP side for shoppers who are watched: every answer on a route that needs the
 * session is noted with the shopper it was for, known by the cookie jar the request carried.
 */
class AttributedShopHttp extends ShopHttp {
  readonly answers: AuthenticatedAnswer[] = [];
  private readonly signedIn = new Map<CookieJar, string>();

  /** From now on, 401s to this jar count against `shopper`: they were signed in. */
  signIn(jar: CookieJar, shopper: string): void {
    this.signedIn.set(jar, shopper);
  }

  override async send(action: Action, method: Dispatcher.HttpMethod, path: string, init: Parameters<ShopHttp['send']>[3] = {}): Promise<ShopResponse> {
    const res = await super.send(action, method, path, init);
    const shopper = init.jar && this.signedIn.get(init.jar);
    const route = res.entry.route;
    if (shopper && route && authenticatedRoutes.includes(route)) this.answers.push({ shopper, at: res.entry.at, route, status: res.status });
    return res;
  }
}

/**
 * Signed-in shoppers beside the steady load whose sessions are watched: each registers (which
 * signs them in), then shops by the same mix as the steady load and, after every action, asks the
 * shop who they are (`GET /api/auth/me`, a probe in the ledger: not a shopper's figure). A session
 * the shop loses shows up within one think time as a 401 to a named shopper. Their shopping goes
 * into the drill's ledger, so it counts in failed requests, p99 and reconciliation.
 */
export class SignedInShoppers {
  private http: AttributedShopHttp | undefined;
  private readonly runId = `s${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  private stopping = false;
  private sessions: Promise<void>[] = [];
  /** Shoppers who signed in; a shopper whose registration never succeeded was never logged in. */
  readonly signedIn = new Set<string>();

  constructor(
    private readonly httpOptions: ShopHttpOptions,
    private readonly settings: { shoppers: number; thinkMs: [number, number] },
  ) {}

  get answers(): readonly AuthenticatedAnswer[] {
    return this.http?.answers ?? [];
  }

  /** Starts the sessions, their requests written to `ledger` (the drill's). */
  async start(ledger: Ledger): Promise<void> {
    const http = new AttributedShopHttp(this.httpOptions, ledger);
    this.http = http;
    const catalog = await sampleCatalog(http);
    this.sessions = Array.from({ length: this.settings.shoppers }, (_, i) => this.session(http, new Shopper(http, catalog, defaultCheckoutRetry, this.runId, i)));
  }

  private async session(http: AttributedShopHttp, shopper: Shopper): Promise<void> {
    const [min, max] = this.settings.thinkMs;
    while (!this.stopping) {
      if (!shopper.loggedIn) {
        if (await shopper.register()) {
          http.signIn(shopper.jar, shopper.name);
          this.signedIn.add(shopper.name);
        }
      } else {
        await shopper.act();
        await http.send('probe', 'GET', '/api/auth/me', { jar: shopper.jar });
      }
      await sleep(min + Math.random() * (max - min));
    }
  }

  /** Stops every session after its current action and closes the sockets. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.sessions);
    await this.http?.close();
  }
}
