import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../lib/error-body.js';
import { SALES_DAYS_DEFAULT, SalesQuery, SalesReport } from './sales.schemas.js';
import { salesReport } from './sales.service.js';

/**
 * Staff sales figures under /api/admin/sales. Read from the writer like the other staff reads:
 * the reader pool is the catalog's (db/pools.ts).
 */
const adminSalesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', async (request) => {
    app.requireAdmin(request);
  });

  app.get(
    '',
    {
      schema: {
        tags: ['admin'],
        security: [{ session: [] }],
        summary: 'Sales per day, top products, sales per category and recent stock.low announcements, from the analytics store',
        querystring: SalesQuery,
        response: { 200: SalesReport, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => salesReport(app.pools.writer, request.query.days ?? SALES_DAYS_DEFAULT),
  );
};

export default adminSalesRoutes;
