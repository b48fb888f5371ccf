import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestShop, loginAs, type TestLogin, type TestShop } from '../testing/index.js';

/** A real 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

function multipart(filename: string, content: Buffer, type = 'image/png') {
  const boundary = '----evermall-test-boundary';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe('admin products', () => {
  let shop: TestShop;
  let admin: TestLogin;
  let customer: TestLogin;
  let categoryId: number;

  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'), { MEDIA_MAX_BYTES: '2048' });
    admin = await loginAs(shop.app, shop.sql, 'admin');
    customer = await loginAs(shop.app, shop.sql, 'customer');
    const [c] = await shop.sql<{ id: number }[]>`INSERT INTO categories (slug, name, name_en) VALUES ('shoes', '신발', 'Shoes') RETURNING id`;
    categoryId = Number(c!.id);
  });
  afterAll(async () => shop.close());

  const send = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, body?: object, who: TestLogin | null = admin) =>
    shop.app.inject({ method, url, payload: body, headers: who ? { cookie: who.cookie } : {} });

  const create = async (sku: string, extra: object = {}) => {
    const res = await send('POST', '/api/admin/products', { sku, slug: sku.toLowerCase(), name: `상품 ${sku}`, priceWon: 1000, categoryId, stock: 5, ...extra });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: number; stock: number; images: string[] };
  };

  it('keeps visitors and customers out of every product route', async () => {
    const product = await create('AUTH-1');
    const routes: [Parameters<typeof send>[0], string, object?][] = [
      ['GET', '/api/admin/products'],
      ['GET', `/api/admin/products/${product.id}`],
      ['POST', '/api/admin/products', { sku: 'X', slug: 'x', name: 'x', priceWon: 1, categoryId }],
      ['PATCH', `/api/admin/products/${product.id}`, { name: 'x' }],
      ['DELETE', `/api/admin/products/${product.id}`],
      ['PUT', `/api/admin/products/${product.id}/stock`, { stock: 1 }],
      ['POST', `/api/admin/products/${product.id}/stock-adjustments`, { delta: 1, reason: 'x' }],
    ];
    for (const [method, url, body] of routes) {
      const anonymous = await send(method, url, body, null);
      expect(anonymous.statusCode, `${method} ${url}`).toBe(401);
      expect(anonymous.json().error.code).toBe('UNAUTHENTICATED');
      const shopper = await send(method, url, body, customer);
      expect(shopper.statusCode, `${method} ${url}`).toBe(403);
      expect(shopper.json().error.code).toBe('FORBIDDEN');
    }
    const upload = await shop.app.inject({ method: 'POST', url: `/api/admin/products/${product.id}/images`, ...multipart('a.png', PNG) });
    expect(upload.statusCode).toBe(401);
  });

  it('creates, reads, updates and deactivates a product', async () => {
    const created = await create('CRUD-1', { name: '러닝화', nameEn: 'Runner', description: '가볍다' });
    expect(created).toMatchObject({ sku: 'CRUD-1', slug: 'crud-1', name: '러닝화', nameEn: 'Runner', priceWon: 1000, stock: 5, active: true, category: { slug: 'shoes' } });
    expect((await shop.app.inject('/api/products/crud-1')).statusCode).toBe(200);

    const patched = await send('PATCH', `/api/admin/products/${created.id}`, { priceWon: 2500, nameEn: 'Road runner' });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ priceWon: 2500, nameEn: 'Road runner', name: '러닝화' });

    const removed = await send('DELETE', `/api/admin/products/${created.id}`);
    expect(removed.statusCode).toBe(200);
    expect(removed.json().active).toBe(false);
    expect((await shop.app.inject('/api/products/crud-1')).statusCode).toBe(404);
    const [row] = await shop.sql`SELECT active FROM products WHERE id = ${created.id}`;
    expect(row).toEqual({ active: false });

    const staffList = await send('GET', '/api/admin/products?q=CRUD-1');
    expect(staffList.json().items.map((p: { sku: string }) => p.sku)).toEqual(['CRUD-1']);
    const one = await send('GET', `/api/admin/products/${created.id}`);
    expect(one.json()).toMatchObject({ sku: 'CRUD-1', active: false });
  });

  it('answers coded errors for duplicates, unknown categories, bad input and missing products', async () => {
    await create('DUP-1');
    const sku = await send('POST', '/api/admin/products', { sku: 'DUP-1', slug: 'other', name: 'x', priceWon: 1, categoryId });
    expect(sku.statusCode).toBe(409);
    expect(sku.json().error.code).toBe('SKU_TAKEN');
    const slug = await send('POST', '/api/admin/products', { sku: 'DUP-2', slug: 'dup-1', name: 'x', priceWon: 1, categoryId });
    expect(slug.json().error.code).toBe('SLUG_TAKEN');
    const category = await send('POST', '/api/admin/products', { sku: 'CAT-1', slug: 'cat-1', name: 'x', priceWon: 1, categoryId: 999999 });
    expect(category.statusCode).toBe(422);
    expect(category.json().error.code).toBe('UNKNOWN_CATEGORY');
    const patchCategory = await send('PATCH', '/api/admin/products/1', { categoryId: 999999 });
    expect(patchCategory.json().error.code).toBe('UNKNOWN_CATEGORY');
    const invalid = await send('POST', '/api/admin/products', { sku: 'BAD', slug: 'Not A Slug', name: '', priceWon: -1, categoryId });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.code).toBe('VALIDATION_FAILED');
    const empty = await send('PATCH', '/api/admin/products/1', {});
    expect(empty.statusCode).toBe(400);
    for (const [method, url, body] of [
      ['PATCH', '/api/admin/products/999999', { name: 'x' }],
      ['DELETE', '/api/admin/products/999999'],
      ['GET', '/api/admin/products/999999'],
      ['PUT', '/api/admin/products/999999/stock', { stock: 1 }],
      ['POST', '/api/admin/products/999999/stock-adjustments', { delta: 1, reason: 'x' }],
    ] as const) {
      const res = await send(method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
  });

  it('sets, changes and clears a per-customer limit, and refuses a limit below 1', async () => {
    const limited = await create('LIMIT-1', { maxPerCustomer: 2 });
    expect(limited).toMatchObject({ maxPerCustomer: 2 });
    expect(await create('LIMIT-2')).toMatchObject({ maxPerCustomer: null });
    expect((await send('PATCH', `/api/admin/products/${limited.id}`, { maxPerCustomer: 1 })).json().maxPerCustomer).toBe(1);
    expect((await send('GET', `/api/admin/products/${limited.id}`)).json().maxPerCustomer).toBe(1);
    expect((await send('GET', '/api/products/limit-1', undefined, null)).json().maxPerCustomer).toBe(1);
    for (const maxPerCustomer of [0, -1, 1.5, 'two']) {
      const res = await send('PATCH', `/api/admin/products/${limited.id}`, { maxPerCustomer });
      expect(res.statusCode, String(maxPerCustomer)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    expect((await send('PATCH', `/api/admin/products/${limited.id}`, { maxPerCustomer: null })).json().maxPerCustomer).toBeNull();
  });

  it('sets and adjusts stock, never below zero, and records each change', async () => {
    const product = await create('STOCK-1');
    const set = await send('PUT', `/api/admin/products/${product.id}/stock`, { stock: 12 });
    expect(set.statusCode).toBe(200);
    expect(set.json().stock).toBe(12);

    const add = await send('POST', `/api/admin/products/${product.id}/stock-adjustments`, { delta: 3, reason: 'delivery' });
    expect(add.statusCode).toBe(201);
    expect(add.json()).toMatchObject({ adjustment: { delta: 3, reason: 'delivery' }, product: { stock: 15 } });

    const tooMany = await send('POST', `/api/admin/products/${product.id}/stock-adjustments`, { delta: -16, reason: 'damaged' });
    expect(tooMany.statusCode).toBe(409);
    expect(tooMany.json().error).toMatchObject({ code: 'STOCK_WOULD_GO_NEGATIVE', details: { stock: 15, delta: -16 } });

    const all = await send('POST', `/api/admin/products/${product.id}/stock-adjustments`, { delta: -15, reason: 'damaged' });
    expect(all.json().product.stock).toBe(0);
    const zero = await send('POST', `/api/admin/products/${product.id}/stock-adjustments`, { delta: 0, reason: 'nothing' });
    expect(zero.statusCode).toBe(400);
    const negative = await send('PUT', `/api/admin/products/${product.id}/stock`, { stock: -1 });
    expect(negative.statusCode).toBe(400);

    const log = await shop.sql<{ delta: number; reason: string }[]>`
      SELECT delta, reason FROM stock_adjustments WHERE product_id = ${product.id} ORDER BY id`;
    expect(log.map((r) => [r.delta, r.reason])).toEqual([
      [7, 'stock count'],
      [3, 'delivery'],
      [-15, 'damaged'],
    ]);
  });

  it('never oversells when adjustments race', async () => {
    const product = await create('RACE-1', { stock: 10 });
    const results = await Promise.all(Array.from({ length: 25 }, () => send('POST', `/api/admin/products/${product.id}/stock-adjustments`, { delta: -1, reason: 'race' })));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(10);
    expect(results.filter((r) => r.statusCode === 409)).toHaveLength(15);
    const [row] = await shop.sql`SELECT stock FROM products WHERE id = ${product.id}`;
    expect(row).toEqual({ stock: 0 });
  });

  it('accepts a real PNG under a random name and serves it from /media', async () => {
    const product = await create('IMG-1');
    const res = await shop.app.inject({
      method: 'POST',
      url: `/api/admin/products/${product.id}/images`,
      payload: multipart('../../etc/passwd.png', PNG).payload,
      headers: { ...multipart('x', PNG).headers, cookie: admin.cookie },
    });
    expect(res.statusCode).toBe(201);
    const images = res.json().images as string[];
    expect(images).toHaveLength(1);
    expect(images[0]).toMatch(/^\/media\/[0-9a-f]{32}\.png$/);
    expect(readdirSync(shop.mediaDir)).toEqual([images[0]!.slice('/media/'.length)]);

    const media = await shop.app.inject(images[0]!);
    expect(media.statusCode).toBe(200);
    expect(media.headers['content-type']).toBe('image/png');
    expect(media.headers['cache-control']).toContain('immutable');
    expect(media.rawPayload.equals(PNG)).toBe(true);
  });

  it('refuses a text file named .png, an oversize image and a missing file, leaving nothing behind', async () => {
    const product = await create('IMG-2');
    const before = readdirSync(shop.mediaDir).sort();
    const upload = (filename: string, content: Buffer) => {
      const form = multipart(filename, content);
      return shop.app.inject({ method: 'POST', url: `/api/admin/products/${product.id}/images`, payload: form.payload, headers: { ...form.headers, cookie: admin.cookie } });
    };
    const text = await upload('cat.png', Buffer.from('this is not an image, whatever the name says'));
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('UNSUPPORTED_IMAGE_TYPE');

    const big = await upload('big.png', Buffer.concat([PNG, Buffer.alloc(4096)]));
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('FILE_TOO_LARGE');

    const json = await send('POST', `/api/admin/products/${product.id}/images`, { file: 'x' });
    expect(json.statusCode).toBe(400);

    const form = multipart('a.png', PNG);
    const missing = await shop.app.inject({ method: 'POST', url: '/api/admin/products/999999/images', payload: form.payload, headers: { ...form.headers, cookie: admin.cookie } });
    expect(missing.statusCode).toBe(404);

    expect(readdirSync(shop.mediaDir).sort()).toEqual(before);
    const [row] = await shop.sql`SELECT images FROM products WHERE id = ${product.id}`;
    expect(row).toEqual({ images: [] });
  });

  it('serves only generated media keys', async () => {
    for (const url of [
      '/media/..%2F..%2Fetc%2Fpasswd',
      '/media/../package.json',
      '/media/%2e%2e%2fpackage.json',
      '/media/0123456789abcdef0123456789abcdef.txt',
      '/media/0123456789abcdef0123456789abcdef.png',
      '/media/.upload-0000.tmp',
    ]) {
      const res = await shop.app.inject(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
  });

  it('answers a broken multipart body with a coded 400, not a 500', async () => {
    const product = await create('IMG-3');
    const cases: [string, string | Buffer][] = [
      ['multipart/form-data', 'garbage'],
      ['multipart/form-data; boundary=x', 'garbage'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n\x89PNG'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--x--\r\n'],
    ];
    for (const [type, payload] of cases) {
      const res = await shop.app.inject({ method: 'POST', url: `/api/admin/products/${product.id}/images`, payload, headers: { 'content-type': type, cookie: admin.cookie } });
      expect(res.statusCode, `${type} ${String(payload)}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, `${type} ${String(payload)}`).toBeLessThan(500);
      expect(res.json().error.code).toMatch(/^[A-Z_]+$/);
    }
    expect(readdirSync(shop.mediaDir).filter((f) => f.startsWith('.upload-'))).toEqual([]);
  });
});
