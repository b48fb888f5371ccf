import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../app.js';
import { createTestShop, type TestShop } from '../testing/index.js';
import { testShopConfig } from '../testing/test-config.js';

/** Directives of a Content-Security-Policy header, by name. */
function directives(csp: unknown): Record<string, string[]> {
  return Object.fromEntries(
    String(csp ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

describe('security headers', () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'));
    await shop.sql`INSERT INTO categories (slug, name, name_en) VALUES ('shoes', '신발', 'Shoes')`;
  });
  afterAll(async () => shop?.close());

  it('forbid sniffing and framing on JSON answers, and send no HSTS over plain HTTP', async () => {
    for (const url of ['/api/products', '/api/cart', '/api/nope']) {
      const res = await shop.app.inject(url);
      expect(res.headers['content-type'], url).toContain('application/json');
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      expect(directives(res.headers['content-security-policy'])['frame-ancestors'], url).toEqual(["'none'"]);
      expect(res.headers['strict-transport-security'], url).toBeUndefined();
    }
  });

  it('send HSTS when the shop is reached over HTTPS (COOKIE_SECURE)', async () => {
    const config = testShopConfig('postgres://x@127.0.0.1:1/x', '/nonexistent', { COOKIE_SECURE: 'true' });
    const app = await buildApp({ config, logger: false });
    try {
      const res = await app.inject('/healthz');
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=31536000; includeSubDomains$/);
    } finally {
      await app.close();
    }
  });

  it('keep private answers out of every cache: cart, checkout, orders, account, admin', async () => {
    const requests = [
      { method: 'GET', url: '/api/cart' },
      { method: 'GET', url: '/api/auth/me' },
      { method: 'GET', url: '/api/orders' },
      { method: 'GET', url: '/api/admin/orders' },
      { method: 'POST', url: '/api/checkout', payload: {} },
      { method: 'POST', url: '/api/auth/login', payload: { email: 'nobody@example.com', password: 'wrong password' } },
    ] as const;
    for (const r of requests) {
      const res = await shop.app.inject(r);
      expect(res.headers['cache-control'], `${r.method} ${r.url} → ${res.statusCode}`).toBe('no-store');
    }
  });

  it('leave the catalog its own caching and ETag', async () => {
    const res = await shop.app.inject('/api/categories');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toMatch(/^public, max-age=\d+/);
    expect(res.headers['etag']).toBeDefined();
    const again = await shop.app.inject({ url: '/api/categories', headers: { 'if-none-match': String(res.headers['etag']) } });
    expect(again.statusCode).toBe(304);
    expect(again.headers['cache-control']).toBe(res.headers['cache-control']);
  });

  it('let the docs page load its own scripts, styles and icons, and nobody frame it', async () => {
    const page = await shop.app.inject('/docs/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['x-frame-options']).toBe('DENY');
    const csp = directives(page.headers['content-security-policy']);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['upgrade-insecure-requests']).toBeUndefined();
    // Every script and stylesheet the page names is one of its own files, which 'self' allows.
    const assets = [...page.body.matchAll(/<(script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((m) => ({ kind: m[1]!, url: m[2]! }));
    expect(assets.some((a) => a.kind === 'script')).toBe(true);
    for (const asset of assets) {
      expect(new URL(asset.url, 'http://shop.test/docs/').origin, asset.url).toBe('http://shop.test');
      const res = await shop.app.inject(new URL(asset.url, 'http://shop.test/docs/').pathname);
      expect(res.statusCode, asset.url).toBe(200);
    }
    expect(csp['script-src']).toContain("'self'");
    expect(csp['style-src']).toContain("'self'");
    expect(csp['img-src']).toEqual(expect.arrayContaining(["'self'", 'data:']));
    // The UI fetches the OpenAPI document from the same origin (default-src covers connect-src).
    expect(csp['connect-src'] ?? csp['default-src']).toContain("'self'");
    expect(page.body).not.toMatch(/<script>(?!\s*<\/script>)/);
  });
});
