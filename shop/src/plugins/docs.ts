import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * The OpenAPI document, generated from the routes' TypeBox schemas, always (`app.swagger()`:
 * the storefront's API types and the fuzz test read it in-process), and served with a UI at
 * /docs only when `enabled` (DOCS_ENABLED; off in production unless set): the document maps
 * every route an attacker could try.
 */
export default fp(
  async function docs(app: FastifyInstance, opts: { enabled: boolean }) {
    await app.register(swagger, {
      openapi: {
        info: { title: 'Evermall shop API', version: '1.0.0', description: 'Catalog, cart, checkout, orders, accounts and staff admin.' },
        tags: [{ name: 'catalog' }, { name: 'auth' }, { name: 'cart' }, { name: 'checkout' }, { name: 'orders' }, { name: 'admin' }, { name: 'operations' }],
        components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'evermall_session' } } },
      },
    });
    if (!opts.enabled) return;
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      // The UI's own Content-Security-Policy (its scripts and styles are its own files, its icons
      // data: URLs) replaces the shop's `default-src 'none'` on its pages. Scripts stay 'self' only;
      // styles may be inline, which the UI applies as it renders (docs.test.ts runs it in Chromium).
      // Not framed by anyone, and without upgrade-insecure-requests, which would send a development
      // browser to https://localhost.
      staticCSP: true,
      transformStaticCSP: (header) =>
        header
          .replace(/frame-ancestors [^;]*;/, "frame-ancestors 'none';")
          .replace(/style-src ([^;]*);/, "style-src $1 'unsafe-inline';")
          .replace(/\s*upgrade-insecure-requests;?/, ''),
    });
  },
  { name: 'docs' },
);
