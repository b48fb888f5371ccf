import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Config } from '../config.js';
import { errorResponses } from '../lib/error-body.js';
import { clearCartCookie, readCartCookie } from '../cart/cart-cookie.js';
import { CartService } from '../cart/cart.service.js';
import { HOUR_SECONDS } from '../plugins/attempt-limits.js';
import { loginLimits, loginPerAccount } from './login-limits.js';
import { AccountsService } from './accounts.service.js';
import { LoginBody, PasswordChangeBody, RegisterBody, UserBody } from './accounts.schemas.js';

const tags = ['auth'];

/**
 * Register, login, logout, me, password change. A session is a DB row behind an HttpOnly,
 * SameSite=Lax cookie (Secure behind TLS), so any instance serves it and logout ends it
 * everywhere. Logging in merges the visitor's anonymous cart into the account's cart. Login,
 * registration and password changes are limited per client address and per account, counted in
 * the database every instance shares (plugins/attempt-limits.ts), before any argon2 work.
 */
const accountsRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const accounts = new AccountsService(app.pools.writer);
  const carts = new CartService(app.pools.writer);
  app.post(
    '/register',
    {
      preHandler: async (request, reply) =>
        app.attemptLimits.count(reply, [{ scope: 'register-client', key: request.ip, max: config.REGISTER_RATE_LIMIT_PER_HOUR, windowSeconds: HOUR_SECONDS }]),
      schema: {
        tags,
        summary: `Create a customer account and log in (at most ${config.REGISTER_RATE_LIMIT_PER_HOUR} an hour per client)`,
        description: 'A password that is blank, common or built from the email or name is refused with 400 WEAK_PASSWORD (NIST SP 800-63B §5.1.1.2).',
        body: RegisterBody,
        response: { 201: UserBody, ...errorResponses(400, 409, 415, 429) },
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
      preHandler: async (request, reply) => app.attemptLimits.count(reply, loginLimits(config, request.ip, request.body.email)),
      schema: {
        tags,
        summary: `Log in (at most ${config.LOGIN_RATE_LIMIT_PER_MINUTE} attempts a minute per client, ${config.LOGIN_ACCOUNT_RATE_LIMIT_PER_HOUR} an hour per account)`,
        body: LoginBody,
        response: { 200: UserBody, ...errorResponses(400, 401, 415, 429) },
      },
    },
    async (request, reply) => {
      const user = await accounts.login(request.body);
      await app.attemptLimits.clear(loginPerAccount(config, user.email));
      await carts.mergeAtLogin(readCartCookie(request), user.id);
      await app.sessions.start(reply, user.id);
      clearCartCookie(reply);
      return { user };
    },
  );

  app.post(
    '/password',
    {
      // Checking the current password is a guess like a login: it counts against the same limits.
      preHandler: async (request, reply) => app.attemptLimits.count(reply, loginLimits(config, request.ip, app.requireUser(request).email)),
      schema: {
        tags,
        summary: 'Change the password: ends every session of the account and starts a new one here',
        description: 'An account created by signing in through a provider has no password to change: 409 PASSWORD_NOT_SET.',
        body: PasswordChangeBody,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 409, 415, 429) },
      },
    },
    async (request, reply) => {
      const user = app.requireUser(request);
      await accounts.changePassword(user, request.body, (tx) => app.sessions.start(reply, user.id, { sql: tx }));
      await app.sessions.endCachedSessionsOf(user.id);
      return reply.status(204).send(null);
    },
  );

  app.post('/logout', { schema: { tags, summary: 'End the session on every instance', response: { 204: Type.Null(), ...errorResponses(403, 415) } } }, async (request, reply) => {
    await app.sessions.end(request, reply);
    return reply.status(204).send(null);
  });

  app.get('/me', { schema: { tags, summary: 'The logged-in user', response: { 200: UserBody, ...errorResponses(401) } } }, async (request) => ({ user: app.requireUser(request) }));
};

export default accountsRoutes;
