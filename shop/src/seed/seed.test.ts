import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestShop, inProcessS3, type TestShop } from '../testing/index.js';
import { seedCatalog } from './seed.js';

const catalogOf = (shop: TestShop) => shop.sql`
  SELECT p.sku, p.slug, p.name, p.name_en, p.description, p.price_won, p.stock, p.images, p.created_at, c.slug AS category
  FROM products p JOIN categories c ON c.id = p.category_id ORDER BY p.sku`;

describe('seed', () => {
  let first: TestShop;
  let second: TestShop;

  beforeAll(async () => {
    [first, second] = await Promise.all([createTestShop(inject('pgAdminUrl')), createTestShop(inject('pgAdminUrl'))]);
    const progress: number[] = [];
    await seedCatalog({ sql: first.sql, media: first.app.media, onProgress: (done) => progress.push(done) });
    expect(progress.at(-1)).toBe(200);
    await seedCatalog({ sql: second.sql, media: second.app.media });
  });
  afterAll(async () => Promise.all([first.close(), second.close()]));

  it('loads about 200 products over nested categories with images', async () => {
    const [counts] = await first.sql`
      SELECT (SELECT count(*)::int FROM products) AS products,
             (SELECT count(*)::int FROM categories) AS categories,
             (SELECT count(*)::int FROM categories WHERE parent_id IS NOT NULL) AS nested,
             (SELECT count(*)::int FROM products WHERE cardinality(images) = 0) AS without_images`;
    expect(counts).toEqual({ products: 200, categories: 14, nested: 9, without_images: 0 });
    const files = readdirSync(first.mediaDir);
    expect(files.every((f) => /^[0-9a-f]{32}\.svg$/.test(f))).toBe(true);
    const svg = readFileSync(path.join(first.mediaDir, files[0]!), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });

  it('gives the same catalog on every run', async () => {
    expect(await catalogOf(second)).toEqual(await catalogOf(first));
    expect(readdirSync(second.mediaDir).sort()).toEqual(readdirSync(first.mediaDir).sort());
  });

  it('adds nothing when run again, and only the missing products when grown', async () => {
    const before = await catalogOf(first);
    const again = await seedCatalog({ sql: first.sql, media: first.app.media });
    expect(again).toMatchObject({ productsInserted: 0, productsTotal: 200 });
    expect(await catalogOf(first)).toEqual(before);
    const grown = await seedCatalog({ sql: first.sql, media: first.app.media, products: 1500 });
    expect(grown).toMatchObject({ productsInserted: 1300, productsTotal: 1500 });
    expect((await catalogOf(first)).slice(0, 200)).toEqual(before);
  });

  it('has sneakers the catalog search finds in Korean and English', async () => {
    for (const q of ['운동화', '운동', 'sneak']) {
      const res = await second.app.inject(`/api/products?q=${encodeURIComponent(q)}&limit=100`);
      const items = res.json().items as { name: string; nameEn: string }[];
      expect(items.length, q).toBeGreaterThanOrEqual(3);
      expect(items.every((p) => p.name.includes('운동화') || p.nameEn.toLowerCase().includes('sneak'))).toBe(true);
    }
    const shoes = (await second.app.inject('/api/products?category=fashion&limit=100')).json().items as { category: { slug: string } }[];
    expect(new Set(shoes.map((p) => p.category.slug))).toEqual(new Set(['shoes', 'clothing', 'bags']));
  });

  it('serves the placeholder images from /media as sandboxed SVG', async () => {
    const product = (await second.app.inject('/api/products?limit=1')).json().items[0] as { images: string[] };
    const res = await second.app.inject(product.images[0]!);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/svg+xml');
    expect(res.headers['content-security-policy']).toContain('sandbox');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toContain('<svg');
  });
});

describe('seed with MEDIA_BUCKET set', () => {
  it('puts the same placeholders in the bucket as in a folder, typed as SVG, and none again when run again', async () => {
    const bucket = inProcessS3();
    const [inBucket, inFolder] = await Promise.all([createTestShop(inject('pgAdminUrl'), {}, { mediaBucket: bucket }), createTestShop(inject('pgAdminUrl'))]);
    try {
      await seedCatalog({ sql: inBucket.sql, media: inBucket.app.media, products: 20 });
      await seedCatalog({ sql: inFolder.sql, media: inFolder.app.media, products: 20 });
      expect([...bucket.objects.keys()].sort()).toEqual(readdirSync(inFolder.mediaDir).sort());
      expect(readdirSync(inBucket.mediaDir)).toEqual([]);
      expect([...bucket.objects.values()].every((o) => o.contentType === 'image/svg+xml')).toBe(true);
      const puts = () => bucket.requests.filter((r) => r.operation === 'PutObject').length;
      const before = puts();
      await seedCatalog({ sql: inBucket.sql, media: inBucket.app.media, products: 20 });
      expect(puts()).toBe(before);
    } finally {
      await Promise.all([inBucket.close(), inFolder.close()]);
    }
  });
});
