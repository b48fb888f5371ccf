import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestShop, type TestShop } from '../testing/index.js';
import { listenForMetrics, type MetricsListener } from './metrics.js';

describe('metrics', () => {
  let shop: TestShop;
  let listener: MetricsListener;
  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'));
    listener = await listenForMetrics(shop.app.metrics.registry, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await listener?.close();
    await shop?.close();
  });

  it('are not served on the app port, which the load balancers route', async () => {
    const res = await shop.app.inject('/metrics');
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('http_request_duration_seconds');
  });

  it('are served on their own listener, with the app traffic counted', async () => {
    await shop.app.inject('/healthz');
    const res = await fetch(`http://127.0.0.1:${listener.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/healthz"[^}]*\} [1-9]/);
    expect(text).toContain('shop_draining');
  });

  it('answer nothing else on that listener', async () => {
    expect((await fetch(`http://127.0.0.1:${listener.port}/api/products`)).status).toBe(404);
  });
});
