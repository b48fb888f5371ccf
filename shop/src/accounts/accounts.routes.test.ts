import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestShop, type TestShop } from '../testing/index.js';
import { cookiesFrom, loginShopper, registerShopper } from '../testing/shoppers.js';
import { stockProduct } from '../testing/stocked-products.js';

describe('accounts', () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'), { LOGIN_RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(async () => shop.close());

  const me = (cookie?: string) => shop.app.inject({ method: 'GET', url: '/api/auth/me', headers: cookie ? { cookie } : {} });

  it('registers a customer, logs them in with an HttpOnly SameSite cookie and answers /me', async () => {
    const res = await shop.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: 'Jiwoo@Example.test', password: 'correct horse', name: '김지우' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().user).toMatchObject({ email: 'Jiwoo@Example.test', name: '김지우', role: 'customer' });
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/evermall_session=/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    const [row] = await shop.sql<{ password_hash: string }[]>`SELECT password_hash FROM users WHERE email = 'Jiwoo@Example.test'`;
    expect(row?.password_hash).toMatch(/^\$argon2id\$/);

    const who = await me(cookiesFrom(res));
    expect(who.statusCode).toBe(200);
    expect(who.json().user.name).toBe('김지우');
  });

  it('refuses a taken email in any case with 409 EMAIL_TAKEN', async () => {
    const first = await registerShopper(shop.app);
    const res = await shop.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: first.email.toUpperCase(), password: 'another password', name: 'Copy' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('EMAIL_TAKEN');
  });

  it('refuses short passwords and bad emails with 400', async () => {
    for (const payload of [
      { email: 'short@example.test', password: 'short', name: 'S' },
      { email: 'not-an-email', password: 'long enough password', name: 'S' },
      { email: 'noname@example.test', password: 'long enough password', name: '' },
    ]) {
      const res = await shop.app.inject({ method: 'POST', url: '/api/auth/register', payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('refuses blank, common and personal passwords with 400 WEAK_PASSWORD saying why, and creates no account', async () => {
    for (const [password, reason] of [
      ['12345678', 'common'],
      ['password', 'common'],
      ['        ', 'blank'],
      ['weak-one@example.test', 'personal'],
    ]) {
      const res = await shop.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: 'weak-one@example.test', password, name: 'Weak' } });
      expect(res.statusCode, password).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'WEAK_PASSWORD', details: { reason } });
      expect(res.json().error.message).toMatch(/password/i);
    }
    const [row] = await shop.sql<{ n: bigint }[]>`SELECT count(*) AS n FROM users WHERE email = 'weak-one@example.test'`;
    expect(Number(row?.n)).toBe(0);
  });

  it('changing the password ends every session of the account and keeps this browser logged in on a new one', async () => {
    const shopper = await registerShopper(shop.app);
    // Each step from its own address: this file allows 3 login attempts a minute per client.
    let address = 0;
    const from = () => `198.51.100.${100 + address++}`;
    const login = (password: string) => shop.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: from(), payload: { email: shopper.email, password } });
    const change = (cookie: string, payload: object) => shop.app.inject({ method: 'POST', url: '/api/auth/password', remoteAddress: from(), headers: { cookie }, payload });
    const elsewhere = cookiesFrom(await login(shopper.password));

    const wrong = await change(shopper.cookie, { currentPassword: 'not my password', newPassword: 'a brand new passphrase' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('WRONG_PASSWORD');
    const weak = await change(shopper.cookie, { currentPassword: shopper.password, newPassword: 'password1' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.code).toBe('WEAK_PASSWORD');
    expect((await me(elsewhere)).statusCode).toBe(200);

    const changed = await change(shopper.cookie, { currentPassword: shopper.password, newPassword: 'a brand new passphrase' });
    expect(changed.statusCode).toBe(204);
    expect((await me(elsewhere)).statusCode).toBe(401);
    expect((await me(shopper.cookie)).statusCode).toBe(401);
    expect((await me(cookiesFrom(changed, shopper.cookie))).json().user.email).toBe(shopper.email);
    const [row] = await shop.sql<{ n: bigint }[]>`SELECT count(*) AS n FROM sessions WHERE user_id = ${shopper.userId}`;
    expect(Number(row?.n)).toBe(1);
    expect((await login(shopper.password)).statusCode).toBe(401);
    expect((await login('a brand new passphrase')).statusCode).toBe(200);
  });

  it('answers a password change without a session with 401', async () => {
    const res = await shop.app.inject({ method: 'POST', url: '/api/auth/password', payload: { currentPassword: 'x', newPassword: 'a brand new passphrase' } });
    expect(res.statusCode).toBe(401);
  });

  it('answers 401 on /me when anonymous', async () => {
    const res = await me();
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('logs in with the right password and gives the same 401 for a wrong password and an unknown email', async () => {
    const shopper = await registerShopper(shop.app);
    const cookie = await loginShopper(shop.app, shopper.email, shopper.password);
    expect((await me(cookie)).json().user.email).toBe(shopper.email);

    const wrong = await shop.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: shopper.email, password: 'wrong password' } });
    const unknown = await shop.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'nobody@example.test', password: 'wrong password' } });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json().error.code).toBe('INVALID_CREDENTIALS');
  });

  it('logout deletes the session: the old cookie no longer works, even on another instance', async () => {
    const shopper = await registerShopper(shop.app);
    expect((await me(shopper.cookie)).statusCode).toBe(200);
    const out = await shop.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: shopper.cookie } });
    expect(out.statusCode).toBe(204);
    expect((await me(shopper.cookie)).statusCode).toBe(401);
    const [row] = await shop.sql<{ n: bigint }[]>`SELECT count(*) AS n FROM sessions WHERE user_id = ${shopper.userId}`;
    expect(Number(row?.n)).toBe(0);
  });

  it('merges the anonymous cart into the account at login, capped at stock', async () => {
    const product = await stockProduct(shop.sql, { stock: 5 });
    const other = await stockProduct(shop.sql, { stock: 9 });
    const shopper = await registerShopper(shop.app);
    // The account already holds 3 of `product`.
    await shop.app.inject({ method: 'POST', url: '/api/cart/items', headers: { cookie: shopper.cookie }, payload: { productId: product.id, quantity: 3 } });

    const anonymousAdd = await shop.app.inject({ method: 'POST', url: '/api/cart/items', payload: { productId: product.id, quantity: 4 } });
    expect(anonymousAdd.statusCode).toBe(200);
    const anonymousCookie = cookiesFrom(anonymousAdd);
    expect(anonymousCookie).toMatch(/evermall_cart=/);
    const anonymousAdd2 = await shop.app.inject({
      method: 'POST',
      url: '/api/cart/items',
      headers: { cookie: anonymousCookie },
      payload: { productId: other.id, quantity: 2 },
    });
    expect(anonymousAdd2.json().itemCount).toBe(6);

    const login = await shop.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: '198.51.100.9', // its own rate-limit bucket
      headers: { cookie: anonymousCookie },
      payload: { email: shopper.email, password: shopper.password },
    });
    expect(login.statusCode).toBe(200);
    const cookie = cookiesFrom(login, anonymousCookie);
    expect(cookie).not.toMatch(/evermall_cart=/);
    const cart = (await shop.app.inject({ method: 'GET', url: '/api/cart', headers: { cookie } })).json();
    const quantities = Object.fromEntries(cart.lines.map((l: { productId: number; quantity: number }) => [l.productId, l.quantity]));
    expect(quantities).toEqual({ [product.id]: 5, [other.id]: 2 });

    // The anonymous cart is gone: its old cookie now shows an empty cart.
    const stale = await shop.app.inject({ method: 'GET', url: '/api/cart', headers: { cookie: anonymousCookie } });
    expect(stale.json().lines).toEqual([]);
  });

  it('merges the anonymous cart into a new account at registration', async () => {
    const product = await stockProduct(shop.sql, { stock: 4 });
    const added = await shop.app.inject({ method: 'POST', url: '/api/cart/items', payload: { productId: product.id, quantity: 2 } });
    const shopper = await registerShopper(shop.app, { cookie: cookiesFrom(added) });
    const cart = (await shop.app.inject({ method: 'GET', url: '/api/cart', headers: { cookie: shopper.cookie } })).json();
    expect(cart.lines.map((l: { productId: number; quantity: number }) => [l.productId, l.quantity])).toEqual([[product.id, 2]]);
  });

  it('answers logout without a session with 204', async () => {
    expect((await shop.app.inject({ method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(204);
  });

  it('rate-limits login attempts with 429 RATE_LIMITED', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await shop.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '203.0.113.7', payload: { email: 'x@example.test', password: 'whatever pw' } });
      statuses.push(last.statusCode);
    }
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3);
    expect(statuses).toContain(429);
    expect(last?.json().error.code).toBe('RATE_LIMITED');
  });
});
