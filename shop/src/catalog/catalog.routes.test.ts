import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestShop, type TestShop } from '../testing/index.js';

interface ListBody {
  items: { id: number; slug: string; name: string; priceWon: number; category: { slug: string } }[];
  nextCursor: string | null;
  total?: number;
}

describe('catalog', () => {
  let shop: TestShop;

  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'));
    const { sql } = shop;
    const [shoes] = await sql<{ id: number }[]>`INSERT INTO categories (slug, name, name_en, position) VALUES ('shoes', '신발', 'Shoes', 1) RETURNING id`;
    const [running] = await sql<{ id: number }[]>`
      INSERT INTO categories (slug, name, name_en, parent_id, position) VALUES ('running', '러닝화', 'Running shoes', ${shoes!.id}, 1) RETURNING id`;
    const [kitchen] = await sql<{ id: number }[]>`INSERT INTO categories (slug, name, name_en, position) VALUES ('kitchen', '주방', 'Kitchen', 2) RETURNING id`;
    await sql`
      INSERT INTO products (sku, slug, name, name_en, description, price_won, category_id, stock, active) VALUES
        ('S-1', 'white-sneakers', '화이트 운동화', 'White sneakers', '가벼운 데일리 운동화입니다.', 59000, ${shoes!.id}, 10, true),
        ('S-2', 'trail-runner', '트레일 러닝화', 'Trail runner', 'Grippy sole for mountain trails.', 129000, ${running!.id}, 5, true),
        ('S-3', 'kids-sneakers', '아동 운동화', 'Kids sneakers', 'Velcro straps.', 39000, ${shoes!.id}, 0, true),
        ('S-4', 'hidden-shoe', '단종 운동화', 'Discontinued sneaker', '판매 종료', 10000, ${shoes!.id}, 3, false),
        ('K-1', 'rice-cooker', '전기 밥솥', 'Rice cooker', '6인용 압력 밥솥', 189000, ${kitchen!.id}, 7, true),
        ('K-2', 'chef-knife', '요리용 칼', 'Chef knife', 'Stainless steel, 100% sharp_edge', 45000, ${kitchen!.id}, 2, true)`;
    // Many products with one price, so keyset pages must break ties by id.
    await sql`
      INSERT INTO products (sku, slug, name, name_en, price_won, category_id, stock)
      SELECT 'B-' || i, 'bulk-' || i, '대량 상품 ' || i, 'Bulk item ' || i, 1000 * (i % 5), ${kitchen!.id}, 1
      FROM generate_series(1, 53) AS i`;
  });
  afterAll(async () => shop.close());

  const get = (url: string, headers: Record<string, string> = {}) => shop.app.inject({ method: 'GET', url, headers });

  it('returns the category tree, nested', async () => {
    const res = await get('/api/categories');
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { slug: string; children: { slug: string }[] }[];
    expect(items.map((c) => c.slug)).toEqual(['shoes', 'kitchen']);
    expect(items[0]!.children.map((c) => c.slug)).toEqual(['running']);
  });

  it('lists a category with its sub-categories, active only', async () => {
    const body = (await get('/api/products?category=shoes&sort=price_asc')).json() as ListBody;
    expect(body.items.map((p) => p.slug)).toEqual(['kids-sneakers', 'white-sneakers', 'trail-runner']);
    const sub = (await get('/api/products?category=running')).json() as ListBody;
    expect(sub.items.map((p) => p.slug)).toEqual(['trail-runner']);
  });

  it('answers 404 for an unknown category and 400 for a bad sort', async () => {
    const unknown = await get('/api/products?category=nope');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('NOT_FOUND');
    const bad = await get('/api/products?sort=cheapest');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
  });

  it.each([
    ['운동화', ['white-sneakers', 'kids-sneakers']],
    ['운동', ['white-sneakers', 'kids-sneakers']],
    ['러닝', ['trail-runner']],
    ['sneak', ['white-sneakers', 'kids-sneakers']],
    ['SNEAKERS white', ['white-sneakers']],
    ['trails', ['trail-runner']],
    ['밥솥', ['rice-cooker']],
  ])('finds %s', async (q, slugs) => {
    const body = (await get(`/api/products?q=${encodeURIComponent(q)}&limit=100`)).json() as ListBody;
    expect(body.items.map((p) => p.slug).sort()).toEqual([...slugs].sort());
  });

  it('matches LIKE wildcards literally', async () => {
    const pct = (await get(`/api/products?q=${encodeURIComponent('100%')}`)).json() as ListBody;
    expect(pct.items.map((p) => p.slug)).toEqual(['chef-knife']);
    const underscore = (await get(`/api/products?q=${encodeURIComponent('p_e')}`)).json() as ListBody;
    expect(underscore.items.map((p) => p.slug)).toEqual(['chef-knife']);
    const none = (await get(`/api/products?q=${encodeURIComponent('%')}`)).json() as ListBody;
    expect(none.items.map((p) => p.slug)).toEqual(['chef-knife']);
  });

  it.each(['newest', 'price_asc', 'price_desc', 'name'])('pages by cursor with no duplicates or gaps (%s)', async (sort) => {
    const all = (await get(`/api/products?sort=${sort}&limit=100`)).json() as ListBody;
    expect(all.items).toHaveLength(58);
    expect(all.nextCursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/products?sort=${sort}&limit=7${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await get(url);
      expect(res.statusCode).toBe(200);
      const body = res.json() as ListBody;
      seen.push(...body.items.map((p) => p.slug));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(seen).toEqual(all.items.map((p) => p.slug));
    if (sort === 'price_asc') {
      const prices = all.items.map((p) => p.priceWon);
      expect(prices).toEqual([...prices].sort((a, b) => a - b));
    }
  });

  it('pages by page number with a total', async () => {
    const all = (await get('/api/products?sort=name&limit=100')).json() as ListBody;
    const seen: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const body = (await get(`/api/products?sort=name&limit=25&page=${page}`)).json() as ListBody;
      expect(body.total).toBe(58);
      seen.push(...body.items.map((p) => p.slug));
    }
    expect(seen).toEqual(all.items.map((p) => p.slug));
    const beyond = (await get('/api/products?limit=25&page=9')).json() as ListBody;
    expect(beyond.items).toEqual([]);
  });

  it('pages past a product with a very long Korean name', async () => {
    const long = '가'.repeat(200);
    await shop.sql`INSERT INTO products (sku, slug, name, price_won, category_id) VALUES ('L-1', 'long-name', ${long}, 1, (SELECT id FROM categories WHERE slug = 'kitchen'))`;
    try {
      const all = (await get('/api/products?sort=name&limit=100')).json() as ListBody;
      const at = all.items.findIndex((p) => p.slug === 'long-name');
      const before = (await get(`/api/products?sort=name&limit=${at + 1}`)).json() as ListBody;
      expect(before.items.at(-1)!.slug).toBe('long-name');
      const next = await get(`/api/products?sort=name&limit=100&cursor=${before.nextCursor}`);
      expect(next.statusCode).toBe(200);
      expect((next.json() as ListBody).items.map((p) => p.slug)).toEqual(all.items.slice(at + 1).map((p) => p.slug));
    } finally {
      await shop.sql`DELETE FROM products WHERE sku = 'L-1'`;
    }
  });

  it('refuses a forged or mismatched cursor', async () => {
    const first = (await get('/api/products?sort=name&limit=2')).json() as ListBody;
    const other = await get(`/api/products?sort=price_asc&cursor=${first.nextCursor}`);
    expect(other.statusCode).toBe(400);
    expect(other.json().error.code).toBe('INVALID_CURSOR');
    const junk = await get('/api/products?cursor=not-a-cursor');
    expect(junk.json().error.code).toBe('INVALID_CURSOR');
    const both = await get(`/api/products?sort=name&page=2&cursor=${first.nextCursor}`);
    expect(both.json().error.code).toBe('CURSOR_AND_PAGE');
  });

  it('returns one product by slug, and 404 when missing or inactive', async () => {
    const res = await get('/api/products/white-sneakers');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ sku: 'S-1', name: '화이트 운동화', nameEn: 'White sneakers', priceWon: 59000, stock: 10, category: { slug: 'shoes' } });
    for (const slug of ['hidden-shoe', 'no-such-thing']) {
      const miss = await get(`/api/products/${slug}`);
      expect(miss.statusCode).toBe(404);
      expect(miss.json().error.code).toBe('NOT_FOUND');
    }
  });

  it('sends ETag and Cache-Control, and 304 to a matching If-None-Match', async () => {
    for (const url of ['/api/categories', '/api/products?category=shoes', '/api/products/white-sneakers']) {
      const first = await get(url);
      expect(first.headers['cache-control']).toMatch(/^public, max-age=\d+, stale-while-revalidate=\d+$/);
      const tag = first.headers.etag as string;
      expect(tag).toBeTruthy();
      const again = await get(url, { 'if-none-match': tag });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers['cache-control']).toBe(first.headers['cache-control']);
    }
    const changed = await get('/api/products/white-sneakers', { 'if-none-match': 'W/"stale"' });
    expect(changed.statusCode).toBe(200);
    const missing = await get('/api/products/no-such-thing');
    expect(missing.headers['cache-control']).toBe('no-store');
  });

  it('documents the catalog, admin product and media routes in OpenAPI', async () => {
    const paths = Object.keys((await get('/docs/json')).json().paths as object);
    for (const p of [
      '/api/categories',
      '/api/products',
      '/api/products/{slug}',
      '/api/admin/products',
      '/api/admin/products/{id}/stock-adjustments',
      '/api/admin/products/{id}/images',
      '/media/{key}',
    ]) {
      expect(paths).toContain(p);
    }
  });
});
