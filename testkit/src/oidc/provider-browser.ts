import { CookieJar } from '../cookie-jar.js';

/** Where a followed redirect chain stopped: a provider's page, or the relying party's callback (not yet delivered). */
export type ProviderVisit = { kind: 'page'; url: URL; status: number; html: string } | { kind: 'callback'; url: URL };

/**
 * A headless browser enough for the sign-in providers' pages (tests only): real HTTP on
 * loopback, one cookie jar per origin (browsers keep cookies per host), redirects followed by hand
 * until a provider's page or the relying party's callback, which is left for the caller to deliver.
 */
export class ProviderBrowser {
  private readonly jars = new Map<string, CookieJar>();

  /** `callbackUrl`: the relying party's redirect URI; the chain stops there. */
  constructor(private readonly callbackUrl: string) {}

  async open(start: string | URL, form?: Record<string, string>): Promise<ProviderVisit> {
    let url = new URL(start);
    let body: URLSearchParams | undefined = form && new URLSearchParams(form);
    for (let hop = 0; hop < 20; hop += 1) {
      if (url.href.startsWith(this.callbackUrl)) return { kind: 'callback', url };
      const jar = this.jar(url.origin);
      const cookie = jar.header();
      const res = await fetchRetryingGet(url, {
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
  async submit(page: ProviderVisit, step: string, fields: Record<string, string> = {}): Promise<ProviderVisit> {
    if (page.kind !== 'page') throw new Error(`no page to submit: at ${page.url.href}`);
    const action = [...page.html.matchAll(/<form[^>]*action="([^"]+)"/g)].map((m) => m[1] as string).find((a) => a.endsWith(`/${step}`));
    if (!action) throw new Error(`no /${step} form on ${page.url.href} (${page.status})`);
    return this.open(new URL(action.replaceAll('&amp;', '&'), page.url), fields);
  }

  private jar(origin: string): CookieJar {
    let jar = this.jars.get(origin);
    if (!jar) this.jars.set(origin, (jar = new CookieJar()));
    return jar;
  }
}

/**
 * fetch, but a GET that fails on a kept-alive connection the server has just closed (a provider
 * restarted in this same process, before the client saw the close) is sent once more, as browsers do.
 */
export async function fetchRetryingGet(url: URL | string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if ((init.method ?? 'GET') !== 'GET' || code !== 'UND_ERR_SOCKET') throw err;
    return fetch(url, init);
  }
}
