import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Sql } from '../db/pools.js';
import { hashToken, SESSION_COOKIE, SESSION_TTL_DAYS } from '../plugins/sessions.js';

export interface TestLogin {
  userId: number;
  email: string;
  /** A ready `cookie` header value carrying the signed session. */
  cookie: string;
}

/**
 * Creates a user with the given role and a live session for it, straight in the DB, and returns
 * the signed session cookie. Tests of staff or customer routes use it without going through
 * the login route (and its rate limit). The password hash is not a valid argon2 hash, so this
 * user can never log in with a password.
 */
export async function loginAs(app: FastifyInstance, sql: Sql, role: 'customer' | 'admin', email = `${role}-${randomBytes(4).toString('hex')}@example.test`): Promise<TestLogin> {
  const [user] = await sql<{ id: number }[]>`
    INSERT INTO users (email, name, password_hash, role)
    VALUES (${email}, ${role === 'admin' ? 'Test Staff' : 'Test Customer'}, 'not-a-password-hash', ${role})
    RETURNING id`;
  if (!user) throw new Error('user insert returned nothing');
  const token = randomBytes(32).toString('base64url');
  await sql`
    INSERT INTO sessions (token_hash, user_id, expires_at)
    VALUES (${hashToken(token)}, ${user.id}, now() + make_interval(days => ${SESSION_TTL_DAYS}))`;
  return { userId: Number(user.id), email, cookie: `${SESSION_COOKIE}=${encodeURIComponent(app.signCookie(token))}` };
}
