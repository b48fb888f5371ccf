import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { CookieJar } from '@evermall/testkit';

/** Where a followed redirect chain stopped: a provider's page, or the shop's callback (not yet delivered). */
export type Visit = { kind: 'page'; url: URL; status: number; html: string } | { kind: 'callback'; url: URL };

/** How the shop is asked: as a browser navigating (Accept: text/html) or as the storefront's API client. */
export type Asking = 'page' | 'json';

const ACCEPT: Record<Asking, string> = { page: 'text/html,application/xhtml+xml,*/*;q=0.8', json: 'application/json' };

/**
 * A browser for sign-in tests (tests only): the shop through `app.inject()` with its own cookie
 * jar, the user pool and the social IdP through real HTTP on loopback, one cookie jar per origin,
 * redirects followed by hand until a provider's page or the shop's callback.
 */
export class SignInBrowser {
  readonly shopCookies = new CookieJar();
  private readonly jars = new Map<string, CookieJar>();

  constructor(
    private readonly app: FastifyInstance,
    /** OIDC_REDIRECT_URL: the chain stops there, and `deliver` hands the callback to the shop. */
    private readonly callbackUrl: string,
  ) {}

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

  async open(start: URL, form?: Record<string, string>): Promise<Visit> {
    let url = start;
    let body: URLSearchParams | undefined = form && new URLSearchParams(form);
    for (let hop = 0; hop < 20; hop += 1) {
      if (url.href.startsWith(this.callbackUrl)) return { kind: 'callback', url };
      const jar = this.jar(url.origin);
      const cookie = jar.header();
      const res = await fetch(url, {
        method: body ? 'POST' : 'GET',
        redirect: 'manual',
        headers: { ...(cookie ? { cookie } : {}), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        body,
      });
      jar.store(res.headers.getSetCookie());
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        url = new URL(location, url);
        body = undefined;
        continue;
      }
      return { kind: 'page', url, status: res.status, html: await res.text() };
    }
    throw new Error('more than 20 redirects');
  }

  /** Submits the page's form whose action ends with `/<step>` (`login`, `abort`). */
  async submit(page: Visit, step: string, fields: Record<string, string> = {}): Promise<Visit> {
    if (page.kind !== 'page') throw new Error(`no page to submit: at ${page.url.href}`);
    const action = [...page.html.matchAll(/<form[^>]*action="([^"]+)"/g)].map((m) => m[1] as string).find((a) => a.endsWith(`/${step}`));
    if (!action) throw new Error(`no /${step} form on ${page.url.href} (${page.status})`);
    return this.open(new URL(action.replaceAll('&amp;', '&'), page.url), fields);
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

  private jar(origin: string): CookieJar {
    let jar = this.jars.get(origin);
    if (!jar) this.jars.set(origin, (jar = new CookieJar()));
    return jar;
  }
}
