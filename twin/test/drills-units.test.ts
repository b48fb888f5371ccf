import { describe, expect, it } from 'vitest';
import { cacheServes } from '../src/drills/cache-drills.js';
import { longestCheckoutGapSeconds } from '../src/drills/figures.js';
import { isSteady, unsteadiness } from '../src/drills/run-drill.js';
import { loggedOutShoppers, refusedSessions } from '../src/drills/signed-in-shoppers.js';
import { jainIndex } from '../src/load/flash-sale.js';
import { Ledger, routeOf } from '../src/load/ledger.js';
import { pickAction, shopperMix } from '../src/load/mix.js';
import type { TwinStatus } from '../src/status/status-types.js';

describe('drill arithmetic', () => {
  it('the mix picks actions with the Online Boutique weights', () => {
    const counts: Record<string, number> = {};
    const steps = 2100;
    for (let i = 0; i < steps; i++) {
      const a = pickAction((i + 0.5) / steps);
      counts[a] = (counts[a] ?? 0) + 1;
    }
    const total = Object.values(shopperMix).reduce((a, b) => a + b, 0);
    for (const [action, weight] of Object.entries(shopperMix)) expect(counts[action]).toBe((steps * weight) / total);
  });

  it('the write outage is the longest time after the fault without an acknowledged checkout', () => {
    const ledger = new Ledger(0);
    for (const at of [500, 1_000, 4_000, 4_100]) ledger.acknowledge({ orderId: at, idempotencyKey: `k${at}`, shopper: 's', lines: [], at });
    expect(longestCheckoutGapSeconds(ledger, 800, 5_000)).toBe(3);
    expect(longestCheckoutGapSeconds(ledger, 4_200, 9_200)).toBe(5);
  });

  it("Jain's index is 1 for equal shares and 1/n when one takes all", () => {
    expect(jainIndex([0.2, 0.2, 0.2])).toBe(1);
    expect(jainIndex([1, 0, 0, 0])).toBe(0.25);
    expect(jainIndex([])).toBeNull();
  });

  it('the ledger names routes, not URLs', () => {
    expect(routeOf('GET', '/api/products/shoes-12')).toBe('GET /api/products/:slug');
    expect(routeOf('GET', '/api/products?q=bag&limit=24')).toBe('GET /api/products');
    expect(routeOf('DELETE', '/api/cart/items/42')).toBe('DELETE /api/cart/items/:productId');
  });

  it('the timeline counts requests and failures per second', () => {
    const ledger = new Ledger(0);
    ledger.record({ at: 100, action: 'browse-product', status: 200, latencyMs: 5 });
    ledger.record({ at: 900, action: 'browse-product', status: 502, latencyMs: 7 });
    ledger.record({ at: 1_500, action: 'checkout', status: 0, latencyMs: 10_000 });
    const t = ledger.timeline(2_000);
    expect(t.map((p) => [p.requests, p.errors])).toEqual([
      [2, 1],
      [1, 1],
    ]);
  });

  it('a signed-in shopper counts as logged out once, on a 401 from a route that needs the session', () => {
    const answers = [
      { shopper: 'ann', at: 1, route: 'GET /api/auth/me', status: 200 },
      { shopper: 'bob', at: 2, route: 'POST /api/checkout', status: 401 },
      { shopper: 'bob', at: 3, route: 'GET /api/auth/me', status: 401 },
      { shopper: 'cid', at: 4, route: 'POST /api/checkout/confirm', status: 503 },
      // A 401 where no session is needed (a wrong password at login) logs nobody out.
      { shopper: 'dee', at: 5, route: 'POST /api/auth/login', status: 401 },
      { shopper: 'eve', at: 6, route: 'GET /api/orders/:id', status: 401 },
    ];
    expect(loggedOutShoppers(answers)).toEqual(['bob', 'eve']);
    expect(loggedOutShoppers(answers.filter((a) => a.status !== 401))).toEqual([]);
  });

  it("refused sessions count every shopper's 401s on routes that need the session, and nothing else", () => {
    const ledger = new Ledger(0);
    ledger.record({ at: 1, action: 'checkout', route: 'POST /api/checkout', status: 401, latencyMs: 3 });
    ledger.record({ at: 2, action: 'confirm-payment', route: 'POST /api/checkout/confirm', status: 401, latencyMs: 3 });
    ledger.record({ at: 3, action: 'checkout', route: 'POST /api/checkout', status: 201, latencyMs: 3 });
    ledger.record({ at: 4, action: 'register', route: 'POST /api/auth/login', status: 401, latencyMs: 3 });
    ledger.record({ at: 5, action: 'view-cart', route: 'GET /api/cart', status: 500, latencyMs: 3 });
    expect(refusedSessions(ledger.entries)).toBe(2);
  });

  it('the cache serves only when a live primary takes the endpoint’s connections', () => {
    const status = (nodes: { role: 'primary' | 'replica' | 'down'; serving: boolean }[]) =>
      ({ cache: { nodes: nodes.map((n, i) => ({ name: i ? 'b' : 'a', zone: i ? 'b' : 'a', port: 7000 + i, restarts: 0, ...n })) } }) as unknown as TwinStatus;
    expect(
      cacheServes(
        status([
          { role: 'primary', serving: true },
          { role: 'replica', serving: false },
        ]),
      ),
    ).toBe(true);
    // The endpoint's check still passes for a node that has just died: not serving.
    expect(
      cacheServes(
        status([
          { role: 'down', serving: true },
          { role: 'replica', serving: false },
        ]),
      ),
    ).toBe(false);
    // Promoted, but the endpoint has not moved its connections yet.
    expect(
      cacheServes(
        status([
          { role: 'down', serving: false },
          { role: 'primary', serving: false },
        ]),
      ),
    ).toBe(false);
    expect(
      cacheServes(
        status([
          { role: 'down', serving: false },
          { role: 'down', serving: false },
        ]),
      ),
    ).toBe(false);
  });
});

describe('steady state before a drill', () => {
  const status = (nodes: { name: string; role: string; state: string }[]): TwinStatus =>
    ({
      instances: [
        { id: 'i-1', zone: 'a', state: 'in-service', healthy: true },
        { id: 'i-2', zone: 'b', state: 'in-service', healthy: true },
      ],
      autoScaling: { desired: 2 },
      frontDoor: { mode: 'primary' },
      database: { nodes },
    }) as unknown as TwinStatus;

  it('is steady with a settled primary and a caught-up standby', () => {
    const s = status([
      { name: 'a', role: 'primary', state: 'primary' },
      { name: 'b', role: 'standby', state: 'secondary' },
      { name: 'replica', role: 'replica', state: 'secondary' },
    ]);
    expect(unsteadiness(s)).toEqual([]);
    expect(isSteady(s)).toBe(true);
  });

  it('is not steady while the old primary is still being rebuilt: a next fault would have nothing to fail over to', () => {
    const s = status([
      { name: 'a', role: 'standby', state: 'demoted → catchingup' },
      { name: 'b', role: 'primary', state: 'wait_primary' },
      { name: 'replica', role: 'replica', state: 'secondary' },
    ]);
    expect(isSteady(s)).toBe(false);
    expect(unsteadiness(s).join(' ')).toMatch(/no settled DB primary: .*a standby \(demoted → catchingup\)/);
  });
});
