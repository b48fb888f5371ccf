import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { etagOf } from './catalog-caching.js';

/**
 * Catalog answers from the cache (cache/catalog-cache.ts: this instance's memory, then the cache
 * tier), when there is one: a request whose path and query were answered since the last staff
 * change gets the same body and ETag without a database query.
 *
 * The lookup runs in onRequest, before the query is validated: only 200s are ever stored, so a
 * stored answer's path and query passed validation when it was computed. Registered before
 * `catalog-caching`, so its onSend hook stores a 200's body (and sets the ETag computed once for
 * it) before the ETag hook may turn a repeat into a bodiless 304; a body sent from here passes
 * through the ETag and Cache-Control hooks like any other. Errors are computed again.
 */
export default fp(
  async function cachedAnswers(app: FastifyInstance) {
    const catalog = app.cache?.catalog;
    if (!catalog) return;
    /** Where to store each request's answer, set on a miss. */
    const storeKeys = new WeakMap<FastifyRequest, string>();

    app.addHook('onRequest', async (request, reply) => {
      if (request.method !== 'GET') return;
      const lookup = await catalog.lookup(request.url);
      if (lookup === undefined) return;
      if (lookup.found === null) {
        storeKeys.set(request, lookup.storeKey);
        return;
      }
      return reply.header('etag', lookup.found.etag).type('application/json; charset=utf-8').send(lookup.found.body);
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const storeKey = storeKeys.get(request);
      if (storeKey === undefined || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
      const answer = { body: Buffer.from(payload), etag: etagOf(payload) };
      reply.header('etag', answer.etag);
      await catalog.store(request.url, storeKey, answer);
      return answer.body;
    });
  },
  { name: 'catalog-cached-answers', dependencies: ['cache'] },
);
