import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { CookieJar, ProviderBrowser, type ProviderVisit } from '@evermall/testkit';

/** Where a followed redirect chain stopped: a provider's page, or the shop's callback (not yet delivered). */
export type Visit = ProviderVisit;

/** How the shop is asked: as a browser navigating (Accept: text/html) or as the storefront's API client. */
export type Asking = 'page' | 'json';

const ACCEPT: Record<Asking, string> = { page: 'text/html,application/xhtml+xml,*/*;q=0.8', json: 'application/json' };

/**
 * A browser for sign-in tests (tests only): the shop through `app.inject()` with its own cookie
 * jar, the user pool and the social IdP through testkit's ProviderBrowser (real HTTP on loopback,
 * one cookie jar per origin, redirects followed by hand until a provider's page or the shop's callback).
 */
export class SignInBrowser {
  readonly shopCookies = new CookieJar();
  private readonly providers: ProviderBrowser;

  constructor(
    private readonly app: FastifyInstance,
    /** OIDC_REDIRECT_URL: the chain stops there, and `deliver` hands the callback to the shop. */
    callbackUrl: string,
  ) {
    this.providers = new ProviderBrowser(callbackUrl);
  }

  /** A request to the shop carrying this browser's cookies; the answer's cookies are kept. */
  async shop(method: 'GET' | 'POST', url: string, options: { asking?: Asking; payload?: unknown; headers?: Record<string, string> } = {}): Promise<LightMyRequestResponse> {
    const cookie = this.shopCookies.header();
    const res = await this.app.inject({
      method,
      url,
      headers: { accept: ACCEPT[options.asking ?? 'json'], ...(cookie ? { cookie } : {}), ...options.headers },
      ...(options.payload === undefined ? {} : { payload: options.payload as object }),
    });
    this.shopCookies.store(res.headers['set-cookie']);
    return res;
  }

  /** Starts a sign-in at the shop and follows the pool's redirects to the first page (or straight back to the callback). */
  async start(provider: string, next?: string): Promise<Visit> {
    const res = await this.shop('GET', `/api/auth/oidc/${provider}/start${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`, { asking: 'page' });
    if (res.statusCode !== 302) throw new Error(`start answered ${res.statusCode} ${res.body}`);
    return this.open(new URL(String(res.headers.location)));
  }

  open(start: URL, form?: Record<string, string>): Promise<Visit> {
    return this.providers.open(start, form);
  }

  /** Submits the page's form whose action ends with `/<step>` (`login`, `abort`). */
  submit(page: Visit, step: string, fields: Record<string, string> = {}): Promise<Visit> {
    return this.providers.submit(page, step, fields);
  }

  /** Hands the pool's redirect to the shop, as the browser would follow it. */
  async deliver(callback: Visit, asking: Asking = 'json'): Promise<LightMyRequestResponse> {
    if (callback.kind !== 'callback') throw new Error(`expected the shop's callback, got a ${callback.status} page at ${callback.url.href}`);
    return this.shop('GET', `${callback.url.pathname}${callback.url.search}`, { asking });
  }

  /** Signs in at the social IdP with a password on its page, back to the shop's callback (undelivered). */
  async signInAtProvider(provider: string, user: { email: string; password: string }, next?: string): Promise<Visit> {
    const page = await this.start(provider, next);
    return this.submit(page, 'login', { email: user.email, password: user.password });
  }
}
