import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import { ShopError } from '../../errors.js';
import { errorResponses } from '../../lib/error-body.js';
import { clearCartCookie, readCartCookie } from '../../cart/cart-cookie.js';
import { CartService } from '../../cart/cart.service.js';
import { MINUTE_SECONDS } from '../../plugins/attempt-limits.js';
import { AccountsService } from '../accounts.service.js';
import { loginLimits, loginPerAccount } from '../login-limits.js';
import { CallbackQuery, LinkBody, ProvidersBody, SignedInBody, StartParams, StartQuery } from './oidc.schemas.js';
import { RelyingParty } from './relying-party.js';
import { parseSignInProviders } from './sign-in-providers.js';
import { signInRefusals } from './sign-in-errors.js';
import { SignInService, type SignedIn } from './sign-in.service.js';

const tags = ['accounts'];

/** Binds a sign-in to the browser that started it: a random value whose hash the attempt keeps. */
export const SIGN_IN_COOKIE = 'evermall_sign_in';

/** Where the storefront takes over when a browser lands on the callback (accounts/oidc/README.md). */
const storefrontPages = {
  failed: (code: string) => `/login?signInError=${encodeURIComponent(code)}`,
  link: (token: string, provider: string) => `/login/link?token=${encodeURIComponent(token)}&provider=${encodeURIComponent(provider)}`,
};

/**
 * A browser navigating (a link, the pool's redirect) asks for a page; the storefront's API client
 * and tests ask for JSON. Browsers get redirects to the storefront's pages, API clients the JSON.
 */
const wantsPage = (request: FastifyRequest) => (request.headers.accept ?? '').includes('text/html');

/**
 * Sign-in through the user pool (OpenID Connect), beside local accounts: the provider list, the
 * start that sends the browser to the pool, the callback that signs in, and the proof of a local
 * account's password that links a sign-in to it. Registered whether or not sign-in through the
 * pool is configured: when it is not, the list is empty and every provider is unknown (404).
 */
const oidcRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const accounts = new AccountsService(app.pools.writer);
  const carts = new CartService(app.pools.writer);
  const signIn =
    config.OIDC_ISSUER_URL && config.OIDC_CLIENT_ID && config.OIDC_CLIENT_SECRET && config.OIDC_REDIRECT_URL
      ? new SignInService(
          app.pools.writer,
          new RelyingParty({
            issuerUrl: config.OIDC_ISSUER_URL,
            clientId: config.OIDC_CLIENT_ID,
            clientSecret: config.OIDC_CLIENT_SECRET,
            redirectUrl: config.OIDC_REDIRECT_URL,
            timeoutSeconds: config.OIDC_TIMEOUT_SECONDS,
            log: app.log,
          }),
          accounts,
          { providers: parseSignInProviders(config.OIDC_PROVIDERS), staffGroup: config.OIDC_STAFF_GROUP, lifeSeconds: config.OIDC_SIGN_IN_MINUTES * MINUTE_SECONDS },
        )
      : undefined;
  const cookiePath = app.prefix || '/';
  const requireSignIn = () => {
    if (!signIn) throw signInRefusals.providerUnknown();
    return signIn;
  };

  const readBrowserSecret = (request: FastifyRequest): string | undefined => {
    const raw = request.cookies[SIGN_IN_COOKIE];
    const unsigned = raw ? request.unsignCookie(raw) : undefined;
    return unsigned?.valid && unsigned.value ? unsigned.value : undefined;
  };

  /** The shop's own session, exactly as a password login starts it: the visitor's cart is merged into the account's. */
  const startSession = async (request: FastifyRequest, reply: FastifyReply, signedIn: SignedIn) => {
    await carts.mergeAtLogin(readCartCookie(request), signedIn.user.id);
    await app.sessions.start(reply, signedIn.user.id, { staffFromPool: signedIn.staffFromPool });
    clearCartCookie(reply);
  };

  /** A refusal as the storefront's page for browsers, as the JSON error (thrown on) for API clients. */
  const refuse = (request: FastifyRequest, reply: FastifyReply, err: unknown) => {
    if (!(err instanceof ShopError) || !wantsPage(request)) throw err;
    const details = err.details as { token?: string; provider?: string } | undefined;
    if (err.code === 'ACCOUNT_LINK_REQUIRED' && details?.token && details.provider) return reply.redirect(storefrontPages.link(details.token, details.provider), 303);
    return reply.redirect(storefrontPages.failed(err.code), 303);
  };

  app.get('/providers', { schema: { tags, summary: 'The providers a shopper can sign in with, in the order to show them', response: { 200: ProvidersBody } } }, async () => ({
    providers: signIn?.providers ?? [],
  }));

  app.get(
    '/:provider/start',
    {
      schema: {
        tags,
        summary: "Start signing in with a provider: redirects to the user pool's sign-in",
        description:
          'Keeps the state, nonce and PKCE verifier for the callback (single use, OIDC_SIGN_IN_MINUTES) and binds them to this browser with a short-lived cookie. ' +
          'A browser (Accept: text/html) is sent to /login?signInError=CODE on a refusal instead of the JSON error.',
        params: StartParams,
        querystring: StartQuery,
        response: {
          302: Type.Null({ description: "To the pool's authorization endpoint" }),
          303: Type.Null({ description: "A browser's refusal: to the storefront's login page" }),
          ...errorResponses(404, 429, 503),
        },
      },
    },
    async (request, reply) => {
      try {
        const service = requireSignIn();
        const provider = service.provider(request.params.provider);
        await app.attemptLimits.count(reply, [{ scope: 'sign-in-client', key: request.ip, max: config.LOGIN_RATE_LIMIT_PER_MINUTE, windowSeconds: MINUTE_SECONDS }]);
        // One value per browser while it is signing in, so sign-ins started in two tabs both finish.
        const browserSecret = readBrowserSecret(request) ?? randomBytes(32).toString('base64url');
        const url = await service.start(provider, request.query.next, browserSecret);
        reply.setCookie(SIGN_IN_COOKIE, browserSecret, { ...app.cookieOptions, path: cookiePath, maxAge: config.OIDC_SIGN_IN_MINUTES * MINUTE_SECONDS });
        return reply.redirect(url.href, 302);
      } catch (err) {
        return refuse(request, reply, err);
      }
    },
  );

  app.get(
    '/callback',
    {
      schema: {
        tags,
        summary: "The user pool's redirect back: signs in with the shop's own session",
        description:
          'Success: 200 with the user (a browser: 303 to `next`). A new shopper with a verified email becomes a customer; a verified email that belongs to a local account gives 409 ACCOUNT_LINK_REQUIRED ' +
          'with a token for POST /link (a browser: 303 to /login/link?token=…); an unverified one 403 EMAIL_NOT_VERIFIED. Refusals (a browser: 303 to /login?signInError=CODE): ' +
          'SIGN_IN_EXPIRED, SIGN_IN_STATE_MISMATCH, SIGN_IN_CANCELLED, SIGN_IN_CODE_INVALID, SIGN_IN_TOKEN_INVALID (400), SIGN_IN_PROVIDER_UNKNOWN (404), SIGN_IN_UNAVAILABLE (503).',
        querystring: CallbackQuery,
        response: {
          200: SignedInBody,
          303: Type.Null({ description: 'A browser: to `next`, or to the storefront page for a refusal' }),
          ...errorResponses(400, 403, 404, 409, 503),
        },
      },
    },
    async (request, reply) => {
      try {
        const service = requireSignIn();
        const callback = new URLSearchParams(Object.entries(request.query).filter((entry): entry is [string, string] => entry[1] !== undefined));
        const signedIn = await service.finish(callback, readBrowserSecret(request));
        await startSession(request, reply, signedIn);
        if (wantsPage(request)) return reply.redirect(signedIn.next, 303);
        return { user: signedIn.user, next: signedIn.next };
      } catch (err) {
        return refuse(request, reply, err);
      }
    },
  );

  app.post(
    '/link',
    {
      schema: {
        tags,
        summary: "Link a sign-in to the local account with its email, proven by that account's password, and sign in",
        description:
          'The token comes from the callback (409 ACCOUNT_LINK_REQUIRED). A wrong password is 401 INVALID_CREDENTIALS and the token stays usable until it expires; the checks count against the login limits. ' +
          'An unknown, used or expired token is 400 SIGN_IN_EXPIRED; an account without a password 409 PASSWORD_NOT_SET.',
        body: LinkBody,
        response: { 200: SignedInBody, ...errorResponses(400, 401, 404, 409, 415, 429) },
      },
    },
    async (request, reply) => {
      const service = requireSignIn();
      const pending = await service.pendingLink(request.body.token);
      await app.attemptLimits.count(reply, loginLimits(config, request.ip, pending.email));
      const signedIn = await service.link(request.body.token, request.body.password);
      await app.attemptLimits.clear(loginPerAccount(config, pending.email));
      await startSession(request, reply, signedIn);
      return { user: signedIn.user, next: signedIn.next };
    },
  );
};

export default oidcRoutes;
