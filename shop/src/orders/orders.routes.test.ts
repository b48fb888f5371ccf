import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestShop, type TestShop } from '../testing/index.js';
import { loginAs } from '../testing/sessions.js';
import { registerShopper, type Shopper } from '../testing/shoppers.js';
import { stockOf, stockProduct } from '../testing/stocked-products.js';

const checkoutBody = {
  shipping: { name: 'Alex Kim', phone: '+82 10 5555 0000', address1: '1 Teheran-ro', postalCode: '06236' },
  payment: { card: '4242424242424242' },
};

describe('orders', () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'));
  });
  afterAll(async () => shop.close());

  const get = (url: string, cookie?: string) => shop.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
  const setStatus = (orderId: number, status: string, cookie?: string) =>
    shop.app.inject({ method: 'PUT', url: `/api/admin/orders/${orderId}/status`, headers: cookie ? { cookie } : {}, payload: { status } });

  async function placeOrder(shopper: Shopper, productId: number, quantity: number): Promise<{ id: number }> {
    await shop.app.inject({ method: 'POST', url: '/api/cart/items', headers: { cookie: shopper.cookie }, payload: { productId, quantity } });
    const res = await shop.app.inject({
      method: 'POST',
      url: '/api/checkout',
      headers: { cookie: shopper.cookie, 'idempotency-key': randomUUID() },
      payload: checkoutBody,
    });
    expect(res.statusCode).toBe(201);
    return res.json();
  }

  it("lists and reads a customer's own orders, newest first, with pages", async () => {
    const shopper = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 10, priceWon: 5_000 });
    const first = await placeOrder(shopper, product.id, 1);
    const second = await placeOrder(shopper, product.id, 2);
    const third = await placeOrder(shopper, product.id, 3);

    const all = await get('/api/orders', shopper.cookie);
    expect(all.statusCode).toBe(200);
    expect(all.json().items.map((o: { id: number }) => o.id)).toEqual([third.id, second.id, first.id]);

    const page1 = (await get('/api/orders?limit=2', shopper.cookie)).json();
    expect(page1.items).toHaveLength(2);
    const page2 = (await get(`/api/orders?limit=2&cursor=${page1.nextCursor}`, shopper.cookie)).json();
    expect(page2).toMatchObject({ items: [{ id: first.id }], nextCursor: null });

    const one = await get(`/api/orders/${second.id}`, shopper.cookie);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: second.id, status: 'placed', totalWon: 10_000, lines: [{ productId: product.id, quantity: 2 }] });
  });

  it("answers 404 for another customer's order and 401 when anonymous", async () => {
    const a = await registerShopper(shop.app);
    const b = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 5 });
    const bOrder = await placeOrder(b, product.id, 1);

    const peek = await get(`/api/orders/${bOrder.id}`, a.cookie);
    expect(peek.statusCode).toBe(404);
    expect(peek.json().error.code).toBe('NOT_FOUND');
    expect((await get('/api/orders/999999999', a.cookie)).json()).toEqual(peek.json());
    expect((await get('/api/orders', a.cookie)).json().items).toEqual([]);
    expect((await get('/api/orders')).statusCode).toBe(401);
    expect((await get(`/api/orders/${bOrder.id}`)).statusCode).toBe(401);
    expect((await get('/api/orders/not-a-number', a.cookie)).statusCode).toBe(400);
  });

  it('keeps the admin order routes to staff: 401 anonymous, 403 customer', async () => {
    const customer = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 5 });
    const order = await placeOrder(customer, product.id, 1);
    for (const res of [await get('/api/admin/orders'), await setStatus(order.id, 'paid')]) {
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHENTICATED');
    }
    for (const res of [await get('/api/admin/orders', customer.cookie), await setStatus(order.id, 'paid', customer.cookie)]) {
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    expect((await get(`/api/orders/${order.id}`, customer.cookie)).json().status).toBe('placed');
  });

  it('lets staff list every order, filter by status and move it placed → paid → shipped', async () => {
    const admin = await loginAs(shop.app, shop.sql, 'admin');
    const shopper = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 5 });
    const order = await placeOrder(shopper, product.id, 1);

    const list = (await get('/api/admin/orders', admin.cookie)).json();
    expect(list.items[0]).toMatchObject({ id: order.id, status: 'placed', customer: { id: shopper.userId, email: shopper.email } });

    const paid = await setStatus(order.id, 'paid', admin.cookie);
    expect(paid.statusCode).toBe(200);
    expect(paid.json()).toMatchObject({ id: order.id, status: 'paid' });
    const byStatus = (await get('/api/admin/orders?status=paid', admin.cookie)).json();
    expect(byStatus.items.map((o: { id: number }) => o.id)).toContain(order.id);
    expect(byStatus.items.every((o: { status: string }) => o.status === 'paid')).toBe(true);
    expect((await get('/api/admin/orders?status=bogus', admin.cookie)).statusCode).toBe(400);

    expect((await setStatus(order.id, 'shipped', admin.cookie)).json().status).toBe('shipped');
    const late = await setStatus(order.id, 'cancelled', admin.cookie);
    expect(late.statusCode).toBe(409);
    expect(late.json().error).toMatchObject({ code: 'INVALID_TRANSITION', details: { from: 'shipped', to: 'cancelled' } });
    expect(await stockOf(shop.sql, product.id)).toBe(4);
    expect((await setStatus(987654321, 'paid', admin.cookie)).statusCode).toBe(404);
    expect((await setStatus(order.id, 'placed', admin.cookie)).statusCode).toBe(400);
  });

  it('returns the stock exactly once when staff cancel, even when two cancel at once', async () => {
    const admin = await loginAs(shop.app, shop.sql, 'admin');
    const shopper = await registerShopper(shop.app);
    const product = await stockProduct(shop.sql, { stock: 5 });
    const order = await placeOrder(shopper, product.id, 3);
    expect(await stockOf(shop.sql, product.id)).toBe(2);

    const wrongWay = await setStatus(order.id, 'shipped', admin.cookie);
    expect(wrongWay.statusCode).toBe(409);

    const results = await Promise.all([setStatus(order.id, 'cancelled', admin.cookie), setStatus(order.id, 'cancelled', admin.cookie)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(await stockOf(shop.sql, product.id)).toBe(5);
    const [adjustment] = await shop.sql<{ delta: number; user_id: bigint }[]>`
      SELECT delta, user_id FROM stock_adjustments WHERE product_id = ${product.id}`;
    expect(adjustment).toMatchObject({ delta: 3 });
    expect(Number(adjustment?.user_id)).toBe(admin.userId);
    expect((await get(`/api/orders/${order.id}`, shopper.cookie)).json().status).toBe('cancelled');
  });
});
