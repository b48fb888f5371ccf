import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers from the shop itself, not only from CloudFront: the ALB can be reached
 * directly. Helmet's defaults (nosniff, no-referrer, X-Frame-Options) plus:
 * - a Content-Security-Policy that lets nothing load and nobody frame the shop's answers (JSON,
 *   and the few HTML error pages); the docs UI sets its own (plugins/docs.ts), media its own;
 * - HSTS only when the shop is reached over HTTPS (COOKIE_SECURE), as CloudFront sends it
 *   (one year, subdomains: infra/lib/constructs/spa.ts);
 * - `Cache-Control: no-store` on every answer that does not choose its own caching: carts,
 *   checkout, orders, accounts and admin are private. The catalog (catalog-caching.ts) and
 *   media set their own caching after this and keep it.
 */
export default fp(
  async function securityHeaders(app: FastifyInstance, opts: { https: boolean }) {
    await app.register(helmet, {
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] } },
      frameguard: { action: 'deny' },
      hsts: opts.https ? { maxAge: 365 * 24 * 60 * 60, includeSubDomains: true } : false,
      // Same-site, not same-origin: the storefront in development runs on another port of the same host.
      crossOriginResourcePolicy: { policy: 'same-site' },
    });
    app.addHook('onRequest', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });
  },
  { name: 'security-headers' },
);
