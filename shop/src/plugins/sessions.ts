import { createHash, randomBytes } from 'node:crypto';
import fp from 'fastify-plugin';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { forbidden, ShopError, unauthorized } from '../errors.js';
import { deleteSession, findSessionUser, insertSession } from './sessions.repository.js';

export const SESSION_COOKIE = 'evermall_session';
export const CART_COOKIE = 'evermall_cart';
export const SESSION_TTL_DAYS = 14;

export interface SessionUser {
  id: number;
  email: string;
  name: string;
  role: 'customer' | 'admin';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The logged-in user, or null. Loaded from the DB on every request: no sticky sessions. */
    user: SessionUser | null;
  }
  interface FastifyInstance {
    requireUser(request: FastifyRequest): SessionUser;
    requireAdmin(request: FastifyRequest): SessionUser;
    sessions: {
      /** Creates a session for the user and sets its cookie. */
      start(reply: FastifyReply, userId: number): Promise<void>;
      /** Deletes the session row and clears the cookie: logout really ends it. */
      end(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    };
    cookieOptions: { httpOnly: true; sameSite: 'lax'; secure: boolean; path: '/'; signed: boolean };
  }
}

export interface SessionsOptions {
  secret: string;
  secureCookies: boolean;
  allowedOrigins: string[];
}

export const hashToken = (token: string): Buffer => createHash('sha256').update(token).digest();

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cookie sessions stored in the DB (any instance serves any session), the CSRF guard for
 * cookie-authenticated writes, and the `requireUser` / `requireAdmin` checks services use.
 */
export default fp(
  async function sessions(app: FastifyInstance, opts: SessionsOptions) {
    await app.register(cookie, { secret: opts.secret, hook: 'onRequest' });
    const cookieOptions = { httpOnly: true, sameSite: 'lax', secure: opts.secureCookies, path: '/', signed: true } as const;
    app.decorate('cookieOptions', cookieOptions);
    app.decorateRequest('user', null);

    app.addHook('onRequest', async (request) => {
      if (SAFE_METHODS.has(request.method)) return;
      const hasCookie = request.headers.cookie !== undefined;
      if (!hasCookie) return;
      // A cross-site form can send cookies but cannot set a JSON content type or forge Origin.
      const origin = request.headers.origin;
      if (origin !== undefined) {
        const host = request.headers['x-forwarded-host'] ?? request.headers.host;
        let originHost: string;
        try {
          originHost = new URL(origin).host;
        } catch {
          throw new ShopError(403, 'CSRF_REJECTED', 'This request came from another site and was refused.');
        }
        if (originHost !== host && !opts.allowedOrigins.includes(origin)) {
          throw new ShopError(403, 'CSRF_REJECTED', 'This request came from another site and was refused.');
        }
      }
      const type = request.headers['content-type'] ?? '';
      const hasBody = request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0';
      if (hasBody && !/^(application\/json|multipart\/form-data)/i.test(type)) {
        throw new ShopError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.');
      }
    });

    app.addHook('preHandler', async (request) => {
      const raw = request.cookies[SESSION_COOKIE];
      if (!raw) return;
      const unsigned = request.unsignCookie(raw);
      if (!unsigned.valid || !unsigned.value) return;
      request.user = (await findSessionUser(app.pools.writer, hashToken(unsigned.value))) ?? null;
    });

    app.decorate('requireUser', (request: FastifyRequest) => {
      if (!request.user) throw unauthorized();
      return request.user;
    });
    app.decorate('requireAdmin', (request: FastifyRequest) => {
      const user = app.requireUser(request);
      if (user.role !== 'admin') throw forbidden('Staff only.');
      return user;
    });

    app.decorate('sessions', {
      async start(reply: FastifyReply, userId: number) {
        const token = randomBytes(32).toString('base64url');
        await insertSession(app.pools.writer, hashToken(token), userId, SESSION_TTL_DAYS);
        reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions, maxAge: SESSION_TTL_DAYS * 86400 });
      },
      async end(request: FastifyRequest, reply: FastifyReply) {
        const raw = request.cookies[SESSION_COOKIE];
        const unsigned = raw ? request.unsignCookie(raw) : undefined;
        if (unsigned?.valid && unsigned.value) {
          await deleteSession(app.pools.writer, hashToken(unsigned.value));
        }
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
      },
    });
  },
  { name: 'sessions', dependencies: ['database'] },
);
