import { PassThrough, pipeline, type Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config.js';
import { badRequest, ShopError } from '../errors.js';
import { errorResponses } from '../lib/error-body.js';
import { Product, ProductList } from '../catalog/catalog.schemas.js';
import { AdminProductListQuery, ProductCreate, ProductIdParams, ProductUpdate, StockAdjusted, StockAdjustmentCreate, StockSet } from './products.schemas.js';
import * as products from './products.service.js';

const security = [{ session: [] }];

/**
 * The uploaded file as a stream that always ends or fails. When the body stops in the middle
 * of the file part, busboy emits "Part terminated early" but never ends the file stream, and
 * @fastify/multipart may destroy it without an error, so a reader would wait forever. A
 * pipeline attached at once turns both into an error on the stream we hand on.
 */
function uploadedContent(file: Readable): Readable {
  if (file.destroyed && !file.readableEnded) throw badRequest('INVALID_MULTIPART', 'The upload ended before the file did.');
  const content = new PassThrough();
  pipeline(file, content, () => undefined);
  return content;
}

/**
 * The multipart parser (busboy) throws plain errors for a body that is not valid multipart
 * (no boundary, a truncated part). Those are the client's fault: answer 400, not 500. Errors
 * that already carry a status (too large, too many parts, ours) pass through.
 */
const BUSBOY_ERRORS =
  /^(Multipart: Boundary not found|Boundary required|Unexpected end of multipart data|\w+ terminated early due to unexpected end of multipart data|Malformed part header)$/;

function asMultipartError(err: unknown): never {
  if (err instanceof ShopError || (err as { statusCode?: number }).statusCode !== undefined) throw err;
  const prematureClose = (err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE';
  if (prematureClose || (err instanceof Error && BUSBOY_ERRORS.test(err.message))) {
    throw badRequest('INVALID_MULTIPART', 'The upload is not valid multipart/form-data.');
  }
  throw err;
}

const staffErrors = [400, 401, 403, 404];

/** Staff product routes under /api/admin/products. Every route requires an admin session. */
const adminProductRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, opts) => {
  // Multipart only here: no other route accepts uploads. One file, capped at MEDIA_MAX_BYTES.
  await app.register(multipart, { limits: { fileSize: opts.config.MEDIA_MAX_BYTES, files: 1, fields: 4, parts: 5 } });
  app.addHook('preHandler', async (request) => {
    app.requireAdmin(request);
  });
  // Every staff change (price, stock, activation, images, anything else) makes the catalog's cached
  // answers old on every instance, before the staff member sees the answer. Whatever the status:
  // a write that failed after its commit still changed the catalog, and staff writes are rare.
  app.addHook('onSend', async (request, _reply, payload) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && request.user?.role === 'admin') await app.cache?.catalog.invalidate();
    return payload;
  });
  const writer = app.pools.writer;

  // '' rather than '/': the documented path is /api/admin/products, without a trailing slash.
  app.get(
    '',
    {
      schema: {
        tags: ['admin'],
        security,
        summary: 'All products, inactive included',
        querystring: AdminProductListQuery,
        response: { 200: ProductList, ...errorResponses(...staffErrors) },
      },
    },
    async (request) => products.listAllProducts(writer, request.query),
  );

  app.post(
    '',
    { schema: { tags: ['admin'], security, summary: 'Create a product', body: ProductCreate, response: { 201: Product, ...errorResponses(...staffErrors, 409, 422) } } },
    async (request, reply) => reply.status(201).send(await products.createProduct(writer, request.body)),
  );

  app.get(
    '/:id',
    { schema: { tags: ['admin'], security, summary: 'One product, active or not', params: ProductIdParams, response: { 200: Product, ...errorResponses(...staffErrors) } } },
    async (request) => products.getProduct(writer, request.params.id),
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags: ['admin'],
        security,
        summary: 'Change a product',
        params: ProductIdParams,
        body: ProductUpdate,
        response: { 200: Product, ...errorResponses(...staffErrors, 409, 422) },
      },
    },
    async (request) => products.updateProduct(writer, request.params.id, request.body),
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags: ['admin'],
        security,
        summary: 'Deactivate a product (it stays in past orders)',
        params: ProductIdParams,
        response: { 200: Product, ...errorResponses(...staffErrors) },
      },
    },
    async (request) => products.deactivateProduct(writer, request.params.id),
  );

  app.put(
    '/:id/stock',
    {
      schema: {
        tags: ['admin'],
        security,
        summary: 'Set the stock to a counted figure',
        params: ProductIdParams,
        body: StockSet,
        response: { 200: Product, ...errorResponses(...staffErrors) },
      },
    },
    async (request) => products.setStock(writer, request.params.id, request.body.stock, app.requireAdmin(request).id, opts.config.STOCK_LOW_UNITS),
  );

  app.post(
    '/:id/stock-adjustments',
    {
      schema: {
        tags: ['admin'],
        security,
        summary: 'Add or remove stock; never below 0',
        params: ProductIdParams,
        body: StockAdjustmentCreate,
        response: { 201: StockAdjusted, ...errorResponses(...staffErrors, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await products.adjustStock(writer, request.params.id, request.body, app.requireAdmin(request).id, opts.config.STOCK_LOW_UNITS)),
  );

  app.post(
    '/:id/images',
    {
      schema: {
        tags: ['admin'],
        security,
        summary: 'Upload a product image (multipart, one file: JPEG, PNG, WebP, GIF or AVIF)',
        consumes: ['multipart/form-data'],
        params: ProductIdParams,
        response: { 201: Product, ...errorResponses(...staffErrors, 413, 415) },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw badRequest('NOT_MULTIPART', 'Send the image as multipart/form-data.');
      const file = await request.file().catch(asMultipartError);
      if (!file) throw badRequest('NO_FILE', 'The upload has no file.');
      const limits = { maxPixels: opts.config.MEDIA_MAX_PIXELS, maxSidePx: opts.config.MEDIA_MAX_SIDE_PX };
      const upload = { content: uploadedContent(file.file), truncated: () => file.file.truncated, limits };
      const product = await products.addProductImage(writer, app.media, request.params.id, upload).catch(asMultipartError);
      return reply.status(201).send(product);
    },
  );
};

export default adminProductRoutes;
