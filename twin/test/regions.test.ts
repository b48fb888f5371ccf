import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegionReconciliation } from '../src/regions/reconciliation.js';
import { regionSettings } from '../src/regions/region-settings.js';
import type { RunningTwin } from '../src/index.js';
import { Shopper } from './shopper.js';
import { startTestTwin, type TestTwin } from './test-twin.js';

/**
 * Issue 17 on one small twin with a second region: an order reaches region b, an order written
 * while region b's replication is held off does not; region a is lost, region b promoted, shoppers
 * order through the global front door again; region a comes back as the standby region, its old
 * primary refuses writes, and the reconciliation lists the order region b never got. Health-check
 * and controller timings are shortened; the database and HAProxy settings stay topology's.
 */
describe('a second region', () => {
  let testTwin: TestTwin | undefined;
  let twin: RunningTwin;
  let regionB: postgres.Sql;

  const until = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await check().catch(() => undefined);
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const regionsStatus = async () => {
    const regions = (await twin.client.status()).regions;
    if (!regions) throw new Error('the twin reports no second region');
    return regions;
  };
  const inRegionB = async (key: string) => (await regionB<{ n: number }[]>`SELECT count(*)::int AS n FROM orders WHERE idempotency_key = ${key}`)[0]?.n === 1;

  beforeAll(async () => {
    testTwin = await startTestTwin({
      regions: 2,
      controller: { healthCheckGracePeriodSeconds: 45, deregistrationDelaySeconds: 1, instanceDrainSeconds: 1 },
      frontDoor: { intervalSeconds: 1, failureThreshold: 2 },
    });
    twin = testTwin.twin;
    regionB = postgres((await regionsStatus()).b.database.url, { max: 1, onnotice: () => undefined });
  }, 300_000);

  afterAll(async () => {
    await regionB?.end({ timeout: 1 });
    await testTwin?.stop();
  }, 120_000);

  it('replicates, fails over to region b, fences region a and lists the order region b never got', async () => {
    const global = (await regionsStatus()).globalFrontDoor.url;
    const shopper = new Shopper(global);
    await shopper.register();
    const productId = await shopper.addSomethingToCart();
    const replicated = randomUUID();
    expect((await shopper.checkout(replicated)).status).toBe(201);
    await until('the order in region b', async () => ((await inRegionB(replicated)) ? true : undefined));

    // Held off: region a acknowledges an order region b never receives.
    await twin.parts.regions!.pauseReplication();
    await shopper.addSomethingToCart();
    const unreplicated = randomUUID();
    const acknowledged = await shopper.checkout(unreplicated);
    expect(acknowledged.status).toBe(201);
    expect(acknowledged.headers.get('x-served-by')).not.toMatch(/^b-/);
    const lostOrderId = ((await acknowledged.json()) as { id: number }).id;
    expect(await inRegionB(unreplicated)).toBe(false);

    await twin.client.command('fail-region', { region: 'a' });
    // Until it is promoted, region b takes no write: its front door answers for the standby region.
    const paused = await until('the global front door to answer from region b', async () => {
      const res = await shopper.request('POST', '/api/cart/items', { productId, quantity: 1 });
      return res.status === 503 && res.headers.get('x-front-door') === 'backup' ? res : undefined;
    });
    expect(((await paused.json()) as { error: { code: string } }).error.code).toBe('ORDERING_PAUSED');
    await twin.client.command('promote-region', { region: 'b' });

    // Shoppers order again through the global front door, from region b.
    await until('a cart add served by region b', async () => {
      const res = await shopper.request('POST', '/api/cart/items', { productId, quantity: 1 }, { 'idempotency-key': randomUUID() });
      return res.status === 200 && res.headers.get('x-served-by')?.startsWith('b-') ? true : undefined;
    });
    const afterFailover = randomUUID();
    const ordered = await shopper.checkout(afterFailover);
    expect(ordered.status).toBe(201);
    expect(ordered.headers.get('x-served-by')).toMatch(/^b-/);
    // Region b's ids jump past any region a may have handed out unreplicated: an id names one order.
    const newId = ((await ordered.json()) as { id: number }).id;
    expect(newId).toBeGreaterThan(Math.max(lostOrderId, regionSettings.sequenceGapOnPromotion));

    const restored = await twin.client.command('restore-region', { region: 'a' });
    const reconciliation = restored.reconciliation as RegionReconciliation;
    expect(reconciliation.missing.map((o) => o.idempotencyKey)).toEqual([unreplicated]);
    expect(reconciliation.missing[0]).toMatchObject({ orderId: lostOrderId, status: 'pending_payment' });

    // No split brain: region a's old primary streams from region b and refuses every write.
    const regionBPort = (await regionsStatus()).b.database.port;
    const fenced = await until("region a's old primary to stream from region b", async () => {
      const status = (await regionsStatus()).a.fencedPrimary;
      return status?.state === 'standby' && status.streamingFrom === regionBPort ? status : undefined;
    });
    const oldPrimary = postgres(`postgres://postgres@127.0.0.1:${fenced.port}/evermall?sslmode=disable`, { max: 1, onnotice: () => undefined });
    try {
      await expect(oldPrimary`UPDATE products SET stock = stock + 1 WHERE id = 1`).rejects.toMatchObject({ code: '25006' });
      await until("region b's order on region a's old primary", async () =>
        (await oldPrimary<{ n: number }[]>`SELECT count(*)::int AS n FROM orders WHERE idempotency_key = ${afterFailover}`)[0]?.n === 1 ? true : undefined,
      );
    } finally {
      await oldPrimary.end({ timeout: 1 });
    }
    // And the global front door keeps sending shoppers to region b.
    expect((await regionsStatus()).globalFrontDoor.records.find((r) => r.name === 'a')?.status).toBe('MAINT');
  });
});
