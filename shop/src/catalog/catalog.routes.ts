import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { readWithFallback } from '../db/pools.js';
import { errorResponses } from '../lib/error-body.js';
import catalogCaching from './catalog-caching.js';
import cachedAnswers from './cached-answers.js';
import { CategoryTree, Product, ProductList, ProductListQuery, SlugParams } from './catalog.schemas.js';
import { categoryTree, listProducts, productBySlug } from './catalog.service.js';

/** The public catalog. Reads come from the cache tier when it has the answer, else the reader pool (a replica when configured), hedged to the writer when the reader fails or lags (readWithFallback). */
const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(cachedAnswers);
  await app.register(catalogCaching);

  app.get(
    '/categories',
    {
      schema: {
        tags: ['catalog'],
        summary: 'The category tree',
        response: { 200: Type.Object({ items: Type.Array(CategoryTree) }), ...errorResponses(400) },
      },
    },
    async () => ({ items: await readWithFallback(app.pools, categoryTree) }),
  );

  app.get(
    '/products',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Browse and search active products',
        description: 'Filter by category (with its sub-categories) and search words in Korean or English. Page with `cursor` (keyset) or `page` (offset).',
        querystring: ProductListQuery,
        response: { 200: ProductList, ...errorResponses(400, 404) },
      },
    },
    async (request) => readWithFallback(app.pools, (sql) => listProducts(sql, request.query)),
  );

  app.get(
    '/products/:slug',
    {
      schema: {
        tags: ['catalog'],
        summary: 'One active product',
        params: SlugParams,
        response: { 200: Product, ...errorResponses(400, 404) },
      },
    },
    async (request) => readWithFallback(app.pools, (sql) => productBySlug(sql, request.params.slug)),
  );
};

export default catalogRoutes;
