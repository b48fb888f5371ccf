import { createHash, randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { Sql } from '../../db/pools.js';
import { ShopError, unauthorized } from '../../errors.js';
import type { AccountsService } from '../accounts.service.js';
import { NAME_MAX_LENGTH, type User } from '../accounts.schemas.js';
import { safeNextPath } from './next-path.js';
import type { RelyingParty, VerifiedSignIn } from './relying-party.js';
import type { SignInProvider } from './sign-in-providers.js';
import { signInRefusals } from './sign-in-errors.js';
import {
  findIdentityUser,
  findPendingLink,
  findUserByEmail,
  insertIdentity,
  insertPasswordlessCustomer,
  insertPendingLink,
  insertSignInAttempt,
  takePendingLink,
  takeSignInAttempt,
  type PendingLink,
} from './oidc.repository.js';

const UNIQUE_VIOLATION = '23505';

export const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Who the shopper is once the pool's word is checked: the routes start the session. */
export interface SignedIn {
  user: User;
  /** The pool's staff group signed this user in (OIDC_STAFF_GROUP): the session is staff. */
  staffFromPool: boolean;
  /** A same-site path to go to next. */
  next: string;
}

export interface SignInSettings {
  providers: SignInProvider[];
  staffGroup: string | undefined;
  /** How long a started sign-in, and a pending account link, stay usable. */
  lifeSeconds: number;
}

/**
 * Sign-in through the user pool, beside local accounts (accounts/oidc/README.md):
 *
 * 1. `start` keeps a single-use attempt (state, nonce, PKCE verifier, where to go next) bound to
 *    the browser by the hash of a random value in its sign-in cookie, and gives the pool's URL.
 * 2. `finish` takes the attempt by the callback's state (once, whatever happens next), checks the
 *    browser is the one that started it (login CSRF), and has openid-client verify the callback
 *    and the ID token. Then: a known identity signs its user in; an unknown one with a verified
 *    email nobody has becomes a new customer without a password; one whose verified email
 *    belongs to a local account is never linked silently: it becomes a pending link, proven by
 *    that account's password (`link`); an unverified email creates and links nothing.
 *
 * Every refusal is a ShopError thrown before anything is created.
 */
export class SignInService {
  constructor(
    private readonly sql: Sql,
    private readonly relyingParty: RelyingParty,
    private readonly accounts: AccountsService,
    private readonly settings: SignInSettings,
  ) {}

  get providers(): SignInProvider[] {
    return this.settings.providers;
  }

  provider(key: string): SignInProvider {
    const provider = this.settings.providers.find((p) => p.key === key);
    if (!provider) throw signInRefusals.providerUnknown();
    return provider;
  }

  /** The pool's authorization URL for a new attempt. `browserSecret` is the sign-in cookie's value. */
  async start(provider: SignInProvider, next: string | undefined, browserSecret: string): Promise<URL> {
    const checks = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
    // Discovery first: a pool that is down refuses with SIGN_IN_UNAVAILABLE before anything is written.
    const url = await this.relyingParty.authorizationUrl(provider.name, checks);
    await insertSignInAttempt(this.sql, { ...checks, provider: provider.key, nextPath: safeNextPath(next), browserHash: sha256(browserSecret) }, this.settings.lifeSeconds);
    return url;
  }

  async finish(callback: URLSearchParams, browserSecret: string | undefined): Promise<SignedIn> {
    const state = callback.get('state');
    const attempt = state ? await takeSignInAttempt(this.sql, state) : undefined;
    if (!attempt) throw signInRefusals.expired();
    if (browserSecret === undefined || !sha256(browserSecret).equals(attempt.browserHash)) throw signInRefusals.stateMismatch();
    const verified = await this.relyingParty.verifyCallback(callback, attempt);
    const staffFromPool = this.settings.staffGroup !== undefined && verified.groups.includes(this.settings.staffGroup);
    const user = await this.userFor(verified, attempt.provider, attempt.nextPath, staffFromPool);
    return { user, staffFromPool, next: attempt.nextPath };
  }

  /** The account a pending link would join, for the password check's attempt limits; refuses an unknown or expired token. */
  async pendingLink(token: string): Promise<PendingLink> {
    const link = await findPendingLink(this.sql, sha256(token));
    if (!link) throw signInRefusals.linkExpired();
    return link;
  }

  /**
   * Links the pending identity once the local account's password is given. A wrong password
   * leaves the link usable until it expires; the right one takes it, once.
   */
  async link(token: string, password: string): Promise<SignedIn> {
    const pending = await this.pendingLink(token);
    const checked = await this.accounts.verifyAccountPassword(pending.userId, password);
    if (checked === 'none') {
      throw new ShopError(409, 'PASSWORD_NOT_SET', 'This account has no password: sign in with the provider you used before.');
    }
    if (checked === 'wrong') throw new ShopError(401, 'INVALID_CREDENTIALS', 'The password is not correct.');
    const linked = await this.sql.begin(async (tx) => {
      const taken = await takePendingLink(tx, sha256(token));
      if (!taken) return undefined;
      await insertIdentity(tx, { issuer: taken.issuer, subject: taken.subject, userId: taken.userId, email: taken.email });
      return taken;
    });
    if (!linked) throw signInRefusals.linkExpired();
    const user = await findIdentityUser(this.sql, linked.issuer, linked.subject);
    if (!user) throw unauthorized('The account was removed meanwhile.');
    return { user, staffFromPool: linked.staffFromPool, next: linked.nextPath };
  }

  private async userFor(verified: VerifiedSignIn, provider: string, nextPath: string, staffFromPool: boolean): Promise<User> {
    const known = await findIdentityUser(this.sql, verified.issuer, verified.subject);
    if (known) return known;
    // An email the provider has not verified could be anyone's: it neither creates nor links.
    if (!verified.emailVerified || !verified.email) throw signInRefusals.emailNotVerified();
    const email = verified.email;
    const local = await findUserByEmail(this.sql, email);
    if (local) return this.requireLink(verified, { provider, userId: local.id, email: local.email, staffFromPool, nextPath });
    try {
      return await this.sql.begin(async (tx) => {
        const user = await insertPasswordlessCustomer(tx, { email, name: displayName(verified) });
        await insertIdentity(tx, { issuer: verified.issuer, subject: verified.subject, userId: user.id, email });
        return user;
      });
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
      // Two callbacks of the same new shopper raced (or a local account took the email meanwhile):
      // decide again from what is now stored.
      const now = await findIdentityUser(this.sql, verified.issuer, verified.subject);
      if (now) return now;
      const taken = await findUserByEmail(this.sql, email);
      if (!taken) throw err;
      return this.requireLink(verified, { provider, userId: taken.id, email: taken.email, staffFromPool, nextPath });
    }
  }

  private async requireLink(verified: VerifiedSignIn, link: Omit<PendingLink, 'issuer' | 'subject'>): Promise<never> {
    const token = randomBytes(32).toString('base64url');
    await insertPendingLink(this.sql, sha256(token), { ...link, issuer: verified.issuer, subject: verified.subject }, this.settings.lifeSeconds);
    throw new ShopError(409, 'ACCOUNT_LINK_REQUIRED', 'An account with this email already exists. Enter its password to link this sign-in to it.', {
      token,
      provider: link.provider,
      email: link.email,
    });
  }
}

/** The account's name: the pool's `name` or `nickname`, else the email's local part, within the shop's limit. */
function displayName(verified: VerifiedSignIn): string {
  const name = verified.name?.trim() || verified.email?.split('@')[0] || 'Shopper';
  return [...name].slice(0, NAME_MAX_LENGTH).join('');
}
