import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { CookieJar } from '@evermall/testkit';
import { SESSION_COOKIE } from '../plugins/sessions.js';

export interface Shopper {
  userId: number;
  email: string;
  password: string;
  /** A ready `cookie` header value carrying the signed session. */
  cookie: string;
}

/** The `name=value` pairs a response set, ready to send back as a `cookie` header (cleared ones dropped). */
export function cookiesFrom(res: LightMyRequestResponse, previous = ''): string {
  const jar = new CookieJar(previous);
  jar.store(res.headers['set-cookie']);
  return jar.header() ?? '';
}

/**
 * Registers a customer through the API (as a browser would) and returns its session cookie.
 * Pass `cookie` to carry an anonymous cart cookie into the registration.
 */
export async function registerShopper(app: FastifyInstance, options: { email?: string; password?: string; name?: string; cookie?: string } = {}): Promise<Shopper> {
  const email = options.email ?? `shopper-${randomBytes(5).toString('hex')}@example.test`;
  const password = options.password ?? `pw-${randomBytes(8).toString('hex')}`;
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/register',
    headers: options.cookie ? { cookie: options.cookie } : {},
    payload: { email, password, name: options.name ?? 'Test Shopper' },
  });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  const cookie = cookiesFrom(res);
  if (!cookie.includes(`${SESSION_COOKIE}=`)) throw new Error('register set no session cookie');
  return { userId: res.json<{ user: { id: number } }>().user.id, email, password, cookie };
}

/** Logs in through the API and returns the new session cookie. */
export async function loginShopper(app: FastifyInstance, email: string, password: string, cookie?: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    headers: cookie ? { cookie } : {},
    payload: { email, password },
  });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return cookiesFrom(res);
}
