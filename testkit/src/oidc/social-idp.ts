import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { renderSignInPage, renderSignUpPage, socialBrand, type PageBrand } from './login-pages.js';
import { interactionRoute, ProviderHost, readForm, redirect, sendHtml, type OidcClientRegistration, type OidcServer } from './provider-host.js';
import { UserDirectory, type OidcUser } from './user-directory.js';

export interface SocialIdpOptions {
  /** Default 127.0.0.3: an address of its own, so its cookies never meet the user pool's (cookies ignore ports). */
  host?: string;
  /** 0 (the default) lets the kernel pick a free port. */
  port?: number;
  /** Keys, sessions and users are kept here; none: in memory, new each start. */
  dataDir?: string;
  users?: OidcUser[];
  clients: OidcClientRegistration[];
  /** Default 'Kakao (stand-in)'. */
  displayName?: string;
}

export interface SocialIdp extends OidcServer {
  addUser(user: OidcUser): void;
}

/**
 * A "social" identity provider in Kakao's place: an OpenID Connect provider with its own sign-in
 * page in Kakao's yellow, where anyone may also create an account (email verified at once, as a
 * Kakao account's email is), so a journey can make a fresh social user. Claims: sub, email,
 * email_verified, name.
 */
export async function startSocialIdp(options: SocialIdpOptions): Promise<SocialIdp> {
  const brand = socialBrand(options.displayName ?? 'Kakao (stand-in)');
  const users = new UserDirectory(options.dataDir === undefined ? undefined : path.join(options.dataDir, 'users.jsonl'));
  for (const user of options.users ?? []) users.put(user);
  const host = await ProviderHost.start({
    host: options.host ?? '127.0.0.3',
    port: options.port ?? 0,
    dataDir: options.dataDir,
    clients: options.clients,
    brand,
    claims: {},
    findAccount: (sub) => {
      const user = users.bySub(sub);
      if (!user) return undefined;
      return { accountId: sub, claims: () => ({ sub, email: user.email, email_verified: user.emailVerified, name: user.name }) };
    },
  });
  host.useRoutes((req, res, url) => socialPages(host, brand, users, req, res, url));
  return {
    get issuer() {
      return host.issuer;
    },
    close: () => host.close(),
    setDown: (down) => host.setDown(down),
    addUser: (user) => void users.put(user),
  };
}

async function socialPages(host: ProviderHost, brand: PageBrand, users: UserDirectory, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const route = interactionRoute(url);
  if (!route) return false;
  const details = await host.interaction(req, res, route.uid);
  if (!details) return true;
  const signIn = { uid: details.uid, clientId: String(details.params.client_id), signUp: true };
  const step = `${req.method} ${route.step}`;
  if (step === 'GET ') {
    if (details.prompt.name === 'consent') await host.grantConsent(req, res, details);
    else sendHtml(res, 200, renderSignInPage(brand, signIn));
  } else if (step === 'POST login') {
    const form = await readForm(req);
    const user = users.authenticate(form.email ?? '', form.password ?? '');
    if (user) await host.provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
    else sendHtml(res, 200, renderSignInPage(brand, { ...signIn, email: form.email, error: 'Wrong email or password.' }));
  } else if (step === 'GET signup') {
    sendHtml(res, 200, renderSignUpPage(brand, { uid: details.uid }));
  } else if (step === 'POST signup') {
    const form = await readForm(req);
    const problem = signUpProblem(users, form);
    if (problem) {
      sendHtml(res, 200, renderSignUpPage(brand, { uid: details.uid, email: form.email, name: form.name, error: problem }));
    } else {
      const user = users.put({ email: form.email as string, name: form.name as string, password: form.password as string, emailVerified: true });
      await host.provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
    }
  } else if (step === 'POST abort') {
    await host.provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'the person cancelled the sign-in' }, { mergeWithLastSubmission: false });
  } else {
    redirect(res, `/interaction/${encodeURIComponent(details.uid)}`);
  }
  return true;
}

/** Why a sign-up form is refused, in words for the page; undefined when it is fine. */
function signUpProblem(users: UserDirectory, form: Record<string, string>): string | undefined {
  const email = (form.email ?? '').trim();
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) return 'Enter an email address.';
  if (!(form.name ?? '').trim()) return 'Enter your name.';
  if ((form.password ?? '').length < 8) return 'Choose a password of at least 8 characters.';
  if (users.byEmail(email)) return 'An account with this email exists; sign in instead.';
  return undefined;
}
