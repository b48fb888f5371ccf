import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../lib/error-body.js';
import { OrdersService } from './orders.service.js';
import { AdminOrder, AdminOrderList, AdminOrderListQuery, OrderParams, StatusBody } from './orders.schemas.js';

const tags = ['admin'];

/** Staff: every order, and the status changes placed → paid → shipped, or cancelled. */
const adminOrdersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const orders = new OrdersService(app.pools.writer);

  app.get(
    '',
    {
      schema: {
        tags,
        summary: 'All orders, newest first, optionally by status',
        querystring: AdminOrderListQuery,
        response: { 200: AdminOrderList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      app.requireAdmin(request);
      return orders.listAll(request.query);
    },
  );

  app.put(
    '/:id/status',
    {
      schema: {
        tags,
        summary: 'Move an order: placed → paid → shipped, or pending_payment|placed|paid → cancelled (returns the stock)',
        params: OrderParams,
        body: StatusBody,
        response: { 200: AdminOrder, ...errorResponses(400, 401, 403, 404, 409, 415) },
      },
    },
    async (request) => orders.changeStatus(request.params.id, request.body.status, app.requireAdmin(request).id),
  );
};

export default adminOrdersRoutes;
