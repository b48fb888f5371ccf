import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../lib/error-body.js';
import { OrdersService } from './orders.service.js';
import { Order, OrderList, OrderListQuery, OrderParams } from './orders.schemas.js';

const tags = ['orders'];

/** A customer's own orders, newest first. */
const ordersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const orders = new OrdersService(app.pools.writer);

  app.get('', { schema: { tags, summary: 'My orders, newest first', querystring: OrderListQuery, response: { 200: OrderList, ...errorResponses(400, 401) } } }, async (request) => {
    const userId = app.requireUser(request).id;
    const page = await orders.listMine(userId, request.query);
    return { ...page, items: page.items.map((order) => app.payments.withPaymentRequest(order, userId)) };
  });

  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'One of my orders',
        description: 'An order waiting for a payment at the provider carries its paymentRequest: "Pay now" reopens the payment window with it.',
        params: OrderParams,
        response: { 200: Order, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const userId = app.requireUser(request).id;
      return app.payments.withPaymentRequest(await orders.getMine(userId, request.params.id), userId);
    },
  );
};

export default ordersRoutes;
