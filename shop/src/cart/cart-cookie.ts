import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CART_COOKIE } from '../plugins/sessions.js';

/**
 * How long the browser keeps an anonymous cart's cookie, counted from the add that created the
 * cart: later changes do not renew it. Longer than a session (SESSION_TTL_DAYS), so a visitor who
 * comes back logged out still finds the cart. The cart row itself has no expiry.
 */
export const CART_COOKIE_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The anonymous cart id from the signed cart cookie; a forged or malformed cookie counts as none. */
export function readCartCookie(request: FastifyRequest): string | undefined {
  const raw = request.cookies[CART_COOKIE];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value && UUID.test(unsigned.value) ? unsigned.value : undefined;
}

export function setCartCookie(app: FastifyInstance, reply: FastifyReply, cartId: string): void {
  reply.setCookie(CART_COOKIE, cartId, { ...app.cookieOptions, maxAge: CART_COOKIE_MAX_AGE_SECONDS });
}

export function clearCartCookie(reply: FastifyReply): void {
  reply.clearCookie(CART_COOKIE, { path: '/' });
}
