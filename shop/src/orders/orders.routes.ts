import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../lib/error-body.js';
import { OrdersService } from './orders.service.js';
import { Order, OrderList, OrderListQuery, OrderParams } from './orders.schemas.js';

const tags = ['orders'];

/** A customer's own orders, newest first. */
const ordersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const orders = new OrdersService(app.pools.writer);

  app.get('', { schema: { tags, summary: 'My orders, newest first', querystring: OrderListQuery, response: { 200: OrderList, ...errorResponses(400, 401) } } }, async (request) =>
    orders.listMine(app.requireUser(request).id, request.query),
  );

  app.get('/:id', { schema: { tags, summary: 'One of my orders', params: OrderParams, response: { 200: Order, ...errorResponses(400, 401, 404) } } }, async (request) =>
    orders.getMine(app.requireUser(request).id, request.params.id),
  );
};

export default ordersRoutes;
