import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InteractionDetails, InteractionResults } from 'oidc-provider';
import * as client from 'openid-client';
import { renderProblemPage, USER_POOL_BRAND } from './login-pages.js';
import { OIDC_SCOPE, redirect, sendHtml, type ProviderHost } from './provider-host.js';
import type { UserDirectory } from './user-directory.js';

/** A social IdP the user pool federates, and the pool's client registration there. */
export interface SocialProvider {
  /** The name authorization requests use in `identity_provider` ('Kakao'), and the `identities` claim's providerName. */
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
}

interface PendingSignIn {
  uid: string;
  provider: SocialProvider;
  config: client.Configuration;
  codeVerifier: string;
  nonce: string;
  startedAt: number;
}

type Outcome = { login: { accountId: string } } | Required<Pick<InteractionResults, 'error' | 'error_description'>>;

/** How long a browser may stay at the social IdP before its return is refused: oidc-provider's own interaction lifetime (ttl.Interaction, 1 h). */
const PENDING_TTL_MS = 60 * 60 * 1000;

/**
 * The user pool as a relying party of its social IdPs (openid-client 6: code flow with PKCE,
 * state and nonce, the pool's client secret). `start` sends the browser to the IdP; the IdP
 * returns it to `callback` (outside the interaction's cookie path, so it is matched by state),
 * which redeems the code, finds or makes the pool's user for (provider, social sub), and sends
 * the browser on to `/interaction/<uid>/federated`, where `finish` completes the sign-in the shop
 * started. Pending sign-ins live in memory: a pool restarted meanwhile shows "sign-in expired".
 */
export class SocialFederation {
  private readonly pending = new Map<string, PendingSignIn>();
  private readonly outcomes = new Map<string, Outcome>();

  constructor(
    private readonly providers: SocialProvider[],
    private readonly redirectUri: string,
  ) {}

  get names(): string[] {
    return this.providers.map((p) => p.name);
  }

  async start(host: ProviderHost, req: IncomingMessage, res: ServerResponse, details: InteractionDetails, name: string): Promise<void> {
    const provider = this.providers.find((p) => p.name === name);
    if (!provider) return this.end(host, req, res, { error: 'invalid_request', error_description: `identity_provider ${name} is not configured` });
    let config: client.Configuration;
    try {
      config = await client.discovery(new URL(provider.issuer), provider.clientId, provider.clientSecret, undefined, { execute: [client.allowInsecureRequests] });
    } catch (err) {
      return this.end(host, req, res, { error: 'temporarily_unavailable', error_description: `${name} is unavailable: ${message(err)}` });
    }
    const state = client.randomState();
    const codeVerifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    this.forgetStale();
    this.pending.set(state, { uid: details.uid, provider, config, codeVerifier, nonce, startedAt: Date.now() });
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: OIDC_SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    redirect(res, authorizationUrl.href);
  }

  async callback(req: IncomingMessage, res: ServerResponse, url: URL, users: UserDirectory): Promise<void> {
    const state = url.searchParams.get('state') ?? '';
    const pending = this.pending.get(state);
    this.pending.delete(state);
    if (!pending) {
      return sendHtml(
        res,
        400,
        renderProblemPage(USER_POOL_BRAND, 'This sign-in has expired', 'The social sign-in came back with a state this pool did not send, or sent back twice.'),
      );
    }
    this.outcomes.set(pending.uid, await this.redeem(pending, url, users));
    redirect(res, `/interaction/${encodeURIComponent(pending.uid)}/federated`);
  }

  async finish(host: ProviderHost, req: IncomingMessage, res: ServerResponse, details: InteractionDetails): Promise<void> {
    const outcome = this.outcomes.get(details.uid);
    this.outcomes.delete(details.uid);
    if (!outcome) return redirect(res, `/interaction/${encodeURIComponent(details.uid)}`);
    await this.end(host, req, res, outcome);
  }

  /** The IdP's answer as the pool's outcome: its user, or the IdP's error (a cancel stays access_denied) passed on to the shop. */
  private async redeem(pending: PendingSignIn, url: URL, users: UserDirectory): Promise<Outcome> {
    const { provider } = pending;
    const error = url.searchParams.get('error');
    if (error) return { error, error_description: url.searchParams.get('error_description') ?? `${provider.name} refused the sign-in` };
    try {
      const tokens = await client.authorizationCodeGrant(pending.config, url, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: url.searchParams.get('state') ?? '',
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new Error('no id token');
      const user = users.federated(provider.name, claims.sub, {
        email: typeof claims.email === 'string' ? claims.email : '',
        emailVerified: claims.email_verified === true,
        name: typeof claims.name === 'string' ? claims.name : '',
      });
      return { login: { accountId: user.sub } };
    } catch (err) {
      return { error: 'server_error', error_description: `sign-in with ${provider.name} failed: ${message(err)}` };
    }
  }

  private async end(host: ProviderHost, req: IncomingMessage, res: ServerResponse, outcome: Outcome): Promise<void> {
    await host.provider.interactionFinished(req, res, outcome, { mergeWithLastSubmission: false });
  }

  private forgetStale(): void {
    const cutoff = Date.now() - PENDING_TTL_MS;
    for (const [state, pending] of this.pending) if (pending.startedAt < cutoff) this.pending.delete(state);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
