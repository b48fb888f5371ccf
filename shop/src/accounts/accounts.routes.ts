import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Config } from '../config.js';
import { errorResponses } from '../lib/error-body.js';
import { clearCartCookie, readCartCookie } from '../cart/cart-cookie.js';
import { CartService } from '../cart/cart.service.js';
import { AccountsService } from './accounts.service.js';
import { LoginBody, RegisterBody, UserBody } from './accounts.schemas.js';

const tags = ['auth'];

/**
 * Register, login, logout, me. A session is a DB row behind an HttpOnly, SameSite=Lax cookie
 * (Secure behind TLS), so any instance serves it and logout ends it everywhere. Logging in
 * merges the visitor's anonymous cart into the account's cart.
 */
const accountsRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const accounts = new AccountsService(app.pools.writer);
  const carts = new CartService(app.pools.writer);

  app.post(
    '/register',
    {
      schema: {
        tags,
        summary: 'Create a customer account and log in',
        body: RegisterBody,
        response: { 201: UserBody, ...errorResponses(400, 409, 415) },
      },
    },
    async (request, reply) => {
      const user = await accounts.register(request.body);
      await carts.mergeAtLogin(readCartCookie(request), user.id);
      await app.sessions.start(reply, user.id);
      clearCartCookie(reply);
      return reply.status(201).send({ user });
    },
  );

  app.post(
    '/login',
    {
      // Per client address and instance; @fastify/rate-limit keeps its counters in memory.
      config: { rateLimit: { max: config.LOGIN_RATE_LIMIT_PER_MINUTE, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: `Log in (at most ${config.LOGIN_RATE_LIMIT_PER_MINUTE} attempts a minute per client)`,
        body: LoginBody,
        response: { 200: UserBody, ...errorResponses(400, 401, 415, 429) },
      },
    },
    async (request, reply) => {
      const user = await accounts.login(request.body);
      await carts.mergeAtLogin(readCartCookie(request), user.id);
      await app.sessions.start(reply, user.id);
      clearCartCookie(reply);
      return { user };
    },
  );

  app.post('/logout', { schema: { tags, summary: 'End the session on every instance', response: { 204: Type.Null(), ...errorResponses(403, 415) } } }, async (request, reply) => {
    await app.sessions.end(request, reply);
    return reply.status(204).send(null);
  });

  app.get('/me', { schema: { tags, summary: 'The logged-in user', response: { 200: UserBody, ...errorResponses(401) } } }, async (request) => ({ user: app.requireUser(request) }));
};

export default accountsRoutes;
