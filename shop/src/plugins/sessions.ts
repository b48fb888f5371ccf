import { createHash, randomBytes } from 'node:crypto';
import fp from 'fastify-plugin';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { forbidden, ShopError, unauthorized } from '../errors.js';
import type { Queryable } from '../db/pools.js';
import { deleteSession, findLiveSession, insertSession } from './sessions.repository.js';

export const SESSION_COOKIE = 'evermall_session';
export const CART_COOKIE = 'evermall_cart';
export const SESSION_TTL_DAYS = 14;
/**
 * A session's last use is recorded at most once per this share of the idle timeout, so most
 * requests only read it; idle expiry is then exact to within a tenth of the timeout.
 */
const TOUCH_SHARE_OF_IDLE = 0.1;

/** How long after its last recorded use a session is used without asking PostgreSQL (the cache's copy; see cache/session-cache.ts). */
export const sessionTouchAfterMs = (idleMinutes: number): number => idleMinutes * 60_000 * TOUCH_SHARE_OF_IDLE;

export interface SessionUser {
  id: number;
  email: string;
  name: string;
  role: 'customer' | 'admin';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The logged-in user, or null. Loaded from the cache or the DB on every request: no sticky sessions. */
    user: SessionUser | null;
  }
  interface FastifyInstance {
    requireUser(request: FastifyRequest): SessionUser;
    requireAdmin(request: FastifyRequest): SessionUser;
    sessions: {
      /**
       * Creates a session for the user and sets its cookie; pass `sql` to create it inside a
       * transaction. `staffFromPool`: the user pool's staff group signed this browser in, so the
       * session is staff whatever the user's role (accounts/oidc/README.md).
       */
      start(reply: FastifyReply, userId: number, options?: SessionStart): Promise<void>;
      /** Deletes the session row and the cache's copy and clears the cookie: logout really ends it. */
      end(request: FastifyRequest, reply: FastifyReply): Promise<void>;
      /**
       * Ends the cache's copies of a user's sessions, after the transaction that deleted their rows
       * (`deleteUserSessions`) committed: a password or role change.
       */
      endCachedSessionsOf(userId: number): Promise<void>;
    };
    cookieOptions: { httpOnly: true; sameSite: 'lax'; secure: boolean; path: '/'; signed: boolean };
  }
}

export interface SessionStart {
  sql?: Queryable;
  staffFromPool?: boolean;
}

export interface SessionsOptions {
  secret: string;
  secureCookies: boolean;
  /** Origins besides the shop's own that may send cookie-authenticated writes, exactly as browsers send `Origin`. */
  allowedOrigins: string[];
  /** A session unused this long stops working. */
  idleMinutes: number;
}

export const hashToken = (token: string): Buffer => createHash('sha256').update(token).digest();

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const csrfRejected = () => new ShopError(403, 'CSRF_REJECTED', 'This request came from another site and was refused.');

/** `scheme://host[:port]` as a browser writes it in `Origin` (default ports dropped), or undefined when it is not one. */
function originOf(url: string): string | undefined {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/**
 * The shop's own origin for this request: the scheme and host the browser used. With Secure
 * cookies the browser only sends them over HTTPS, so the scheme is https whatever the last hop
 * was (CloudFront reaches the ALB over HTTP when there is no domain). Otherwise it is the
 * scheme the request came in with; X-Forwarded-Proto and -Host count only from a trusted proxy
 * (Fastify's `request.protocol` and `request.host`, see lib/trusted-proxies.ts).
 */
function ownOrigin(request: FastifyRequest, secureCookies: boolean): string | undefined {
  return originOf(`${secureCookies ? 'https' : request.protocol}://${request.host}`);
}

/**
 * Cookie sessions stored in the DB and copied to the cache when there is one (any instance serves
 * any session; a cache loss logs nobody out), the CSRF guard for
 * cookie-authenticated writes, and the `requireUser` / `requireAdmin` checks services use.
 */
export default fp(
  async function sessions(app: FastifyInstance, opts: SessionsOptions) {
    await app.register(cookie, { secret: opts.secret, hook: 'onRequest' });
    const cookieOptions = { httpOnly: true, sameSite: 'lax', secure: opts.secureCookies, path: '/', signed: true } as const;
    app.decorate('cookieOptions', cookieOptions);
    app.decorateRequest('user', null);
    const allowedOrigins = new Set(opts.allowedOrigins.map((o) => originOf(o) ?? o));
    const idle = { idleSeconds: opts.idleMinutes * 60, touchAfterSeconds: sessionTouchAfterMs(opts.idleMinutes) / 1000 };

    /** The cache's copy when it has one; otherwise PostgreSQL, whose answer then fills the cache. */
    async function findUser(tokenHash: Buffer): Promise<SessionUser | null> {
      const cached = await app.cache?.sessions.lookup(tokenHash);
      if (cached?.found === 'user') return cached.user;
      if (cached?.found === 'ended') return null;
      const session = await findLiveSession(app.pools.writer, tokenHash, idle);
      if (!session) return null;
      if (cached) await app.cache?.sessions.fill(tokenHash, session, cached.readAt);
      return session.user;
    }

    app.addHook('onRequest', async (request) => {
      if (SAFE_METHODS.has(request.method)) return;
      const hasCookie = request.headers.cookie !== undefined;
      if (!hasCookie) return;
      // A cross-site form can send cookies but cannot set a JSON content type or forge Origin.
      // The whole origin is compared: http://shop.example (a network attacker's page) is
      // another site than https://shop.example (RFC 6454 §5, origins are scheme, host and port).
      if (request.headers.origin !== undefined) {
        const origin = originOf(request.headers.origin);
        if (origin === undefined || (origin !== ownOrigin(request, opts.secureCookies) && !allowedOrigins.has(origin))) throw csrfRejected();
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
      request.user = await findUser(hashToken(unsigned.value));
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
      async start(reply: FastifyReply, userId: number, { sql = app.pools.writer, staffFromPool = false }: SessionStart = {}) {
        const token = randomBytes(32).toString('base64url');
        await insertSession(sql, hashToken(token), userId, SESSION_TTL_DAYS, staffFromPool);
        reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions, maxAge: SESSION_TTL_DAYS * 86400 });
      },
      async end(request: FastifyRequest, reply: FastifyReply) {
        const raw = request.cookies[SESSION_COOKIE];
        const unsigned = raw ? request.unsignCookie(raw) : undefined;
        if (unsigned?.valid && unsigned.value) {
          const tokenHash = hashToken(unsigned.value);
          await deleteSession(app.pools.writer, tokenHash);
          await app.cache?.sessions.end(tokenHash);
        }
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
      },
      async endCachedSessionsOf(userId: number) {
        await app.cache?.sessions.endUser(userId);
      },
    });
  },
  { name: 'sessions', dependencies: ['database', 'cache'] },
);
