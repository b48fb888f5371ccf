import { AuthorizationResponseError, ClientError, ResponseBodyError } from 'openid-client';
import { ShopError } from '../../errors.js';

/**
 * The refusals of sign-in through the user pool, each with a stable code the storefront shows a
 * message for (`/login?signInError=<CODE>`). Every one is answered before anything is created.
 */
export const signInRefusals = {
  providerUnknown: () => new ShopError(404, 'SIGN_IN_PROVIDER_UNKNOWN', 'This shop does not offer sign-in with that provider.'),
  unavailable: () =>
    new ShopError(503, 'SIGN_IN_UNAVAILABLE', 'Signing in with this provider is not possible right now. Please try again later, or log in with your email and password.'),
  expired: () => new ShopError(400, 'SIGN_IN_EXPIRED', 'This sign-in has expired or was already used. Please start again.'),
  stateMismatch: () => new ShopError(400, 'SIGN_IN_STATE_MISMATCH', 'This sign-in was started in another browser. Please start again here.'),
  cancelled: () => new ShopError(400, 'SIGN_IN_CANCELLED', 'The sign-in was cancelled or refused by the provider.'),
  codeInvalid: () => new ShopError(400, 'SIGN_IN_CODE_INVALID', 'The sign-in could not be completed: its code was already used or is not valid. Please start again.'),
  tokenInvalid: () => new ShopError(400, 'SIGN_IN_TOKEN_INVALID', 'The sign-in could not be verified. Please start again.'),
  emailNotVerified: () =>
    new ShopError(403, 'EMAIL_NOT_VERIFIED', 'The provider did not confirm your email address. Verify it with the provider, or register with your email and password.'),
  linkExpired: () => new ShopError(400, 'SIGN_IN_EXPIRED', 'This account link has expired or was already used. Please sign in with the provider again.'),
};

/** openid-client's codes (from oauth4webapi) for an ID token or response that fails validation. */
const TOKEN_VALIDATION_CODES = new Set([
  'OAUTH_JWT_CLAIM_COMPARISON_FAILED', // iss, aud, azp or nonce is not ours
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED', // expired, or issued in the future
  'OAUTH_KEY_SELECTION_FAILED', // signed with a key the pool's JWKS does not hold
  'OAUTH_INVALID_RESPONSE', // a bad signature, a missing ID token or claim, an unexpected `iss` parameter
  'OAUTH_PARSE_ERROR', // not a JWT
  'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
  'OAUTH_UNSUPPORTED_OPERATION', // an algorithm the shop does not accept
]);

/** The pool did not answer usefully: down, slow, or answering with an error page. */
const UNAVAILABLE_CODES = new Set(['OAUTH_TIMEOUT', 'OAUTH_ABORT', 'OAUTH_RESPONSE_IS_NOT_CONFORM', 'OAUTH_RESPONSE_IS_NOT_JSON']);

/**
 * What an error from the token exchange means for the shopper. A network failure (fetch's bare
 * TypeError), a timeout or an error page is the pool being down; `invalid_grant` is a code that
 * was used, expired or issued to another client (RFC 6749 §5.2); an error in the authorization
 * response itself (`access_denied`, `server_error`) is a sign-in that did not happen, except
 * `temporarily_unavailable` (the social provider behind the pool is down, RFC 6749 §4.1.2.1); anything
 * wrong with the ID token is refused as not verifiable. Anything else is a fault of ours and
 * propagates to the error handler.
 */
export function refusalFor(err: unknown): ShopError | undefined {
  if (err instanceof AuthorizationResponseError) return err.error === 'temporarily_unavailable' ? signInRefusals.unavailable() : signInRefusals.cancelled();
  if (err instanceof ResponseBodyError) return err.error === 'invalid_grant' ? signInRefusals.codeInvalid() : signInRefusals.unavailable();
  if (err instanceof ClientError && err.code !== undefined) {
    if (TOKEN_VALIDATION_CODES.has(err.code)) return signInRefusals.tokenInvalid();
    if (UNAVAILABLE_CODES.has(err.code)) return signInRefusals.unavailable();
  }
  // openid-client's own argument errors are TypeErrors with a code; fetch's network failure has none.
  if (err instanceof TypeError && (err as { code?: unknown }).code === undefined) return signInRefusals.unavailable();
  return undefined;
}
