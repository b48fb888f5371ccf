import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as client from 'openid-client';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../free-port.js';
import { fetchRetryingGet, ProviderBrowser, type ProviderVisit } from './provider-browser.js';
import { startSocialIdp, type SocialIdp } from './social-idp.js';
import { startUserPool, type UserPool } from './user-pool.js';

/** Never contacted: the flow stops at the redirect to it, as a browser would hand the code to the shop. */
const SHOP_CALLBACK = 'http://127.0.0.1:9/api/auth/oidc/callback';
const SHOP = { clientId: 'shop', clientSecret: 'shop-secret-0123456789', redirectUris: [SHOP_CALLBACK], postLogoutRedirectUris: ['http://127.0.0.1:9/'] };
const POOL_AT_KAKAO = { clientId: 'user-pool', clientSecret: 'pool-secret-0123456789' };
const KAKAO_USER = { sub: 'kakao-4242', email: 'minji@kakao.example', emailVerified: true, name: '김민지', password: 'kakao-password' };
const POOL_USER = { email: 'staff@evermall.example', emailVerified: true, name: 'Staff Member', password: 'right-password', groups: ['staff'] };

/** The shop's side: openid-client 6 with PKCE, state and nonce. */
async function shopSignIn(pool: UserPool, extra: Record<string, string> = {}) {
  const config = await client.discovery(new URL(pool.issuer), SHOP.clientId, SHOP.clientSecret, undefined, { execute: [client.allowInsecureRequests] });
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: SHOP_CALLBACK,
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return {
    url,
    redeem: (callback: ProviderVisit) => {
      if (callback.kind !== 'callback') throw new Error(`expected the shop's callback, got a ${callback.status} page at ${callback.url.href}`);
      return client.authorizationCodeGrant(config, callback.url, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    },
  };
}

describe('user pool and social IdP', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function startBoth(options: { poolDataDir?: string; poolPort?: number } = {}): Promise<{ pool: UserPool; kakao: SocialIdp }> {
    const poolPort = options.poolPort ?? (await freePort());
    const kakao = await startSocialIdp({
      users: [KAKAO_USER],
      clients: [{ ...POOL_AT_KAKAO, redirectUris: [`http://127.0.0.2:${poolPort}/federation/callback`] }],
    });
    cleanups.push(() => kakao.close());
    const pool = await startUserPool({
      port: poolPort,
      dataDir: options.poolDataDir,
      users: [POOL_USER],
      clients: [SHOP],
      social: [{ name: 'Kakao', issuer: kakao.issuer, ...POOL_AT_KAKAO }],
    });
    cleanups.push(() => pool.close());
    return { pool, kakao };
  }

  function tempDir(): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'oidc-test-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  it('signs in through Kakao with identity_provider=Kakao: Cognito-like claims, the same pool user next time, a code redeemed once', async () => {
    const { pool, kakao } = await startBoth();
    expect(pool.issuer).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
    expect(kakao.issuer).toMatch(/^http:\/\/127\.0\.0\.3:\d+$/);
    expect(pool.socialRedirectUri).toBe(`${pool.issuer}/federation/callback`);
    const browser = new ProviderBrowser(SHOP_CALLBACK);

    const shop = await shopSignIn(pool, { identity_provider: 'Kakao' });
    const kakaoPage = await browser.open(shop.url);
    expect(kakaoPage.kind === 'page' && kakaoPage.url.origin).toBe(kakao.issuer);
    expect(kakaoPage.kind === 'page' && kakaoPage.html).toContain('카카오로 로그인');
    const callback = await browser.submit(kakaoPage, 'login', { email: KAKAO_USER.email, password: KAKAO_USER.password });
    const tokens = await shop.redeem(callback);
    const claims = tokens.claims();
    expect(claims).toMatchObject({ iss: pool.issuer, aud: SHOP.clientId, email: KAKAO_USER.email, email_verified: true, name: KAKAO_USER.name });
    expect(claims?.identities).toEqual([expect.objectContaining({ providerName: 'Kakao', userId: KAKAO_USER.sub })]);
    expect(claims?.['cognito:groups']).toBeUndefined();
    expect(claims?.sub).not.toBe(KAKAO_USER.sub);

    // The code is spent: a replayed callback is refused.
    await expect(shop.redeem(callback)).rejects.toMatchObject({ error: 'invalid_grant' });

    // Both providers remember the browser: the next sign-in asks for nothing and lands on the same pool user.
    const again = await shopSignIn(pool, { identity_provider: 'Kakao' });
    const second = await again.redeem(await browser.open(again.url));
    expect(second.claims()?.sub).toBe(claims?.sub);
  });

  it('lets a new person create a Kakao account on the way, and a cancel there comes back to the shop as access_denied', async () => {
    const { pool } = await startBoth();
    const shop = await shopSignIn(pool, { identity_provider: 'Kakao' });
    const browser = new ProviderBrowser(SHOP_CALLBACK);
    const signIn = await browser.open(shop.url);
    const signUp = await browser.open(new URL(signIn.kind === 'page' ? (/href="([^"]+\/signup)"/.exec(signIn.html)?.[1] ?? '') : '', signIn.url));
    expect(signUp.kind === 'page' && signUp.html).toContain('Create account');
    const callback = await browser.submit(signUp, 'signup', { email: 'new@kakao.example', name: 'New Person', password: 'a-new-password' });
    expect((await shop.redeem(callback)).claims()).toMatchObject({ email: 'new@kakao.example', email_verified: true, name: 'New Person' });

    const other = await shopSignIn(pool, { identity_provider: 'Kakao' });
    const stranger = new ProviderBrowser(SHOP_CALLBACK);
    const cancelled = await stranger.submit(await stranger.open(other.url), 'abort', {});
    expect(cancelled.kind === 'callback' && cancelled.url.searchParams.get('error')).toBe('access_denied');
  });

  it("shows the pool's own form without identity_provider: a wrong password shows it again with an error, the right one signs in with the user's groups", async () => {
    const { pool } = await startBoth();
    const shop = await shopSignIn(pool);
    const browser = new ProviderBrowser(SHOP_CALLBACK);
    const form = await browser.open(shop.url);
    expect(form.kind === 'page' && form.html).toMatch(/Email[\s\S]*Password[\s\S]*Sign in[\s\S]*Continue with Kakao/);

    const wrong = await browser.submit(form, 'login', { email: POOL_USER.email, password: 'wrong-password' });
    expect(wrong.kind === 'page' && wrong.status).toBe(200);
    expect(wrong.kind === 'page' && wrong.html).toContain('Incorrect username or password.');
    const callback = await browser.submit(wrong, 'login', { email: POOL_USER.email, password: POOL_USER.password });
    const claims = (await shop.redeem(callback)).claims();
    expect(claims).toMatchObject({ email: POOL_USER.email, name: POOL_USER.name, 'cognito:groups': ['staff'] });
    expect(claims?.identities).toBeUndefined();
  });

  it('keeps its signing keys, users and signed-in browsers across a restart with a dataDir', async () => {
    const dataDir = tempDir();
    const poolPort = await freePort();
    const first = await startBoth({ poolDataDir: dataDir, poolPort });
    const jwks = async (pool: UserPool) => ((await (await fetchRetryingGet(`${pool.issuer}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    const kidsBefore = await jwks(first.pool);
    const browser = new ProviderBrowser(SHOP_CALLBACK);
    const shop = await shopSignIn(first.pool);
    const signIn = await browser.open(shop.url);
    const sub = (await shop.redeem(await browser.submit(signIn, 'login', { email: POOL_USER.email, password: POOL_USER.password }))).claims()?.sub;

    await first.pool.close();
    const pool = await startUserPool({ port: poolPort, dataDir, users: [POOL_USER], clients: [SHOP], social: [] });
    cleanups.push(() => pool.close());
    expect(await jwks(pool)).toEqual(kidsBefore);
    // The session cookie from before the restart still signs the browser in, as the same user.
    const after = await shopSignIn(pool);
    expect((await after.redeem(await browser.open(after.url))).claims()?.sub).toBe(sub);
  });

  it('refuses connections while down, answers again when up, and a pool whose social IdP is down fails the sign-in clearly', async () => {
    const { pool, kakao } = await startBoth();
    await pool.setDown(true);
    await expect(fetch(`${pool.issuer}/.well-known/openid-configuration`)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
    await pool.setDown(false);
    expect((await fetch(`${pool.issuer}/.well-known/openid-configuration`)).status).toBe(200);

    await kakao.setDown(true);
    const shop = await shopSignIn(pool, { identity_provider: 'Kakao' });
    const back = await new ProviderBrowser(SHOP_CALLBACK).open(shop.url);
    expect(back.kind === 'callback' && Object.fromEntries(back.url.searchParams)).toMatchObject({ error: 'temporarily_unavailable' });
  });
});
