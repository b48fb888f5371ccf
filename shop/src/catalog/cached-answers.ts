import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Catalog answers from the cache tier (cache/catalog-cache.ts), when there is one: a request
 * whose path and query were answered since the last staff change gets the same body without a
 * database query. Registered before `catalog-caching` so its onSend hook stores the 200's body
 * before the ETag hook may turn a repeat into a bodiless 304; a body sent from here passes through
 * the ETag and Cache-Control hooks like any other. Only 200s are stored; errors are computed again.
 */
export default fp(
  async function cachedAnswers(app: FastifyInstance) {
    const catalog = app.cache?.catalog;
    if (!catalog) return;
    /** Where to store each request's answer, set on a miss. */
    const storeKeys = new WeakMap<FastifyRequest, string>();

    app.addHook('preHandler', async (request, reply) => {
      if (request.method !== 'GET') return;
      const found = await catalog.lookup(request.url);
      if (found === undefined) return;
      if (found.body === null) {
        storeKeys.set(request, found.storeKey);
        return;
      }
      return reply.type('application/json; charset=utf-8').send(found.body);
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const storeKey = storeKeys.get(request);
      if (storeKey !== undefined && reply.statusCode === 200 && typeof payload === 'string') await catalog.store(storeKey, payload);
      return payload;
    });
  },
  { name: 'catalog-cached-answers', dependencies: ['cache'] },
);
