import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestShop, type TestShop } from '../testing/index.js';
import { cookiesFrom, registerShopper } from '../testing/shoppers.js';
import { stockProduct } from '../testing/stocked-products.js';

describe('cart', () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'));
  });
  afterAll(async () => shop.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, cookie?: string, payload?: object) =>
    shop.app.inject({ method, url, headers: cookie ? { cookie } : {}, ...(payload ? { payload } : {}) });

  it('keeps an anonymous cart behind a signed cookie with names, prices and totals', async () => {
    const product = await stockProduct(shop.sql, { stock: 10, priceWon: 12_500, images: ['0123456789abcdef0123456789abcdef.png'] });
    expect((await call('GET', '/api/cart')).json()).toEqual({ lines: [], itemCount: 0, totalWon: 0 });

    const added = await call('POST', '/api/cart/items', undefined, { productId: product.id, quantity: 2 });
    expect(added.statusCode).toBe(200);
    const cookie = cookiesFrom(added);
    expect(String(added.headers['set-cookie'])).toMatch(/evermall_cart=.*HttpOnly/);

    const cart = (await call('GET', '/api/cart', cookie)).json();
    expect(cart).toEqual({
      lines: [
        {
          productId: product.id,
          slug: product.slug,
          name: product.name,
          image: '/media/0123456789abcdef0123456789abcdef.png',
          unitPriceWon: 12_500,
          quantity: 2,
          lineTotalWon: 25_000,
          available: 10,
        },
      ],
      itemCount: 2,
      totalWon: 25_000,
    });

    // Adding again adds units to the same line.
    expect((await call('POST', '/api/cart/items', cookie, { productId: product.id, quantity: 3 })).json().lines[0].quantity).toBe(5);
  });

  it('ignores a forged cart cookie', async () => {
    const res = await call('GET', '/api/cart', 'evermall_cart=00000000-0000-4000-8000-000000000000.forged');
    expect(res.json().lines).toEqual([]);
  });

  it('checks quantities against stock and the active flag', async () => {
    const shopper = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 3 });
    const withdrawn = await stockProduct(shop.sql, { stock: 3, active: false });

    const tooMany = await call('POST', '/api/cart/items', shopper.cookie, { productId: product.id, quantity: 4 });
    expect(tooMany.statusCode).toBe(409);
    expect(tooMany.json().error).toMatchObject({ code: 'INSUFFICIENT_STOCK', details: [{ productId: product.id, requested: 4, available: 3 }] });

    expect((await call('POST', '/api/cart/items', shopper.cookie, { productId: product.id, quantity: 2 })).statusCode).toBe(200);
    // 2 in the cart + 2 more exceeds the 3 in stock; the cart keeps its 2.
    expect((await call('POST', '/api/cart/items', shopper.cookie, { productId: product.id, quantity: 2 })).statusCode).toBe(409);
    expect((await call('GET', '/api/cart', shopper.cookie)).json().itemCount).toBe(2);

    const missing = await call('POST', '/api/cart/items', shopper.cookie, { productId: 987654321, quantity: 1 });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
    expect((await call('POST', '/api/cart/items', shopper.cookie, { productId: withdrawn.id, quantity: 1 })).statusCode).toBe(404);

    for (const payload of [{ productId: product.id, quantity: 0 }, { productId: product.id, quantity: -1 }, { productId: product.id }, { productId: 'x', quantity: 1 }]) {
      const res = await call('POST', '/api/cart/items', shopper.cookie, payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('counts simultaneous adds to one line one after the other, never past the stock', async () => {
    const shopper = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 5 });
    const adds = await Promise.all(Array.from({ length: 20 }, () => call('POST', '/api/cart/items', shopper.cookie, { productId: product.id, quantity: 1 })));
    expect(adds.filter((r) => r.statusCode === 200)).toHaveLength(5);
    for (const r of adds.filter((r) => r.statusCode !== 200)) {
      expect(r.statusCode).toBe(409);
      expect(r.json().error).toMatchObject({ code: 'INSUFFICIENT_STOCK', details: [{ productId: product.id, requested: 6, available: 5 }] });
    }
    expect((await call('GET', '/api/cart', shopper.cookie)).json()).toMatchObject({ itemCount: 5, lines: [{ productId: product.id, quantity: 5 }] });
  });

  it('sets and removes lines', async () => {
    const shopper = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 4, priceWon: 1000 });
    await call('POST', '/api/cart/items', shopper.cookie, { productId: product.id, quantity: 1 });

    const updated = await call('PATCH', `/api/cart/items/${product.id}`, shopper.cookie, { quantity: 4 });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ itemCount: 4, totalWon: 4000 });

    const over = await call('PATCH', `/api/cart/items/${product.id}`, shopper.cookie, { quantity: 5 });
    expect(over.statusCode).toBe(409);
    expect(over.json().error.code).toBe('INSUFFICIENT_STOCK');

    const removed = await call('DELETE', `/api/cart/items/${product.id}`, shopper.cookie);
    expect(removed.statusCode).toBe(200);
    expect(removed.json().lines).toEqual([]);
    expect((await call('DELETE', `/api/cart/items/${product.id}`, shopper.cookie)).statusCode).toBe(404);
    expect((await call('PATCH', `/api/cart/items/${product.id}`, shopper.cookie, { quantity: 1 })).statusCode).toBe(404);
  });

  it("never lets customer A see or touch customer B's cart", async () => {
    const a = await registerShopper(shop.app);
    const b = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 5 });
    await call('POST', '/api/cart/items', b.cookie, { productId: product.id, quantity: 2 });

    expect((await call('GET', '/api/cart', a.cookie)).json().lines).toEqual([]);
    expect((await call('PATCH', `/api/cart/items/${product.id}`, a.cookie, { quantity: 5 })).statusCode).toBe(404);
    expect((await call('DELETE', `/api/cart/items/${product.id}`, a.cookie)).statusCode).toBe(404);
    // B's cart cookie-less anonymous access does not reach it either.
    expect((await call('GET', '/api/cart')).json().lines).toEqual([]);
    expect((await call('GET', '/api/cart', b.cookie)).json().lines[0].quantity).toBe(2);
  });
});
