import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { renderSignInPage, USER_POOL_BRAND } from './login-pages.js';
import { interactionRoute, ProviderHost, readForm, redirect, sendHtml, type OidcClientRegistration, type OidcServer } from './provider-host.js';
import { SocialFederation, type SocialProvider } from './social-federation.js';
import { UserDirectory, type DirectoryUser, type OidcUser } from './user-directory.js';

export interface UserPoolOptions {
  /** Default 127.0.0.2: an address of its own, so its cookies never meet the social IdP's (cookies ignore ports). */
  host?: string;
  /** 0 (the default) lets the kernel pick a free port. */
  port?: number;
  /** Keys, sessions, grants, codes and users are kept here; none: in memory, new each start. */
  dataDir?: string;
  users?: OidcUser[];
  clients: OidcClientRegistration[];
  /** The social IdPs it federates, by the name an authorization request's `identity_provider` uses ('Kakao'). */
  social: SocialProvider[];
}

export interface UserPool extends OidcServer {
  addUser(user: OidcUser): void;
  /** The redirect URI the pool registers at each social IdP: `<issuer>/federation/callback`. */
  readonly socialRedirectUri: string;
}

/**
 * The twin's Amazon Cognito user pool: an OpenID Connect provider with its own sign-in page
 * (email and password, and a "Continue with …" button per social IdP) that federates like
 * Cognito's managed login: `identity_provider=<name>` on the authorization request goes straight
 * to that IdP, and a social sign-in becomes the pool's own user for (provider, social sub).
 * Claims: sub, email, email_verified, name, and like Cognito's id token `cognito:groups` (when
 * the user is in a group) and `identities` (for a federated user).
 */
export async function startUserPool(options: UserPoolOptions): Promise<UserPool> {
  const users = new UserDirectory(options.dataDir === undefined ? undefined : path.join(options.dataDir, 'users.jsonl'));
  for (const user of options.users ?? []) users.put(user);
  const host = await ProviderHost.start({
    host: options.host ?? '127.0.0.2',
    port: options.port ?? 0,
    dataDir: options.dataDir,
    clients: options.clients,
    brand: USER_POOL_BRAND,
    // Cognito puts both in the id token whatever the scope.
    claims: { openid: ['sub', 'cognito:groups', 'identities'] },
    extraParams: ['identity_provider'],
    findAccount: (sub) => {
      const user = users.bySub(sub);
      return user && { accountId: sub, claims: () => poolClaims(user) };
    },
  });
  const socialRedirectUri = `${host.issuer}/federation/callback`;
  const federation = new SocialFederation(options.social, socialRedirectUri);
  host.useRoutes((req, res, url) => poolPages(host, federation, users, req, res, url));
  return {
    get issuer() {
      return host.issuer;
    },
    socialRedirectUri,
    close: () => host.close(),
    setDown: (down) => host.setDown(down),
    addUser: (user) => void users.put(user),
  };
}

/** Cognito's id token claims for a user (docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html). */
function poolClaims(user: DirectoryUser): Record<string, unknown> & { sub: string } {
  return {
    sub: user.sub,
    email: user.email,
    email_verified: user.emailVerified,
    name: user.name,
    ...(user.groups.length > 0 ? { 'cognito:groups': user.groups } : {}),
    ...(user.identities.length > 0
      ? {
          identities: user.identities.map((i) => ({
            userId: i.userId,
            providerName: i.providerName,
            providerType: 'OIDC',
            issuer: null,
            primary: 'true',
            dateCreated: String(i.dateCreated),
          })),
        }
      : {}),
  };
}

async function poolPages(host: ProviderHost, federation: SocialFederation, users: UserDirectory, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (url.pathname === '/federation/callback' && req.method === 'GET') {
    await federation.callback(req, res, url, users);
    return true;
  }
  const route = interactionRoute(url);
  if (!route) return false;
  const details = await host.interaction(req, res, route.uid);
  if (!details) return true;
  const signIn = { uid: details.uid, clientId: String(details.params.client_id), socialProviders: federation.names };
  const step = `${req.method} ${route.step}`;
  if (step === 'GET ') {
    const identityProvider = details.params.identity_provider;
    if (details.prompt.name === 'consent') await host.grantConsent(req, res, details);
    else if (typeof identityProvider === 'string' && identityProvider !== '') await federation.start(host, req, res, details, identityProvider);
    else sendHtml(res, 200, renderSignInPage(USER_POOL_BRAND, signIn));
  } else if (step === 'POST login') {
    const form = await readForm(req);
    const user = users.authenticate(form.email ?? '', form.password ?? '');
    if (user) await host.provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
    else sendHtml(res, 200, renderSignInPage(USER_POOL_BRAND, { ...signIn, email: form.email, error: 'Incorrect username or password.' }));
  } else if (step === 'POST federate') {
    await federation.start(host, req, res, details, (await readForm(req)).provider ?? '');
  } else if (step === 'GET federated') {
    await federation.finish(host, req, res, details);
  } else if (step === 'POST abort') {
    await host.provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'the person cancelled the sign-in' }, { mergeWithLastSubmission: false });
  } else {
    redirect(res, `/interaction/${encodeURIComponent(details.uid)}`);
  }
  return true;
}
