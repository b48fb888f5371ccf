import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestShop, type TestShop } from '../testing/index.js';

describe('health', () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'));
  });
  afterAll(async () => shop.close());

  it('answers /healthz with who served it', async () => {
    const res = await shop.app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', zone: 'a', instance: 'test-1' });
    expect(res.headers['x-served-by']).toBe('test-1@a');
  });

  it('answers /readyz when the writer answers', async () => {
    const res = await shop.app.inject('/readyz');
    expect(res.statusCode).toBe(200);
  });

  it('reports draining on /healthz and /readyz', async () => {
    shop.app.lifecycle.draining = true;
    try {
      expect((await shop.app.inject('/healthz')).statusCode).toBe(503);
      expect((await shop.app.inject('/readyz')).json()).toMatchObject({ status: 'draining' });
    } finally {
      shop.app.lifecycle.draining = false;
    }
  });

  it('serves OpenAPI docs outside production', async () => {
    expect((await shop.app.inject('/docs/json')).json()).toHaveProperty('openapi');
  });

  it('answers unknown routes with a coded 404', async () => {
    const res = await shop.app.inject('/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });
});
