import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, startSocialIdp, startUserPool, type OidcUser, type SocialIdp, type UserPool } from '@evermall/testkit';
import { createTestShop, type TestShop } from '../../testing/index.js';
import { loginShopper, registerShopper } from '../../testing/shoppers.js';
import { stockProduct } from '../../testing/stocked-products.js';
import { SignInBrowser, type Visit } from './sign-in-browser.js';

/** Never contacted: the browser stops there and the test hands the callback to `app.inject()`. */
const CALLBACK = 'http://127.0.0.1:9/api/auth/oidc/callback';
const SHOP_CLIENT = { clientId: 'evermall-shop', clientSecret: 'shop-secret-0123456789abcdef', redirectUris: [CALLBACK] };
/** Another relying party registered at the same pool: its codes and tokens are not the shop's. */
const OTHER_CLIENT = { clientId: 'other-app', clientSecret: 'other-secret-0123456789abcdef', redirectUris: ['http://127.0.0.1:9/other/callback'] };
const POOL_AT_KAKAO = { clientId: 'user-pool', clientSecret: 'pool-secret-0123456789abcdef' };

const checkoutBody = {
  shipping: { name: 'Alex Kim', phone: '+82 10 5555 0000', address1: '1 Teheran-ro', postalCode: '06236' },
  payment: { card: '4242424242424242' },
};

let kakaoUsers = 0;
/** A Kakao account the social IdP knows, with a fresh email. */
function kakaoUser(kakao: SocialIdp, overrides: Partial<OidcUser> = {}): OidcUser {
  kakaoUsers += 1;
  const user: OidcUser = {
    email: `kakao-${kakaoUsers}-${randomUUID().slice(0, 8)}@kakao.example`,
    emailVerified: true,
    name: `카카오 ${kakaoUsers}`,
    password: 'kakao-password-1',
    ...overrides,
  };
  kakao.addUser(user);
  return user;
}

function shopEnv(pool: UserPool, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OIDC_ISSUER_URL: pool.issuer,
    OIDC_CLIENT_ID: SHOP_CLIENT.clientId,
    OIDC_CLIENT_SECRET: SHOP_CLIENT.clientSecret,
    OIDC_REDIRECT_URL: CALLBACK,
    OIDC_PROVIDERS: 'kakao:Kakao',
    OIDC_STAFF_GROUP: 'staff',
    ...extra,
  };
}

async function startProviders(options: { poolPort?: number; dataDir?: string } = {}): Promise<{ pool: UserPool; kakao: SocialIdp }> {
  const poolPort = options.poolPort ?? (await freePort());
  const kakao = await startSocialIdp({ clients: [{ ...POOL_AT_KAKAO, redirectUris: [`http://127.0.0.2:${poolPort}/federation/callback`] }] });
  const pool = await startUserPool({
    port: poolPort,
    dataDir: options.dataDir,
    clients: [SHOP_CLIENT, OTHER_CLIENT],
    social: [{ name: 'Kakao', issuer: kakao.issuer, ...POOL_AT_KAKAO }],
  });
  return { pool, kakao };
}

/** What a refused callback must leave alone: nobody created, linked or signed in. */
async function counts(shop: TestShop) {
  const [row] = await shop.sql<{ users: number; identities: number; sessions: number; links: number }[]>`
    SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM user_identities) AS identities,
           (SELECT count(*)::int FROM sessions) AS sessions, (SELECT count(*)::int FROM oidc_pending_links) AS links`;
  return row!;
}

const me = (browser: SignInBrowser) => browser.shop('GET', '/api/auth/me');

