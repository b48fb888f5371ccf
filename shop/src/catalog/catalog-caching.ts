import { createHash } from 'node:crypto';
import fp from 'fastify-plugin';
import etag from '@fastify/etag';
import type { FastifyInstance } from 'fastify';
import { catalogCaching } from '@evermall/topology';

/**
 * The catalog's weak ETag for a body: set by @fastify/etag on an answer computed now, and by the
 * cache on an answer it stored (computed once then, not on every hit). One function, so both match.
 */
export function etagOf(body: string | Buffer): string {
  return `W/"${bodyHash(body)}"`;
}

function bodyHash(body: string | Buffer): string {
  return createHash('sha1').update(body).digest('base64');
}

const CACHE_CONTROL = `public, max-age=${catalogCaching.maxAgeSeconds}, stale-while-revalidate=${catalogCaching.staleWhileRevalidateSeconds}`;

/**
 * Catalog answers are the same for every visitor, so CloudFront and browsers may cache them
 * briefly and revalidate with If-None-Match (a 304 costs no body). Registered inside the
 * catalog plugin only: carts, orders and accounts are private and never cached.
 */
export default fp(
  async function catalogCachingPlugin(app: FastifyInstance) {
    // @fastify/etag answers 304 when If-None-Match matches, and sets the ETag where no hook did.
    await app.register(etag, { hashFn: bodyHash, weak: true });
    app.addHook('onSend', async (request, reply, payload) => {
      if (request.method !== 'GET') return payload;
      // A 304 repeats the 200's caching headers (RFC 9110, 15.4.5); errors are never cached.
      reply.header('cache-control', reply.statusCode === 200 || reply.statusCode === 304 ? CACHE_CONTROL : 'no-store');
      return payload;
    });
  },
  { name: 'catalog-caching' },
);
