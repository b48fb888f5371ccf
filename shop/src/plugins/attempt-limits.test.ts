import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../app.js';
import { createTestShop, type TestShop } from '../testing/index.js';
import { registerShopper } from '../testing/shoppers.js';

/** The proxies as on AWS: the ALB inside 10.40.0.0/16 nearest, CloudFront one hop further out. */
const ALB = '10.40.1.17';
const CLOUDFRONT = '130.176.0.5';
const PROXIES = { TRUSTED_PROXIES: '10.40.0.0/16', TRUSTED_PROXY_HOPS: '2' };

describe('login and registration limits, shared by every instance', () => {
  let shop: TestShop;
  /** A second instance on the same database. */
  let other: FastifyInstance;
  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'), {
      ...PROXIES,
      LOGIN_RATE_LIMIT_PER_MINUTE: '3',
      LOGIN_ACCOUNT_RATE_LIMIT_PER_HOUR: '5',
      REGISTER_RATE_LIMIT_PER_HOUR: '2',
    });
    other = await buildApp({ config: { ...shop.config, INSTANCE_ID: 'test-2' }, logger: false });
    await other.ready();
  });
  afterAll(async () => {
    await other.close();
    await shop.close();
  });

  /** A login through CloudFront and the ALB from `client`, with whatever X-Forwarded-For the client itself sent. */
  const login = (app: FastifyInstance, client: string, email: string, forged?: string) =>
    app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: ALB,
      headers: { 'x-forwarded-for': [forged, client, CLOUDFRONT].filter(Boolean).join(', ') },
      payload: { email, password: 'not the password' },
    });

  it('a client that forges a new X-Forwarded-For on every attempt is still limited, with 429 RATE_LIMITED and Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await login(shop.app, '198.51.100.20', `forger-${i}@example.test`, `192.0.2.${i}`)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);

    const refused = await login(shop.app, '198.51.100.20', 'forger-9@example.test', '192.0.2.99');
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);

    // Another shopper behind the same CloudFront edge has a count of their own.
    expect((await login(shop.app, '198.51.100.21', 'someone@example.test')).statusCode).toBe(401);
  });

  it('two instances share one count: attempts spread over both are limited together', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await login(i % 2 === 0 ? shop.app : other, '198.51.100.30', `spread-${i}@example.test`)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('limits guesses at one account from many addresses, and a successful login starts the count afresh', async () => {
    const shopper = await registerShopper(shop.app, { email: 'target@example.test' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login(i % 2 ? shop.app : other, `203.0.113.${100 + i}`, 'TARGET@example.test')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // Even the right password waits out the window: the guesser cannot tell it was right.
    const right = { email: shopper.email, password: shopper.password };
    const blocked = await shop.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: ALB,
      headers: { 'x-forwarded-for': `203.0.113.200, ${CLOUDFRONT}` },
      payload: right,
    });
    expect(blocked.statusCode).toBe(429);

    await shop.sql`DELETE FROM attempt_counters WHERE scope = 'login-account'`;
    expect(
      (await shop.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: ALB, headers: { 'x-forwarded-for': `203.0.113.201, ${CLOUDFRONT}` }, payload: right }))
        .statusCode,
    ).toBe(200);
    const [counter] = await shop.sql`SELECT attempts FROM attempt_counters WHERE scope = 'login-account' AND key = 'target@example.test'`;
    expect(counter).toBeUndefined();
  });

  it('limits registrations per client across instances, forged X-Forwarded-For or not', async () => {
    const register = (app: FastifyInstance, i: number) =>
      app.inject({
        method: 'POST',
        url: '/api/auth/register',
        remoteAddress: ALB,
        headers: { 'x-forwarded-for': `192.0.2.${i}, 198.51.100.40, ${CLOUDFRONT}` },
        payload: { email: `new-${i}@example.test`, password: 'a long passphrase here', name: 'New' },
      });
    const statuses = [(await register(shop.app, 1)).statusCode, (await register(other, 2)).statusCode];
    const refused = await register(shop.app, 3);
    expect([...statuses, refused.statusCode]).toEqual([201, 201, 429]);
    expect(refused.json().error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(60);
    const [row] = await shop.sql<{ n: bigint }[]>`SELECT count(*) AS n FROM users WHERE email = 'new-3@example.test'`;
    expect(Number(row?.n)).toBe(0);
  });
});

describe('client addresses without trusted proxies', () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'), { LOGIN_RATE_LIMIT_PER_MINUTE: '2' });
  });
  afterAll(async () => shop.close());

  it('ignores X-Forwarded-For entirely: a client reaching the shop directly is its socket address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await shop.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: '198.51.100.50',
        headers: { 'x-forwarded-for': `192.0.2.${i}` },
        payload: { email: `direct-${i}@example.test`, password: 'not the password' },
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([401, 401, 429]);
  });
});
