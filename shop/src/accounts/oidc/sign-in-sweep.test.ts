import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestShop, type TestShop } from '../../testing/index.js';
import { registerShopper } from '../../testing/shoppers.js';
import { startExpirySweep } from '../../plugins/sessions-sweeper.js';
import { insertPendingLink, insertSignInAttempt } from './oidc.repository.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('the expiry sweep and sign-ins through the pool', () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'));
  });
  afterAll(async () => shop.close());

  it('deletes attempts and pending links past their life, and keeps live ones', async () => {
    const shopper = await registerShopper(shop.app);
    const attempt = (state: string) => ({ state, nonce: 'n', codeVerifier: 'v', provider: 'kakao', nextPath: '/', browserHash: randomBytes(32) });
    const link = { issuer: 'http://127.0.0.2:1', subject: 's', provider: 'kakao', userId: shopper.userId, email: shopper.email, staffFromPool: false, nextPath: '/' };
    await insertSignInAttempt(shop.sql, attempt('live'), 600);
    await insertSignInAttempt(shop.sql, attempt('dead'), -1);
    await insertPendingLink(shop.sql, Buffer.from('live-link'), link, 600);
    await insertPendingLink(shop.sql, Buffer.from('dead-link'), link, -1);

    const sweep = startExpirySweep({ writer: shop.sql, intervalSeconds: 3600, idleSeconds: 30 * 60, logger: silent });
    await sweep.stop();
    expect(await sweep.runOnce()).toMatchObject({ signIns: 2 });
    expect((await shop.sql<{ state: string }[]>`SELECT state FROM oidc_attempts`).map((r) => r.state)).toEqual(['live']);
    expect((await shop.sql<{ token_hash: Buffer }[]>`SELECT token_hash FROM oidc_pending_links`).map((r) => r.token_hash.toString())).toEqual(['live-link']);
  });
});
