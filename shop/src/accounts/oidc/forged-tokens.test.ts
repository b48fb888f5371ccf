import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestShop, type TestShop } from '../../testing/index.js';
import { SignInBrowser } from './sign-in-browser.js';

const CALLBACK = 'http://127.0.0.1:9/api/auth/oidc/callback';
const CLIENT_ID = 'evermall-shop';

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
}

function signingKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function jwt(key: { kid: string; privateKey: KeyObject }, claims: Record<string, unknown>): string {
  const signingInput = `${b64url({ alg: 'RS256', typ: 'JWT', kid: key.kid })}.${b64url(claims)}`;
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), key.privateKey).toString('base64url')}`;
}

/** What the token endpoint answers with, given the nonce the shop sent: one ID token per scenario. */
type TokenScenario = (nonce: string, issuer: string) => string;

/**
 * An issuer that answers the shop's token request with whatever ID token the test chooses: the
 * tokens no honest provider issues (another audience, an unpublished key, a tampered payload), so
 * the shop's refusal of each can be seen. Discovery and the published JWKS are well-formed; the
 * pool stand-in (sign-in.test.ts) covers honest providers.
 */
class ForgingIssuer {
  readonly published = signingKey();
  readonly unpublished = signingKey();
  scenario: TokenScenario = () => '';
  /** The nonce of the authorization request the test is finishing. */
  nonce = '';
  private readonly server: Server = createServer((req, res) => {
    const send = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', this.issuer);
    if (url.pathname === '/.well-known/openid-configuration') {
      return send(200, {
        issuer: this.issuer,
        authorization_endpoint: `${this.issuer}/authorize`,
        token_endpoint: `${this.issuer}/token`,
        jwks_uri: `${this.issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (url.pathname === '/jwks') return send(200, { keys: [this.published.publicJwk] });
    if (url.pathname === '/token' && req.method === 'POST') {
      req.resume();
      req.on('end', () => send(200, { access_token: randomUUID(), token_type: 'Bearer', expires_in: 3600, id_token: this.scenario(this.nonce, this.issuer) }));
      return;
    }
    send(404, { error: 'not_found' });
  });
  issuer = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Honest claims for a new verified shopper, before a scenario bends them. */
  claims(nonce: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    const sub = randomUUID();
    return { iss: this.issuer, sub, aud: CLIENT_ID, iat: now, exp: now + 300, nonce, email: `${sub}@example.test`, email_verified: true, name: 'Forged', ...overrides };
  }
}

describe('ID tokens the pool did not issue for the shop are refused with SIGN_IN_TOKEN_INVALID, creating nothing', () => {
  const issuer = new ForgingIssuer();
  let shop: TestShop;
  beforeAll(async () => {
    await issuer.start();
    shop = await createTestShop(inject('pgAdminUrl'), {
      OIDC_ISSUER_URL: issuer.issuer,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: 'shop-secret-0123456789abcdef',
      OIDC_REDIRECT_URL: CALLBACK,
      OIDC_PROVIDERS: 'kakao:Kakao',
    });
  });
  afterAll(async () => {
    await shop?.close();
    await issuer.close();
  });

  /** Starts a sign-in, has the issuer answer with the scenario's token, and delivers the callback. */
  async function signInWith(scenario: TokenScenario) {
    const browser = new SignInBrowser(shop.app, CALLBACK);
    const start = await browser.shop('GET', '/api/auth/oidc/kakao/start');
    expect(start.statusCode).toBe(302);
    const request = new URL(String(start.headers.location));
    issuer.nonce = request.searchParams.get('nonce') ?? '';
    issuer.scenario = scenario;
    const callback = new URL(CALLBACK);
    callback.search = new URLSearchParams({ code: randomUUID(), state: request.searchParams.get('state') ?? '' }).toString();
    return browser.deliver({ kind: 'callback', url: callback });
  }

  const users = async () => Number((await shop.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM users`)[0]!.n);

  it('accepts an honest token (so the refusals below are about the token alone)', async () => {
    const res = await signInWith((nonce) => jwt(issuer.published, issuer.claims(nonce)));
    expect(res.statusCode).toBe(200);
    expect(res.json().user.name).toBe('Forged');
  });

  const forgeries: [string, TokenScenario][] = [
    ['a token for another audience', (nonce) => jwt(issuer.published, issuer.claims(nonce, { aud: 'other-app' }))],
    ['a token from another issuer', (nonce) => jwt(issuer.published, issuer.claims(nonce, { iss: 'http://127.0.0.1:1' }))],
    ['a token signed with a key the issuer does not publish', (nonce) => jwt(issuer.unpublished, issuer.claims(nonce))],
    [
      "a token signed with another key under the published key's id",
      (nonce) => jwt({ kid: issuer.published.kid, privateKey: issuer.unpublished.privateKey }, issuer.claims(nonce)),
    ],
    [
      'a tampered token (payload changed after signing)',
      (nonce) => {
        const [header, , signature] = jwt(issuer.published, issuer.claims(nonce)).split('.');
        return `${header}.${b64url(issuer.claims(nonce, { email: 'victim@example.test' }))}.${signature}`;
      },
    ],
    ['a token with another nonce', () => jwt(issuer.published, issuer.claims('a-nonce-the-shop-never-sent'))],
    ['an expired token', (nonce) => jwt(issuer.published, issuer.claims(nonce, { iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }))],
    ['an unsigned token (alg none)', (nonce) => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(issuer.claims(nonce))}.`],
  ];

  for (const [what, scenario] of forgeries) {
    it(`refuses ${what}`, async () => {
      const before = await users();
      const res = await signInWith(scenario);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('SIGN_IN_TOKEN_INVALID');
      expect(String(res.headers['set-cookie'] ?? '')).not.toMatch(/evermall_session=/);
      expect(await users()).toBe(before);
    });
  }
});
