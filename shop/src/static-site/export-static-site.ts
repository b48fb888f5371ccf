import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, lstat, mkdir, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Sql } from '../db/pools.js';
import { isMediaKey } from '../media/media-keys.js';
import type { MediaStorage } from '../media/media-storage.js';
import { exportCatalogAnswers } from './export-catalog-answers.js';
import { categoryPage, homePage, productPage, type SiteCategory, type SiteProduct } from './pages.js';
import { listActiveProducts, listCategories } from './static-site.repository.js';

export interface ExportOptions {
  /** A reader is enough: the backup site only shows the catalog. */
  sql: Sql;
  /** Where the images the pages show are copied from: the media bucket or MEDIA_DIR. */
  media: MediaStorage;
  outDir: string;
  /** Products per category page. */
  pageSize?: number;
  /** Newest products on the home page. */
  featured?: number;
}

export interface ExportResult {
  outDir: string;
  version: string;
  categories: number;
  products: number;
  pages: number;
  images: number;
  /** JSON answers to the SPA's catalog GETs (catalog-answers.ts). */
  catalogAnswers: number;
}

/** Files written at once; enough to keep the disk busy without running out of descriptors. */
const WRITE_CONCURRENCY = 64;

/**
 * Renders the active catalog to static HTML in `outDir`: home, category and product pages and
 * the images they show, and the JSON answers to the SPA's catalog GETs (export-catalog-answers.ts). The site is built in a new version folder next to `outDir`, and `outDir`
 * is a symlink that is atomically renamed onto the new version, so a reader (the front door, an
 * S3 sync) never sees a half-written site. The previous version is kept for readers in flight.
 */
export async function exportStaticSite({ sql, media, outDir, pageSize = 48, featured = 24 }: ExportOptions): Promise<ExportResult> {
  const target = path.resolve(outDir);
  const versionsDir = path.join(path.dirname(target), `.${path.basename(target)}.versions`);
  const version = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const staging = path.join(versionsDir, version);
  await mkdir(path.join(staging, 'media'), { recursive: true });
  try {
    const { tree, byId } = await loadCategories(sql);
    const products = await listActiveProducts(sql);
    const generatedAt = new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
    const files: [string, string][] = [];

    const newest = [...products].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id).slice(0, featured);
    files.push(['index.html', homePage(tree, newest, generatedAt)]);

    const trailOf = (categoryId: number): SiteCategory[] => {
      const trail: SiteCategory[] = [];
      for (let c = byId.get(categoryId); c; c = c.parentId === null ? undefined : byId.get(c.parentId)) trail.unshift(c);
      return trail;
    };
    const inCategory = new Map<number, SiteProduct[]>();
    for (const p of products) {
      for (const c of trailOf(p.categoryId)) {
        const list = inCategory.get(c.id) ?? [];
        list.push(p);
        inCategory.set(c.id, list);
      }
      files.push([`p/${p.slug}.html`, productPage(p, trailOf(p.categoryId), generatedAt)]);
    }
    for (const category of byId.values()) {
      const list = (inCategory.get(category.id) ?? []).sort((a, b) => a.name.localeCompare(b.name, 'ko') || a.slug.localeCompare(b.slug));
      const pageCount = Math.max(1, Math.ceil(list.length / pageSize));
      for (let page = 1; page <= pageCount; page++) {
        const slice = list.slice((page - 1) * pageSize, page * pageSize);
        const name = page === 1 ? 'index' : `page-${page}`;
        files.push([`c/${category.slug}/${name}.html`, categoryPage(category, trailOf(category.id), slice, page, pageCount, generatedAt)]);
      }
    }

    await mkdir(path.join(staging, 'p'), { recursive: true });
    for (const c of byId.values()) await mkdir(path.join(staging, 'c', c.slug), { recursive: true });
    await inBatches(files, ([name, html]) => writeFile(path.join(staging, name), html));
    const answers = await exportCatalogAnswers(sql, staging);

    const previous = await currentVersion(target);
    const keys = [...new Set(products.flatMap((p) => p.images))].filter(isMediaKey);
    let images = 0;
    await inBatches(keys, async (key) => {
      if (await copyImage(key, media, previous, staging)) images++;
    });

    await swapIn(target, staging);
    await pruneVersions(versionsDir, new Set([version, previous ? path.basename(previous) : '']));
    return { outDir: target, version, categories: byId.size, products: products.length, pages: files.length, images, catalogAnswers: answers };
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

async function loadCategories(sql: Sql): Promise<{ tree: SiteCategory[]; byId: Map<number, SiteCategory> }> {
  const byId = new Map((await listCategories(sql)).map((c) => [c.id, c]));
  const tree: SiteCategory[] = [];
  for (const c of byId.values()) {
    const parent = c.parentId === null ? undefined : byId.get(c.parentId);
    (parent ? parent.children : tree).push(c);
  }
  return { tree, byId };
}

async function inBatches<T>(items: T[], work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += WRITE_CONCURRENCY) {
    await Promise.all(items.slice(i, i + WRITE_CONCURRENCY).map(work));
  }
}

/** Keys name immutable content, so the previous version's copy can be hard-linked instead of copied again. */
async function copyImage(key: string, media: MediaStorage, previous: string | undefined, staging: string): Promise<boolean> {
  const to = path.join(staging, 'media', key);
  if (previous) {
    try {
      await link(path.join(previous, 'media', key), to);
      return true;
    } catch {
      // Not in the previous version (or another filesystem): copy from the media store below.
    }
  }
  const image = await media.open(key);
  if (!image) return false;
  await pipeline(image.body, createWriteStream(to));
  return true;
}

/** The version folder `target` points at now, if it is one of our symlinks. */
async function currentVersion(target: string): Promise<string | undefined> {
  try {
    if (!(await lstat(target)).isSymbolicLink()) return undefined;
    return path.resolve(path.dirname(target), await readlink(target));
  } catch {
    return undefined;
  }
}

/**
 * rename(2) replaces a symlink atomically. A plain directory in the way (made by someone else)
 * is moved into the versions folder first; that one swap is not atomic.
 */
async function swapIn(target: string, staging: string): Promise<void> {
  const parent = path.dirname(target);
  const tempLink = path.join(parent, `.${path.basename(target)}.link-${randomBytes(4).toString('hex')}`);
  await symlink(path.relative(parent, staging), tempLink);
  try {
    const existing = await lstat(target).catch(() => undefined);
    if (existing && !existing.isSymbolicLink()) {
      await rename(target, path.join(path.dirname(staging), `replaced-${randomBytes(4).toString('hex')}`));
    }
    await rename(tempLink, target);
  } catch (err) {
    await rm(tempLink, { force: true });
    throw err;
  }
}

async function pruneVersions(versionsDir: string, keep: Set<string>): Promise<void> {
  for (const name of await readdir(versionsDir)) {
    if (!keep.has(name)) await rm(path.join(versionsDir, name), { recursive: true, force: true });
  }
}
