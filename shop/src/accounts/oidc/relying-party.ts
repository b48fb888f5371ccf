import * as client from 'openid-client';
import type { FastifyBaseLogger } from 'fastify';
import { refusalFor, signInRefusals } from './sign-in-errors.js';

export interface RelyingPartyOptions {
  issuerUrl: string;
  clientId: string;
  clientSecret: string;
  /** The shop's callback as the browser reaches it, registered at the pool. */
  redirectUrl: string;
  timeoutSeconds: number;
  log: FastifyBaseLogger;
}

/** What the shop needs of a verified ID token: who, by the pool's word. */
export interface VerifiedSignIn {
  issuer: string;
  /** The pool's `sub`: stable for one pool user (for a federated one, per provider account). */
  subject: string;
  email: string | undefined;
  emailVerified: boolean;
  name: string | undefined;
  /** `cognito:groups`: set by the pool's administrators, never mapped from a provider's profile. */
  groups: string[];
}

/** What a callback is checked against: what the shop kept when the sign-in started. */
export interface SignInChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Scopes the pool must release: the ID token then carries `email`, `email_verified` and `name`. */
const SCOPE = 'openid email profile';

/**
 * The shop as an OpenID Connect client of the user pool (openid-client 6). Discovery is fetched
 * on first use and kept for the process, so a pool that is down at start does not stop the shop
 * (local login and browsing never touch it) and a failed fetch is retried by the next sign-in.
 * Every check of the callback is openid-client's: state, PKCE, the `iss` response parameter, and
 * the ID token's signature (the pool's JWKS, cached and refetched for an unknown key once the
 * cached set is a minute old), issuer, audience, nonce and expiry.
 */
export class RelyingParty {
  private discovered: Promise<client.Configuration> | undefined;

  constructor(private readonly options: RelyingPartyOptions) {}

  async authorizationUrl(identityProvider: string, checks: SignInChecks): Promise<URL> {
    const config = await this.configuration();
    return client.buildAuthorizationUrl(config, {
      redirect_uri: this.options.redirectUrl,
      scope: SCOPE,
      identity_provider: identityProvider,
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /** Exchanges the callback's code and verifies the ID token; a refusal is a ShopError with its code. */
  async verifyCallback(callbackQuery: URLSearchParams, checks: SignInChecks): Promise<VerifiedSignIn> {
    const config = await this.configuration();
    // The callback URL as registered, with the parameters the pool sent: openid-client derives
    // the token request's redirect_uri from it, which must equal the authorization request's.
    const currentUrl = new URL(this.options.redirectUrl);
    currentUrl.search = callbackQuery.toString();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, currentUrl, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        pkceCodeVerifier: checks.codeVerifier,
        idTokenExpected: true,
      });
    } catch (err) {
      const refusal = refusalFor(err);
      if (!refusal) throw err;
      if (refusal.statusCode >= 500) this.options.log.warn({ err }, 'user pool token exchange failed');
      throw refusal;
    }
    const claims = tokens.claims();
    if (!claims) throw signInRefusals.tokenInvalid();
    return {
      issuer: claims.iss,
      subject: claims.sub,
      email: typeof claims.email === 'string' ? claims.email : undefined,
      // Cognito writes `email_verified` as the string "true" for federated users (attribute mapping copies text).
      emailVerified: claims.email_verified === true || claims.email_verified === 'true',
      name: typeof claims.name === 'string' ? claims.name : typeof claims.nickname === 'string' ? claims.nickname : undefined,
      groups: Array.isArray(claims['cognito:groups']) ? claims['cognito:groups'].filter((g): g is string => typeof g === 'string') : [],
    };
  }

  private configuration(): Promise<client.Configuration> {
    const { issuerUrl, clientId, clientSecret, timeoutSeconds } = this.options;
    const issuer = new URL(issuerUrl);
    this.discovered ??= client
      .discovery(issuer, clientId, { client_secret: clientSecret }, client.ClientSecretBasic(clientSecret), {
        timeout: timeoutSeconds,
        execute: [
          // openid-client trusts an ID token from the token endpoint on TLS alone unless told to
          // check its signature; the shop checks it against the pool's JWKS as well, so a token
          // the pool did not sign is refused even where TLS is not (the twin's loopback http).
          client.enableNonRepudiationChecks,
          // config.ts allows http only on loopback (the twin's and the tests' providers).
          ...(issuer.protocol === 'http:' ? [client.allowInsecureRequests] : []),
        ],
      })
      .catch((err: unknown) => {
        this.discovered = undefined;
        this.options.log.warn({ err, issuer: issuerUrl }, 'user pool discovery failed');
        throw signInRefusals.unavailable();
      });
    return this.discovered;
  }
}
