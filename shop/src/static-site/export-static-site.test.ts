import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { seedCatalog } from '../seed/seed.js';
import { createTestShop, inProcessS3, type TestShop } from '../testing/index.js';
import { startBackupExporter } from './backup-exporter.js';
import { catalogAnswerFile } from './catalog-answers.js';
import { exportStaticSite } from './export-static-site.js';
import { PAUSED_NOTICE_EN, PAUSED_NOTICE_KO } from './pages.js';

function htmlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.html'))
    .map((f) => path.join(dir, f));
}

const UPLOADED = '0123456789abcdef0123456789abcdef.png';

describe('static backup site', () => {
  let shop: TestShop;
  let work: string;

  beforeAll(async () => {
    shop = await createTestShop(inject('pgAdminUrl'));
    await seedCatalog({ sql: shop.sql, media: shop.app.media, products: 120 });
    await shop.sql`UPDATE products SET active = false WHERE sku = 'EM-000001'`;
    await shop.sql`UPDATE products SET name = '<script>alert(1)</script> 운동화' WHERE sku = 'EM-000002'`;
    // An uploaded photo, which the live shop lists with sized variants.
    writeFileSync(path.join(shop.mediaDir, UPLOADED), 'a png');
    await shop.sql`UPDATE products SET images = ${shop.sql.array([UPLOADED])} WHERE sku = 'EM-000004'`;
    work = mkdtempSync(path.join(os.tmpdir(), 'evermall-backup-'));
  });
  afterAll(async () => {
    await shop.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('renders home, category and product pages with the paused banner and nothing that posts', async () => {
    const out = path.join(work, 'site');
    const result = await exportStaticSite({ sql: shop.sql, media: shop.app.media, outDir: out, pageSize: 10 });
    expect(result).toMatchObject({ products: 119, categories: 14 });

    expect(existsSync(path.join(out, 'index.html'))).toBe(true);
    expect(existsSync(path.join(out, 'c', 'shoes', 'index.html'))).toBe(true);
    expect(existsSync(path.join(out, 'c', 'fashion', 'page-2.html'))).toBe(true);
    const [active] = await shop.sql<{ slug: string }[]>`SELECT slug FROM products WHERE sku = 'EM-000003'`;
    const [inactive] = await shop.sql<{ slug: string }[]>`SELECT slug FROM products WHERE sku = 'EM-000001'`;
    expect(existsSync(path.join(out, 'p', `${active!.slug}.html`))).toBe(true);
    expect(existsSync(path.join(out, 'p', `${inactive!.slug}.html`))).toBe(false);

    const pages = htmlFiles(out);
    expect(pages.length).toBe(result.pages);
    for (const file of pages) {
      const html = readFileSync(file, 'utf8');
      expect(html, file).toContain(PAUSED_NOTICE_KO);
      expect(html, file).toContain(PAUSED_NOTICE_EN);
      expect(html, file).not.toMatch(/<form|method=["']?post|<script|<button|<input/i);
    }
    const escaped =
      readFileSync(path.join(out, 'index.html'), 'utf8') +
      readdirSync(path.join(out, 'p'))
        .map((f) => readFileSync(path.join(out, 'p', f), 'utf8'))
        .join('');
    expect(escaped).toContain('&lt;script&gt;alert(1)&lt;/script&gt; 운동화');
  });

  it('copies the images the pages show, and links resolve inside the site', async () => {
    const out = path.join(work, 'site');
    const product = readFileSync(path.join(out, 'p', readdirSync(path.join(out, 'p'))[0]!), 'utf8');
    const links = [...product.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(2);
    for (const link of links) {
      expect(link).not.toMatch(/^(\/|https?:)/);
      expect(existsSync(path.join(out, 'p', link)), link).toBe(true);
    }
    expect(readdirSync(path.join(out, 'media')).length).toBeGreaterThan(0);
  });

  it("writes the catalog GETs' answers as the shop gives them, so the edge can answer the SPA from the backup site", async () => {
    const out = path.join(work, 'site');
    const [active] = await shop.sql<{ slug: string }[]>`SELECT slug FROM products WHERE sku = 'EM-000003'`;
    const [inactive] = await shop.sql<{ slug: string }[]>`SELECT slug FROM products WHERE sku = 'EM-000001'`;
    const answer = (url: string) => JSON.parse(readFileSync(path.join(out, catalogAnswerFile(url.split('?')[0]!)!), 'utf8')) as unknown;
    const live = async (url: string) => (await shop.app.inject({ method: 'GET', url })).json<unknown>();

    expect(answer('/api/categories')).toEqual(await live('/api/categories'));
    expect(answer(`/api/products/${active!.slug}`)).toEqual(await live(`/api/products/${active!.slug}`));
    // The home page's list, with no cursor into a copy that has no second page.
    expect(answer('/api/products?sort=newest')).toEqual({ ...((await live('/api/products?sort=newest')) as object), nextCursor: null });
    // The site copies originals, not their variants: its answers list each picture without sources.
    const [uploaded] = await shop.sql<{ slug: string }[]>`SELECT slug FROM products WHERE sku = 'EM-000004'`;
    const livePhoto = (await live(`/api/products/${uploaded!.slug}`)) as { pictures: { src: string; sources: unknown[] }[] };
    expect(livePhoto.pictures[0]!.sources).toHaveLength(2);
    expect(answer(`/api/products/${uploaded!.slug}`)).toEqual({ ...livePhoto, pictures: [{ src: `/media/${UPLOADED}`, sources: [] }] });
    expect(readdirSync(path.join(out, 'api', 'products'))).toHaveLength(119);
    expect(existsSync(path.join(out, 'api', 'products', inactive!.slug))).toBe(false);
    // Paths the export never writes, or that would climb out of the folder, have no answer.
    expect(catalogAnswerFile('/api/cart')).toBeUndefined();
    expect(catalogAnswerFile('/api/products/..%2F..%2Findex.html')).toBeUndefined();
    expect(catalogAnswerFile('/api/products/a/b')).toBeUndefined();
  });

  it('swaps a new version in atomically and keeps only the previous one', async () => {
    const out = path.join(work, 'swap');
    mkdirSync(out);
    writeFileSync(path.join(out, 'stale.html'), 'someone else made this folder');
    const versions = path.join(work, '.swap.versions');
    for (let i = 0; i < 3; i++) await exportStaticSite({ sql: shop.sql, media: shop.app.media, outDir: out });
    expect(lstatSync(out).isSymbolicLink()).toBe(true);
    expect(existsSync(path.join(out, 'stale.html'))).toBe(false);
    expect(readdirSync(versions)).toHaveLength(2);
    expect(readdirSync(work).filter((f) => f.includes('.link-'))).toEqual([]);
  });

  it('lets one instance at a time export, once per interval', async () => {
    const out = path.join(work, 'fleet');
    const exports: { instanceId: string; version: string }[] = [];
    // A failed round is only logged, so two exporters colliding could look like one export.
    const failedRounds: unknown[] = [];
    const logger = { info: () => undefined, warn: (obj: unknown) => void failedRounds.push(obj), error: (obj: unknown) => void failedRounds.push(obj) };
    const fleet = ['i-1', 'i-2', 'i-3'].map((instanceId) =>
      startBackupExporter({
        writer: shop.sql,
        reader: shop.sql,
        media: shop.app.media,
        outDir: out,
        intervalSeconds: 3600,
        instanceId,
        logger,
        onExported: (result) => {
          exports.push({ instanceId, version: result.version });
        },
      }),
    );
    // All three run their first round at start, at once, with no export recorded yet: only the
    // one holding the lock may export. stop() waits for a round in flight.
    await vi.waitFor(() => expect(exports.length).toBeGreaterThan(0));
    await Promise.all(fleet.map((e) => e.stop()));
    expect(failedRounds).toEqual([]);
    expect(exports).toHaveLength(1);
    // Within the interval nobody exports again, whoever holds the lock.
    for (const exporter of fleet) expect(await exporter.runOnce()).toBeUndefined();
    expect(exports).toHaveLength(1);
    const [record] = await shop.sql<{ instance: string; version: string }[]>`SELECT instance, version FROM backup_site_exports`;
    expect(record).toEqual({ instance: exports[0]!.instanceId, version: exports[0]!.version });
    expect(existsSync(path.join(out, 'index.html'))).toBe(true);
  });
});

describe('static backup site with MEDIA_BUCKET set', () => {
  it('copies the images its pages show from the bucket', async () => {
    const bucket = inProcessS3();
    const shop = await createTestShop(inject('pgAdminUrl'), {}, { mediaBucket: bucket });
    const work = mkdtempSync(path.join(os.tmpdir(), 'evermall-backup-bucket-'));
    try {
      await seedCatalog({ sql: shop.sql, media: shop.app.media, products: 10 });
      bucket.put(UPLOADED, 'a png', 'image/png');
      await shop.sql`UPDATE products SET images = ${shop.sql.array([UPLOADED])} WHERE sku = 'EM-000004'`;
      const result = await exportStaticSite({ sql: shop.sql, media: shop.app.media, outDir: path.join(work, 'site') });
      const shown = (await shop.sql<{ images: string[] }[]>`SELECT images FROM products WHERE active`).flatMap((p) => p.images);
      expect(readdirSync(path.join(work, 'site', 'media')).sort()).toEqual([...new Set(shown)].sort());
      expect(result.images).toBe(new Set(shown).size);
      expect(readFileSync(path.join(work, 'site', 'media', UPLOADED), 'utf8')).toBe('a png');
      expect(readdirSync(shop.mediaDir)).toEqual([]);
    } finally {
      await shop.close();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
