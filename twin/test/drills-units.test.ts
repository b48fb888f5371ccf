import { describe, expect, it } from 'vitest';
import { longestCheckoutGapSeconds } from '../src/drills/figures.js';
import { jainIndex } from '../src/load/flash-sale.js';
import { Ledger, routeOf } from '../src/load/ledger.js';
import { pickAction, shopperMix } from '../src/load/mix.js';

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
});
