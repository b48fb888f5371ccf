// oidc-provider ships no types: this declares the part the kit uses, for every workspace whose program compiles the kit.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./oidc-provider.d.ts" />
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { Provider, type Account, type ClientMetadata, type InteractionDetails } from 'oidc-provider';
import { renderLogoutPage, renderProblemPage, renderSignedOutPage, type PageBrand } from './login-pages.js';
import { ProviderStore } from './provider-store.js';
import { loadProviderSecrets } from './signing-keys.js';

/** A relying party registered at a provider (the shop at the user pool; the user pool at the social IdP). */
export interface OidcClientRegistration {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
}

export interface OidcServer {
  /** `http://<host>:<port>`, e.g. http://127.0.0.2:PORT. */
  readonly issuer: string;
  close(): Promise<void>;
  /** While down, every request gets a refused connection (the listener is closed); up again, it listens on the same port. */
  setDown(down: boolean): Promise<void>;
}

/** The scopes both providers serve and the claims each releases; the id token carries them (conformIdTokenClaims off, as Cognito's id token does). */
export const OIDC_SCOPE = 'openid email profile';

/** A provider's own routes beside oidc-provider's: true when it answered the request. */
export type ProviderRoutes = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export interface ProviderHostOptions {
  host: string;
  port: number;
  dataDir?: string;
  clients: OidcClientRegistration[];
  brand: PageBrand;
  /** Scope → claim names, beyond the standard `email` and `profile`. */
  claims: Record<string, string[]>;
  findAccount: (sub: string) => Account | undefined;
  extraParams?: string[];
}

/**
 * Lifetimes as Cognito's defaults (Cognito Developer Guide, "Using tokens" and "Managed login"):
 * codes 5 minutes, id and access tokens 1 hour, the managed login session 1 hour. An interaction
 * lasts as long as a session; a grant outlives sessions, as a remembered consent does.
 */
const TTL_SECONDS = { AuthorizationCode: 300, AccessToken: 3600, IdToken: 3600, Session: 3600, Interaction: 3600, Grant: 30 * 24 * 3600 };

/** Every request the providers' own pages take is a short form; anything near this is a mistake. */
const FORM_LIMIT_BYTES = 16 * 1024;

/**
 * An oidc-provider 9 Provider on its own node:http listener: code flow only, PKCE (S256) always
 * required, client_secret_basic or _post, RS256 id tokens, keys and store under `dataDir`, and
 * the provider's own routes (its login pages) in front of oidc-provider's. The listener can be
 * taken down and brought back on the same port, which is what a provider outage looks like to
 * its relying parties.
 */
export class ProviderHost implements OidcServer {
  issuer = '';
  provider!: Provider;
  private routes: ProviderRoutes = async () => false;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;
  private down = false;
  private closed = false;