describe('sign-in through the user pool (a real OpenID Connect provider federating a social IdP)', () => {
  let pool: UserPool;
  let kakao: SocialIdp;
  let shop: TestShop;
  const browser = () => new SignInBrowser(shop.app, CALLBACK);

  beforeAll(async () => {
    ({ pool, kakao } = await startProviders());
    shop = await createTestShop(inject('pgAdminUrl'), shopEnv(pool));
  });
  afterAll(async () => {
    await shop?.close();
    await pool?.close();
    await kakao?.close();
  });

  it('lists the configured providers and sends the browser to the pool with identity_provider, PKCE, state and nonce, bound by a cookie', async () => {
    const b = browser();
    expect((await b.shop('GET', '/api/auth/oidc/providers')).json()).toEqual({ providers: [{ key: 'kakao', name: 'Kakao' }] });

    const unknown = await b.shop('GET', '/api/auth/oidc/google/start');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('SIGN_IN_PROVIDER_UNKNOWN');

    const start = await b.shop('GET', '/api/auth/oidc/kakao/start?next=%2Fcheckout%3Fstep%3D2');
    expect(start.statusCode).toBe(302);
    const location = new URL(String(start.headers.location));
    expect(location.origin).toBe(pool.issuer);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      client_id: SHOP_CLIENT.clientId,
      redirect_uri: CALLBACK,
      response_type: 'code',
      scope: 'openid email profile',
      identity_provider: 'Kakao',
      code_challenge_method: 'S256',
    });
    const setCookie = String(start.headers['set-cookie']);
    expect(setCookie).toMatch(/evermall_sign_in=.*HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Max-Age=600/);
    expect(setCookie).toMatch(/Path=\/api\/auth\/oidc/);
    const [attempt] = await shop.sql<{ next_path: string; nonce: string; code_verifier: string }[]>`
      SELECT next_path, nonce, code_verifier FROM oidc_attempts WHERE state = ${location.searchParams.get('state')}`;
    expect(attempt).toMatchObject({ next_path: '/checkout?step=2', nonce: location.searchParams.get('nonce') });
    // The verifier stays on the server; only its S256 challenge went to the pool.
    expect(location.href).not.toContain(attempt!.code_verifier);

    // An unsafe next is stored as the home page.
    const offsite = await b.shop('GET', `/api/auth/oidc/kakao/start?next=${encodeURIComponent('//evil.example/x')}`);
    const [home] = await shop.sql<{ next_path: string }[]>`
      SELECT next_path FROM oidc_attempts WHERE state = ${new URL(String(offsite.headers.location)).searchParams.get('state')}`;
    expect(home?.next_path).toBe('/');
  });

  it("creates a customer for a new verified shopper, signs them in with the shop's own session, and brings the same account back next time", async () => {
    const user = kakaoUser(kakao, { name: '김하늘' });
    const product = await stockProduct(shop.sql, { stock: 5 });
    const b = browser();
    // An anonymous cart is merged at sign-in, as at a password login.
    await b.shop('POST', '/api/cart/items', { payload: { productId: product.id, quantity: 2 } });
    expect(b.shopCookies.header()).toMatch(/evermall_cart=/);

    const signedIn = await b.deliver(await b.signInAtProvider('kakao', user, '/orders'));
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json()).toMatchObject({ user: { email: user.email, name: '김하늘', role: 'customer' }, next: '/orders' });
    expect(String(signedIn.headers['set-cookie'])).toMatch(/evermall_session=.*HttpOnly/);
    const userId = signedIn.json().user.id as number;
    expect((await me(b)).json().user).toMatchObject({ id: userId, email: user.email });
    expect(b.shopCookies.header()).not.toMatch(/evermall_cart=/);
    const cart = (await b.shop('GET', '/api/cart')).json();
    expect(cart.lines).toEqual([expect.objectContaining({ productId: product.id, quantity: 2 })]);

    const [row] = await shop.sql<{ password_hash: string | null }[]>`SELECT password_hash FROM users WHERE id = ${userId}`;
    expect(row?.password_hash).toBeNull();
    const identities = await shop.sql<{ issuer: string; email: string }[]>`SELECT issuer, email FROM user_identities WHERE user_id = ${userId}`;
    expect(identities).toEqual([{ issuer: pool.issuer, email: user.email }]);

    const order = await b.shop('POST', '/api/checkout', { payload: checkoutBody, headers: { 'idempotency-key': randomUUID() } });
    expect(order.statusCode).toBe(201);

    // No password: a password login fails as any wrong password does, and there is none to change.
    const passwordLogin = await shop.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: user.password } });
    expect(passwordLogin.statusCode).toBe(401);
    expect(passwordLogin.json().error.code).toBe('INVALID_CREDENTIALS');
    const change = await b.shop('POST', '/api/auth/password', { payload: { currentPassword: 'anything at all', newPassword: 'a brand new password 42' } });
    expect(change.statusCode).toBe(409);
    expect(change.json().error.code).toBe('PASSWORD_NOT_SET');

    // Another device, as a browser: straight back to `next`, the same account, its order history kept.
    const other = browser();
    const again = await other.deliver(await other.signInAtProvider('kakao', user, '/orders'), 'page');
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe('/orders');
    expect((await me(other)).json().user.id).toBe(userId);
    const orders = (await other.shop('GET', '/api/orders')).json();
    expect(orders.items.map((o: { id: number }) => o.id)).toEqual([order.json().id]);
    expect(await shop.sql`SELECT 1 FROM users WHERE lower(email) = lower(${user.email})`).toHaveLength(1);
  });

  it('never links a verified email to a local account silently: the local password proves it, a wrong one is refused and the link waits', async () => {
    const local = await registerShopper(shop.app, { email: `linker-${randomUUID().slice(0, 8)}@example.test` });
    const user = kakaoUser(kakao, { email: local.email.toUpperCase() });
    const before = await counts(shop);

    const b = browser();
    const callback = await b.signInAtProvider('kakao', user, '/checkout');
    const required = await b.deliver(callback);
    expect(required.statusCode).toBe(409);
    const { code, details } = required.json().error;
    expect(code).toBe('ACCOUNT_LINK_REQUIRED');
    expect(details).toMatchObject({ provider: 'kakao', email: local.email, token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(b.shopCookies.header()).not.toMatch(/evermall_session=/);
    expect(await counts(shop)).toEqual({ ...before, links: before.links + 1 });

    // A browser is sent to the storefront's link page instead.
    const pageBrowser = browser();
    const toLinkPage = await pageBrowser.deliver(await pageBrowser.signInAtProvider('kakao', user), 'page');
    expect(toLinkPage.statusCode).toBe(303);
    expect(String(toLinkPage.headers.location)).toMatch(/^\/login\/link\?token=[A-Za-z0-9_-]{43}&provider=kakao$/);

    const wrong = await b.shop('POST', '/api/auth/oidc/link', { payload: { token: details.token, password: 'not the password' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('INVALID_CREDENTIALS');
    expect(await shop.sql`SELECT 1 FROM user_identities WHERE user_id = ${local.userId}`).toHaveLength(0);

    const linked = await b.shop('POST', '/api/auth/oidc/link', { payload: { token: details.token, password: local.password } });
    expect(linked.statusCode).toBe(200);
    expect(linked.json()).toMatchObject({ user: { id: local.userId, email: local.email }, next: '/checkout' });
    expect((await me(b)).json().user.id).toBe(local.userId);
    expect(await shop.sql`SELECT 1 FROM user_identities WHERE user_id = ${local.userId}`).toHaveLength(1);

    // The token was single use; the identity now signs in directly, and the password still works.
    const reused = await b.shop('POST', '/api/auth/oidc/link', { payload: { token: details.token, password: local.password } });
    expect(reused.statusCode).toBe(400);
    expect(reused.json().error.code).toBe('SIGN_IN_EXPIRED');
    const later = browser();
    const direct = await later.deliver(await later.signInAtProvider('kakao', user));
    expect(direct.statusCode).toBe(200);
    expect(direct.json().user.id).toBe(local.userId);
    expect(await loginShopper(shop.app, local.email, local.password)).toMatch(/evermall_session=/);
  });

  it('refuses an unverified email: nothing is created, nothing linked, no link offered', async () => {
    const fresh = kakaoUser(kakao, { emailVerified: false });
    const local = await registerShopper(shop.app, { email: `unverified-${randomUUID().slice(0, 8)}@example.test` });
    const claimsLocal = kakaoUser(kakao, { email: local.email, emailVerified: false });
    const before = await counts(shop);
    for (const user of [fresh, claimsLocal]) {
      const b = browser();
      const res = await b.deliver(await b.signInAtProvider('kakao', user));
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('EMAIL_NOT_VERIFIED');
    }
    const page = browser();
    const res = await page.deliver(await page.signInAtProvider('kakao', fresh), 'page');
    expect(res.headers.location).toBe('/login?signInError=EMAIL_NOT_VERIFIED');
    expect(await counts(shop)).toEqual(before);
  });

  describe('bad callbacks get a clear 4xx and create nothing', () => {
    async function refused(res: { statusCode: number; json: () => { error: { code: string } } }, status: number, code: string) {
      expect(res.statusCode).toBe(status);
      expect(res.json().error.code).toBe(code);
    }

    it('an unknown state, or none', async () => {
      const before = await counts(shop);
      const b = browser();
      const callback = await b.signInAtProvider('kakao', kakaoUser(kakao));
      const forged = new URL(callback.url);
      forged.searchParams.set('state', 'not-a-state-the-shop-sent');
      await refused(await b.deliver({ kind: 'callback', url: forged }), 400, 'SIGN_IN_EXPIRED');
      await refused(await b.shop('GET', '/api/auth/oidc/callback?code=abc'), 400, 'SIGN_IN_EXPIRED');
      const page = await b.deliver({ kind: 'callback', url: forged }, 'page');
      expect(page.statusCode).toBe(303);
      expect(page.headers.location).toBe('/login?signInError=SIGN_IN_EXPIRED');
      expect(await counts(shop)).toEqual(before);
    });

    it('a callback without the browser cookie that started it, or with another browser’s (login CSRF)', async () => {
      const before = await counts(shop);
      const victim = browser();
      const attacker = browser();
      // The attacker's own sign-in, finished in the victim's browser: it has no sign-in cookie.
      const attackersCallback = await attacker.signInAtProvider('kakao', kakaoUser(kakao));
      await refused(await victim.deliver(attackersCallback), 400, 'SIGN_IN_STATE_MISMATCH');
      // The victim has started a sign-in of their own, so holds a sign-in cookie: not this attempt's.
      await victim.shop('GET', '/api/auth/oidc/kakao/start', { asking: 'page' });
      const attacker2 = browser();
      const another = await attacker2.signInAtProvider('kakao', kakaoUser(kakao));
      await refused(await victim.deliver(another), 400, 'SIGN_IN_STATE_MISMATCH');
      // A state works once, even a refused one: the attacker cannot use it afterwards either.
      await refused(await attacker2.deliver(another), 400, 'SIGN_IN_EXPIRED');
      expect(await counts(shop)).toEqual(before);
    });

    it('a replayed callback, and a used code brought back with a fresh state', async () => {
      const user = kakaoUser(kakao);
      const b = browser();
      const callback = await b.signInAtProvider('kakao', user);
      expect((await b.deliver(callback)).statusCode).toBe(200);
      const before = await counts(shop);
      await refused(await b.deliver(callback), 400, 'SIGN_IN_EXPIRED');

      const start = await b.shop('GET', '/api/auth/oidc/kakao/start', { asking: 'page' });
      const reused = new URL(callback.url);
      reused.searchParams.set('state', new URL(String(start.headers.location)).searchParams.get('state')!);
      await refused(await b.deliver({ kind: 'callback', url: reused }), 400, 'SIGN_IN_CODE_INVALID');
      expect(await counts(shop)).toEqual(before);
    });

    it('an attempt older than its life', async () => {
      const before = await counts(shop);
      const b = browser();
      const callback = await b.signInAtProvider('kakao', kakaoUser(kakao));
      await shop.sql`UPDATE oidc_attempts SET expires_at = now() - interval '1 second' WHERE state = ${callback.url.searchParams.get('state')}`;
      await refused(await b.deliver(callback), 400, 'SIGN_IN_EXPIRED');
      expect(await counts(shop)).toEqual(before);
    });

    it('a sign-in cancelled at the provider (access_denied)', async () => {
      const before = await counts(shop);
      const b = browser();
      const cancelled = await b.submit(await b.start('kakao'), 'abort');
      expect(cancelled.kind === 'callback' && cancelled.url.searchParams.get('error')).toBe('access_denied');
      await refused(await b.deliver(cancelled), 400, 'SIGN_IN_CANCELLED');
      const again = browser();
      const page = await again.deliver(await again.submit(await again.start('kakao'), 'abort'), 'page');
      expect(page.headers.location).toBe('/login?signInError=SIGN_IN_CANCELLED');
      expect(await counts(shop)).toEqual(before);
    });

    it("a code the pool issued to another client, fed to the shop's callback with the shop's own state", async () => {
      const before = await counts(shop);
      const b = browser();
      const start = await b.shop('GET', '/api/auth/oidc/kakao/start', { asking: 'page' });
      const shopRequest = new URL(String(start.headers.location));
      // The same authorization request, as the other client: its own redirect URI, the shop's PKCE challenge and nonce.
      const otherRequest = new URL(shopRequest);
      otherRequest.searchParams.set('client_id', OTHER_CLIENT.clientId);
      otherRequest.searchParams.set('redirect_uri', OTHER_CLIENT.redirectUris[0]!);
      const otherBrowser = new SignInBrowser(shop.app, OTHER_CLIENT.redirectUris[0]!);
      const user = kakaoUser(kakao);
      const othersCallback = await otherBrowser.submit(await otherBrowser.open(otherRequest), 'login', { email: user.email, password: user.password });
      expect(othersCallback.kind).toBe('callback');
      const fed = new URL(CALLBACK);
      fed.search = othersCallback.url.search;
      await refused(await b.deliver({ kind: 'callback', url: fed }), 400, 'SIGN_IN_CODE_INVALID');
      expect(await counts(shop)).toEqual(before);
    });

    it('junk in the callback and the link answers below 500 with a code', async () => {
      const b = browser();
      const junk = ['?state=%00', `?state=${'a'.repeat(3000)}`, '?error=access_denied', '?code=&state=', '?state=x&state=y', '?iss=http://evil.example&state=z'];
      for (const query of junk) {
        const res = await b.shop('GET', `/api/auth/oidc/callback${query}`);
        expect(res.statusCode, query).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, query).toBeLessThan(500);
        expect(typeof res.json().error.code).toBe('string');
      }
      const link = await b.shop('POST', '/api/auth/oidc/link', { payload: { token: 'A'.repeat(43), password: 'x' } });
      expect(link.statusCode).toBe(400);
      expect(link.json().error.code).toBe('SIGN_IN_EXPIRED');
    });
  });

  describe('staff', () => {
    it("comes from the pool's staff group claim or the shop's own role, never from a social profile", async () => {
      // A Kakao shopper: a customer, whatever the profile says.
      const user = kakaoUser(kakao, { name: 'admin' });
      const b = browser();
      const first = await b.deliver(await b.signInAtProvider('kakao', user));
      expect(first.json().user.role).toBe('customer');
      expect((await b.shop('GET', '/api/admin/orders')).statusCode).toBe(403);

      // The pool's administrators put the same pool user in the staff group: its next session is staff,
      // and the shop's own data is unchanged.
      const [identity] = await shop.sql<{ subject: string; user_id: number }[]>`SELECT subject, user_id FROM user_identities WHERE email = ${user.email}`;
      pool.addUser({ sub: identity!.subject, email: user.email, emailVerified: true, name: user.name, password: 'pool-side-password', groups: ['staff'] });
      const staff = browser();
      const signedIn = await staff.deliver(await staff.signInAtProvider('kakao', user));
      expect(signedIn.statusCode).toBe(200);
      expect((await me(staff)).json().user.role).toBe('admin');
      expect((await staff.shop('GET', '/api/admin/orders')).statusCode).toBe(200);
      const [row] = await shop.sql<{ role: string }[]>`SELECT role FROM users WHERE id = ${identity!.user_id}`;
      expect(row?.role).toBe('customer');
      // The earlier session, signed in without the group, stays a customer's.
      expect((await me(b)).json().user.role).toBe('customer');

      // Another group is not the staff group.
      pool.addUser({ sub: identity!.subject, email: user.email, emailVerified: true, name: user.name, password: 'pool-side-password', groups: ['vip'] });
      const vip = browser();
      await vip.deliver(await vip.signInAtProvider('kakao', user));
      expect((await me(vip)).json().user.role).toBe('customer');
    });

    it("a staff account of the shop's own (users.role) is staff when signing in through the pool, once linked by its password", async () => {
      const local = await registerShopper(shop.app, { email: `staff-${randomUUID().slice(0, 8)}@example.test` });
      await shop.sql`UPDATE users SET role = 'admin' WHERE id = ${local.userId}`;
      const user = kakaoUser(kakao, { email: local.email });
      const b = browser();
      // Its email alone signs nobody in as staff.
      const required = await b.deliver(await b.signInAtProvider('kakao', user));
      expect(required.json().error.code).toBe('ACCOUNT_LINK_REQUIRED');
      expect((await b.shop('GET', '/api/admin/orders')).statusCode).toBe(401);
      const linked = await b.shop('POST', '/api/auth/oidc/link', { payload: { token: required.json().error.details.token, password: local.password } });
      expect(linked.json().user.role).toBe('admin');
      expect((await b.shop('GET', '/api/admin/orders')).statusCode).toBe(200);
    });

    it('ignores the group claim when OIDC_STAFF_GROUP is not set', async () => {
      const withoutGroup = await createTestShop(inject('pgAdminUrl'), shopEnv(pool, { OIDC_STAFF_GROUP: '' }));
      try {
        const user = kakaoUser(kakao);
        const b = new SignInBrowser(withoutGroup.app, CALLBACK);
        await b.deliver(await b.signInAtProvider('kakao', user));
        const [identity] = await withoutGroup.sql<{ subject: string }[]>`SELECT subject FROM user_identities`;
        pool.addUser({ sub: identity!.subject, email: user.email, emailVerified: true, name: user.name, password: 'pool-side-password', groups: ['staff'] });
        const again = new SignInBrowser(withoutGroup.app, CALLBACK);
        await again.deliver(await again.signInAtProvider('kakao', user));
        expect((await me(again)).json().user.role).toBe('customer');
      } finally {
        await withoutGroup.close();
      }
    });
  });
});

describe('sign-in through the pool when it is not configured', () => {
  it('lists no provider and answers every provider with 404 SIGN_IN_PROVIDER_UNKNOWN', async () => {
    const shop = await createTestShop(inject('pgAdminUrl'));
    try {
      const b = new SignInBrowser(shop.app, CALLBACK);
      expect((await b.shop('GET', '/api/auth/oidc/providers')).json()).toEqual({ providers: [] });
      for (const url of ['/api/auth/oidc/kakao/start', '/api/auth/oidc/callback?code=x&state=y']) {
        const res = await b.shop('GET', url);
        expect(res.statusCode, url).toBe(404);
        expect(res.json().error.code).toBe('SIGN_IN_PROVIDER_UNKNOWN');
      }
      const link = await b.shop('POST', '/api/auth/oidc/link', { payload: { token: 'A'.repeat(43), password: 'x' } });
      expect(link.json().error.code).toBe('SIGN_IN_PROVIDER_UNKNOWN');
    } finally {
      await shop.close();
    }
  });
});

describe('sign-in when the pool or its social IdP is down', () => {
  let pool: UserPool;
  let kakao: SocialIdp;
  let shop: TestShop;
  beforeAll(async () => {
    ({ pool, kakao } = await startProviders());
    shop = await createTestShop(inject('pgAdminUrl'), shopEnv(pool));
  });
  afterAll(async () => {
    await shop?.close();
    await pool?.close();
    await kakao?.close();
  });

  it('answers 503 SIGN_IN_UNAVAILABLE and writes nothing, while local accounts and browsing keep working', async () => {
    await pool.setDown(true);
    try {
      const b = new SignInBrowser(shop.app, CALLBACK);
      const start = await b.shop('GET', '/api/auth/oidc/kakao/start');
      expect(start.statusCode).toBe(503);
      expect(start.json().error).toMatchObject({ code: 'SIGN_IN_UNAVAILABLE', message: expect.stringMatching(/not possible right now/) });
      const page = await b.shop('GET', '/api/auth/oidc/kakao/start', { asking: 'page' });
      expect(page.statusCode).toBe(303);
      expect(page.headers.location).toBe('/login?signInError=SIGN_IN_UNAVAILABLE');
      expect(await shop.sql`SELECT 1 FROM oidc_attempts`).toHaveLength(0);
      expect(b.shopCookies.header()).toBeUndefined();

      const shopper = await registerShopper(shop.app);
      expect(await loginShopper(shop.app, shopper.email, shopper.password)).toMatch(/evermall_session=/);
      expect((await shop.app.inject({ method: 'GET', url: '/api/products' })).statusCode).toBe(200);
      expect((await shop.app.inject({ method: 'GET', url: '/api/auth/oidc/providers' })).json().providers).toHaveLength(1);
    } finally {
      await pool.setDown(false);
    }
    // Discovery was not cached while it failed: the pool back, sign-in works.
    const b = new SignInBrowser(shop.app, CALLBACK);
    const user = kakaoUser(kakao);
    expect((await b.deliver(await b.signInAtProvider('kakao', user))).statusCode).toBe(200);
  });

  it('a pool that goes down between the redirect and the callback fails the callback with 503, creating nothing', async () => {
    const b = new SignInBrowser(shop.app, CALLBACK);
    const callback = await b.signInAtProvider('kakao', kakaoUser(kakao));
    const before = await counts(shop);
    await pool.setDown(true);
    try {
      const res = await b.deliver(callback);
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('SIGN_IN_UNAVAILABLE');
    } finally {
      await pool.setDown(false);
    }
    expect(await counts(shop)).toEqual(before);
  });

  it('a social IdP that is down comes back from the pool as SIGN_IN_UNAVAILABLE', async () => {
    await kakao.setDown(true);
    try {
      const before = await counts(shop);
      const b = new SignInBrowser(shop.app, CALLBACK);
      const back = await b.start('kakao');
      expect(back.kind === 'callback' && back.url.searchParams.get('error')).toBe('temporarily_unavailable');
      const res = await b.deliver(back);
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('SIGN_IN_UNAVAILABLE');
      expect(await counts(shop)).toEqual(before);
    } finally {
      await kakao.setDown(false);
    }
  });
});

describe('an ID token signed with a key the shop does not know', () => {
  it('is refused with SIGN_IN_TOKEN_INVALID: the pool restarted with fresh keys between the redirect and the callback', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'evermall-pool-'));
    const poolPort = await freePort();
    const started = await startProviders({ poolPort, dataDir });
    const kakao = started.kakao;
    let pool = started.pool;
    const shop = await createTestShop(inject('pgAdminUrl'), shopEnv(pool));
    try {
      // A first sign-in: the shop now holds the pool's keys.
      const first = new SignInBrowser(shop.app, CALLBACK);
      expect((await first.deliver(await first.signInAtProvider('kakao', kakaoUser(kakao)))).statusCode).toBe(200);

      const b = new SignInBrowser(shop.app, CALLBACK);
      const callback: Visit = await b.signInAtProvider('kakao', kakaoUser(kakao));
      // Same issuer, same store (the code is still redeemable), new signing keys.
      await pool.close();
      rmSync(path.join(dataDir, 'jwks.json'));
      pool = await startUserPool({ port: poolPort, dataDir, clients: [SHOP_CLIENT], social: [{ name: 'Kakao', issuer: kakao.issuer, ...POOL_AT_KAKAO }] });
      const before = await counts(shop);
      const res = await b.deliver(callback);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('SIGN_IN_TOKEN_INVALID');
      expect(await counts(shop)).toEqual(before);
    } finally {
      await shop.close();
      await pool.close();
      await kakao.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
