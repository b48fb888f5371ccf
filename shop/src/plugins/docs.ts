import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** The OpenAPI document, generated from the routes' TypeBox schemas, with a UI at /docs. */
export default fp(
  async function docs(app: FastifyInstance) {
    await app.register(swagger, {
      openapi: {
        info: { title: 'Evermall shop API', version: '1.0.0', description: 'Catalog, cart, checkout, orders, accounts and staff admin.' },
        tags: [{ name: 'catalog' }, { name: 'auth' }, { name: 'cart' }, { name: 'checkout' }, { name: 'orders' }, { name: 'admin' }, { name: 'operations' }],
        components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'evermall_session' } } },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'docs' },
);