  private constructor(private readonly options: ProviderHostOptions) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => this.fail(res, err));
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Listens first (port 0 becomes a real port), then builds the Provider for the issuer that makes. */
  static async start(options: ProviderHostOptions): Promise<ProviderHost> {
    const host = new ProviderHost(options);
    await host.listen(options.port);
    host.port = (host.server.address() as AddressInfo).port;
    host.issuer = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${host.port}`;
    host.provider = host.buildProvider();
    return host;
  }

  /** The provider's own routes, set once its pages know the provider. */
  useRoutes(routes: ProviderRoutes): void {
    this.routes = routes;
  }

  async setDown(down: boolean): Promise<void> {
    if (this.closed) throw new Error(`setDown: ${this.issuer} is closed`);
    if (down === this.down) return;
    this.down = down;
    if (down) await this.stopListening();
    else await this.listen(this.port);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stopListening();
  }

  /** Auto-consent: the registered clients are first party, so a consent prompt grants what the client asked for and goes on. */
  async grantConsent(req: IncomingMessage, res: ServerResponse, details: InteractionDetails): Promise<void> {
    const accountId = details.session?.accountId;
    const clientId = details.params.client_id;
    if (accountId === undefined || clientId === undefined) throw new Error('a consent prompt without a session or client');
    const grant = (details.grantId ? await this.provider.Grant.find(details.grantId) : undefined) ?? new this.provider.Grant({ accountId, clientId });
    const { missingOIDCScope, missingOIDCClaims } = details.prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    const grantId = await grant.save();
    await this.provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  /** The interaction of this request, or a problem page (and undefined) when its cookie is gone or it expired. */
  async interaction(req: IncomingMessage, res: ServerResponse, uid: string): Promise<InteractionDetails | undefined> {
    try {
      const details = await this.provider.interactionDetails(req, res);
      if (details.uid === uid) return details;
    } catch (err) {
      if (!(err instanceof Error) || err.name !== 'SessionNotFound') throw err;
    }
    sendHtml(res, 400, renderProblemPage(this.options.brand, 'This sign-in has expired', 'The sign-in page was open too long, or was opened in another browser.'));
    return undefined;
  }

  private buildProvider(): Provider {
    const { dataDir, clients, brand } = this.options;
    const secrets = loadProviderSecrets(dataDir);
    const store = new ProviderStore(dataDir === undefined ? undefined : path.join(dataDir, 'store.jsonl'));
    const provider = new Provider(this.issuer, {
      adapter: store.adapter,
      clients: clients.map(clientMetadata),
      jwks: secrets.jwks,
      // Signed cookies with kept keys: a restarted provider still knows its browsers. No `secure`: oidc-provider sets it only on https requests.
      cookies: { keys: secrets.cookieKeys },
      claims: { email: ['email', 'email_verified'], profile: ['name'], ...this.options.claims },
      conformIdTokenClaims: false,
      responseTypes: ['code'],
      clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
      pkce: { required: () => true },
      // Relying parties here call the token endpoint from their servers; no browser calls the provider cross-origin.
      clientBasedCORS: () => false,
      extraParams: this.options.extraParams ?? [],
      ttl: TTL_SECONDS,
      features: {
        devInteractions: { enabled: false },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: async (ctx: { body: unknown }, form: string) => {
            ctx.body = renderLogoutPage(brand, form);
          },
          postLogoutSuccessSource: async (ctx: { body: unknown }) => {
            ctx.body = renderSignedOutPage(brand);
          },
        },
      },
      findAccount: async (_ctx, sub) => this.options.findAccount(sub),
      renderError: async (ctx, out) => {
        ctx.type = 'html';
        ctx.body = renderProblemPage(brand, 'Sign-in failed', `${out.error ?? 'error'}: ${out.error_description ?? ''}`);
      },
    });
    // Loopback http: the request's own protocol and host, no X-Forwarded-* (koa's default, said here because it matters).
    provider.proxy = false;
    return provider;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.issuer);
    if (await this.routes(req, res, url)) return;
    await this.provider.callback()(req, res);
  }

  private async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  private async stopListening(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** The one place an unanswered request of the provider's own routes ends. oidc-provider answers its own errors. */
  private fail(res: ServerResponse, err: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendHtml(res, 500, renderProblemPage(this.options.brand, 'Sign-in failed', `stand-in bug: ${err instanceof Error ? err.message : String(err)}`));
  }
}

function clientMetadata(client: OidcClientRegistration): ClientMetadata {
  return {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris ?? [],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    // Either secret method works for a registered secret (oidc-provider 9 lib/shared/client_auth.js); this is the one discovery advertises first.
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  };
}

/** The `/interaction/<uid>[/<step>]` a provider's page route names, or undefined. */
export function interactionRoute(url: URL): { uid: string; step: string } | undefined {
  const match = /^\/interaction\/([^/]+)(?:\/([a-z]+))?$/.exec(url.pathname);
  if (!match?.[1]) return undefined;
  return { uid: decodeURIComponent(match[1]), step: match[2] ?? '' };
}

export async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > FORM_LIMIT_BYTES) throw new Error(`a form over ${FORM_LIMIT_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'no-store' });
  res.end(html);
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'content-length': 0, 'cache-control': 'no-store' });
  res.end();
}
