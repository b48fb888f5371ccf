import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config.js';
import adminProductRoutes from './products.routes.js';
import adminSalesRoutes from './sales.routes.js';

/** Staff routes under /api/admin. Each group checks for an admin session itself. */
const adminRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, opts) => {
  await app.register(adminProductRoutes, { prefix: '/products', config: opts.config });
  await app.register(adminSalesRoutes, { prefix: '/sales' });
};

export default adminRoutes;
