import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@evermall/testkit';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { twinPaths } from '../src/config/paths.js';
import { EventLog } from '../src/events.js';
import { IdentityProviders } from '../src/identity/identity-providers.js';
import { isAlive, signalGroup, waitFor } from '../src/processes.js';

async function kids(issuer: string): Promise<string[]> {
  const jwks = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string }[] };
  return jwks.keys.map((k) => k.kid);
}

describe('the sign-in providers as processes', () => {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'evermall-identity-'));
  const paths = twinPaths(stateDir);
  const events = new EventLog(pino({ level: 'silent' }), paths.events);
  let identity: IdentityProviders | undefined;
  afterAll(async () => {
    await identity?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('serves both on their own addresses, registers the shop at the pool, comes back with its keys after dying, and leaves no process', async () => {
    identity = new IdentityProviders({
      paths,
      ports: { userPool: await freePort(), socialIdp: await freePort() },
      frontDoorUrl: 'http://127.0.0.1:8080',
      secrets: { shopAtUserPool: 'shop-secret', userPoolAtSocialIdp: 'pool-secret' },
      events,
    });
    await identity.start();
    const { userPool, socialIdp } = identity.status();
    expect(userPool.issuer).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
    expect(socialIdp.issuer).toMatch(/^http:\/\/127\.0\.0\.3:\d+$/);
    expect(identity.settings).toMatchObject({ issuerUrl: userPool.issuer, redirectUrl: 'http://127.0.0.1:8080/api/auth/oidc/callback', providers: 'kakao:Kakao' });
    const discovery = (await (await fetch(`${userPool.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({ issuer: userPool.issuer, response_types_supported: ['code'], code_challenge_methods_supported: ['S256'] });

    // The shop's client is registered with its redirect URI: a request naming another is refused.
    const authorize = (redirectUri: string) =>
      fetch(
        `${userPool.issuer}/auth?${new URLSearchParams({ client_id: 'evermall-shop', response_type: 'code', scope: 'openid', redirect_uri: redirectUri, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`,
        { redirect: 'manual' },
      );
    expect((await authorize(identity.settings.redirectUrl)).status).toBe(303);
    expect((await authorize('http://127.0.0.1:9/elsewhere')).status).toBe(400);

    const kidsBefore = await kids(userPool.issuer);
    const pid = identity.userPool.pid;
    signalGroup(pid, 'SIGKILL');
    await waitFor('the pool to be started again', async () => (identity?.userPool.pid !== pid && (await fetch(`${userPool.issuer}/jwks`)).ok ? true : undefined), 30_000, 100);
    expect(await kids(userPool.issuer)).toEqual(kidsBefore);
    expect(identity.status().userPool.restarts).toBe(1);
    expect(events.recent().map((e) => e.kind)).toContain('identity-provider-exited');

    const pids = identity.pids();
    expect(pids).toHaveLength(2);
    await identity.stop();
    expect(pids.filter((p) => isAlive(p))).toEqual([]);
  });
});
