import type { Sql } from '../db/pools.js';
import { conflict, notFound, unprocessable } from '../errors.js';
import type { Product, ProductList } from '../catalog/catalog.schemas.js';
import { listProducts, type ListOptions } from '../catalog/catalog.service.js';
import { findProductById, toProduct } from '../catalog/products.repository.js';
import type { MediaStorage } from '../media/media-storage.js';
import { removeImage, storeImage, type Upload } from '../media/media.store.js';
import * as repository from './products.repository.js';
import type { ProductCreate, ProductUpdate, StockAdjusted, StockAdjustmentCreate } from './products.schemas.js';

/**
 * Staff product management. Writes go to the writer; staff lists read the writer too, so a
 * product just saved shows in the list at once. Authorization is the routes' preHandler.
 */

/** Turns constraint violations into the errors a staff member can act on. */
function translateConstraint(err: unknown): never {
  const e = err as { code?: string; constraint_name?: string };
  if (e.code === '23505' && e.constraint_name === 'products_sku_key') throw conflict('SKU_TAKEN', 'Another product already has this SKU.');
  if (e.code === '23505' && e.constraint_name === 'products_slug_key') throw conflict('SLUG_TAKEN', 'Another product already has this slug.');
  if (e.code === '23503' && e.constraint_name === 'products_category_id_fkey') {
    throw unprocessable('UNKNOWN_CATEGORY', 'There is no category with this id.');
  }
  throw err;
}

export async function listAllProducts(writer: Sql, query: ListOptions): Promise<ProductList> {
  return listProducts(writer, { ...query, includeInactive: true, page: query.page ?? (query.cursor ? undefined : 1) });
}

export async function getProduct(writer: Sql, id: number): Promise<Product> {
  const row = await findProductById(writer, id);
  if (!row) throw notFound('Product');
  return toProduct(row);
}

export async function createProduct(writer: Sql, input: ProductCreate): Promise<Product> {
  const row = await repository.insertProduct(writer, input).catch(translateConstraint);
  return toProduct(row);
}

export async function updateProduct(writer: Sql, id: number, changes: ProductUpdate): Promise<Product> {
  const row = await repository.updateProduct(writer, id, changes).catch(translateConstraint);
  if (!row) throw notFound('Product');
  return toProduct(row);
}

/** Deactivated products leave the catalog but stay in past orders, so nothing is deleted. */
export async function deactivateProduct(writer: Sql, id: number): Promise<Product> {
  const row = await repository.deactivateProduct(writer, id);
  if (!row) throw notFound('Product');
  return toProduct(row);
}

export async function setStock(writer: Sql, id: number, stock: number, userId: number, lowUnits: number): Promise<Product> {
  const row = await repository.setStock(writer, id, stock, userId, lowUnits);
  if (!row) throw notFound('Product');
  return toProduct(row);
}

export async function adjustStock(writer: Sql, id: number, input: StockAdjustmentCreate, userId: number, lowUnits: number): Promise<StockAdjusted> {
  const row = await repository.adjustStock(writer, id, input.delta, input.reason, userId, lowUnits);
  if (!row) {
    const stock = await repository.findStock(writer, id);
    if (stock === undefined) throw notFound('Product');
    throw conflict('STOCK_WOULD_GO_NEGATIVE', `Only ${stock} in stock; cannot remove ${-input.delta}.`, { stock, delta: input.delta });
  }
  return {
    adjustment: { id: Number(row.adjustment_id), delta: input.delta, reason: input.reason, createdAt: row.adjustment_created_at.toISOString() },
    product: toProduct(row),
  };
}

/** Stores the image in the media store (the bucket, or MEDIA_DIR) and appends its key to the product's images. */
export async function addProductImage(writer: Sql, media: MediaStorage, id: number, upload: Upload): Promise<Product> {
  if (!(await findProductById(writer, id))) {
    upload.content.resume();
    throw notFound('Product');
  }
  const key = await storeImage(media, upload);
  const row = await repository.appendImage(writer, id, key);
  if (!row) {
    await removeImage(media, key);
    throw notFound('Product');
  }
  return toProduct(row);
}
