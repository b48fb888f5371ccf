import { describe, expect, it } from 'vitest';
import { launchChromium } from '@evermall/testkit';
import { buildApp } from '../app.js';
import { testShopConfig } from '../testing/test-config.js';

/** Production refuses the test provider: these apps take Toss (never called here). */
const toss = { PAYMENT_PROVIDER: 'toss', TOSS_CLIENT_KEY: 'test_ck_docs', TOSS_SECRET_KEY: 'test_sk_docs' };

/** A shop app without a database: the docs need no query (postgres.js connects lazily). */
async function appWith(env: Record<string, string>) {
  const app = await buildApp({ config: testShopConfig('postgres://x@127.0.0.1:1/x', '/nonexistent', { ...toss, ...env }), logger: false });
  await app.ready();
  return app;
}

describe('API docs', () => {
  it('are off in production, while the OpenAPI document is still built in-process', async () => {
    const app = await appWith({ NODE_ENV: 'production' });
    try {
      expect((await app.inject('/docs')).statusCode).toBe(404);
      expect((await app.inject('/docs/json')).statusCode).toBe(404);
      expect((await app.inject('/docs/static/index.html')).statusCode).toBe(404);
      expect(Object.keys((app.swagger() as { paths: object }).paths)).toContain('/api/products');
    } finally {
      await app.close();
    }
  });

  it('are served in production when DOCS_ENABLED is set', async () => {
    const app = await appWith({ NODE_ENV: 'production', DOCS_ENABLED: 'true' });
    try {
      expect((await app.inject('/docs/json')).json()).toHaveProperty('openapi');
    } finally {
      await app.close();
    }
  });

  it('render in Chromium under their Content-Security-Policy, with no violation', async () => {
    const app = await appWith({});
    await app.listen({ host: '127.0.0.1', port: 0 });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content[- ]Security[- ]Policy/i.test(message.text())) violations.push(message.text());
      });
      const { port } = app.server.address() as { port: number };
      await page.goto(`http://127.0.0.1:${port}/docs/`);
      // The title comes from the OpenAPI document the UI fetched and rendered with its own scripts.
      await page.locator('.swagger-ui .info .title').filter({ hasText: 'Evermall shop API' }).waitFor();
      expect(await page.locator('.opblock').count()).toBeGreaterThan(10);
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
      await app.close();
    }
  });

  it('are served in development unless DOCS_ENABLED=false', async () => {
    const on = await appWith({});
    const off = await appWith({ DOCS_ENABLED: 'false' });
    try {
      expect((await on.inject('/docs/json')).statusCode).toBe(200);
      expect((await off.inject('/docs/json')).statusCode).toBe(404);
    } finally {
      await on.close();
      await off.close();
    }
  });
});
