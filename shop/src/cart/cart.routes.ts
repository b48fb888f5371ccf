import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { errorResponses } from '../lib/error-body.js';
import { HOUR_SECONDS } from '../plugins/attempt-limits.js';
import { readCartCookie, setCartCookie } from './cart-cookie.js';
import { CartService, type CartOwner } from './cart.service.js';
import { AddItemBody, AddItemHeaders, Cart, ItemParams, MAX_CART_LINES, UpdateItemBody } from './cart.schemas.js';

const tags = ['cart'];

/**
 * The cart of whoever asks: a logged-in customer, or an anonymous visitor by the cart cookie.
 * Each anonymous cart is a row kept for its cookie's life, so a client address may create only
 * ANONYMOUS_CART_RATE_LIMIT_PER_HOUR of them, counted in the database every instance shares.
 */
const cartRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const carts = new CartService(app.pools.writer, app.log);
  const ownerOf = (request: FastifyRequest): CartOwner => (request.user ? { userId: request.user.id } : { anonymousCartId: readCartCookie(request) });
  const throttleNewCart = (request: FastifyRequest, reply: FastifyReply) => () =>
    app.attemptLimits.count(reply, [{ scope: 'anonymous-cart-client', key: request.ip, max: config.ANONYMOUS_CART_RATE_LIMIT_PER_HOUR, windowSeconds: HOUR_SECONDS }]);

  app.get('', { schema: { tags, summary: 'The current cart with prices and totals', response: { 200: Cart, ...errorResponses(400) } } }, async (request) =>
    carts.getCart(ownerOf(request)),
  );

  app.post(
    '/items',
    {
      schema: {
        tags,
        summary: `Add units of a product (checked against stock; a cart holds at most ${MAX_CART_LINES} products)`,
        description:
          'With an Idempotency-Key the add is applied once: a replay answers the cart as it now is, with `Idempotent-Replayed: true`. ' +
          '422 IDEMPOTENCY_KEY_REUSED when the key was used for another add or cart. 503 TEMPORARILY_UNAVAILABLE: retry with the same key.',
        headers: AddItemHeaders,
        body: AddItemBody,
        response: { 200: Cart, ...errorResponses(400, 403, 404, 409, 415, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const add = { ...request.body, key: request.headers['idempotency-key'] };
      const { cart, cookieCartId, replayed } = await carts.addItem(ownerOf(request), add, throttleNewCart(request, reply));
      if (cookieCartId) setCartCookie(app, reply, cookieCartId);
      if (replayed) reply.header('idempotent-replayed', 'true');
      return cart;
    },
  );

  app.patch(
    '/items/:productId',
    {
      schema: {
        tags,
        summary: 'Set the quantity of a cart line (checked against stock)',
        params: ItemParams,
        body: UpdateItemBody,
        response: { 200: Cart, ...errorResponses(400, 403, 404, 409, 415) },
      },
    },
    async (request) => carts.updateItem(ownerOf(request), request.params.productId, request.body.quantity),
  );

  app.delete(
    '/items/:productId',
    {
      schema: { tags, summary: 'Remove a cart line', params: ItemParams, response: { 200: Cart, ...errorResponses(400, 403, 404) } },
    },
    async (request) => carts.removeItem(ownerOf(request), request.params.productId),
  );
};

export default cartRoutes;
