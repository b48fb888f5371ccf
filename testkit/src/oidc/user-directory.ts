import { randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import { Journal } from '../toss-standin/journal.js';

/** A user a provider signs in with email and password. Without `sub`, one is made (a UUID, as Cognito's) and kept. */
export interface OidcUser {
  sub?: string;
  email: string;
  emailVerified: boolean;
  name: string;
  password: string;
  /** The user pool's groups, issued as `cognito:groups`. */
  groups?: string[];
}

/** A social account a user pool user came from, as Cognito lists it in the `identities` claim. */
export interface FederatedIdentity {
  providerName: string;
  userId: string;
  dateCreated: number;
}

export interface DirectoryUser {
  sub: string;
  email: string;
  emailVerified: boolean;
  name: string;
  /** `scrypt$salt$hash`; a federated user has none and signs in only through its provider. */
  passwordHash?: string;
  groups: string[];
  identities: FederatedIdentity[];
}

/**
 * A provider's users by sub, optionally journalled (JSON lines, the latest line for a sub wins) so
 * a restarted provider gives the same person the same sub, which is what relying parties key
 * their accounts on. Email is unique among password users only: a federated user with the same
 * email is another user, as in Cognito until someone links them.
 */
export class UserDirectory {
  private readonly users = new Map<string, DirectoryUser>();
  private readonly journal: Journal<DirectoryUser> | undefined;

  constructor(file?: string) {
    if (file === undefined) return;
    this.journal = new Journal<DirectoryUser>(file);
    for (const user of this.journal.replay()) this.users.set(user.sub, user);
  }

  /** Adds or updates a password user, found by sub, else by email. */
  put(user: OidcUser): DirectoryUser {
    const existing = user.sub !== undefined ? this.users.get(user.sub) : this.byEmail(user.email);
    const email = user.email.trim();
    if (!email.includes('@')) throw new Error(`a user's email must contain @, not ${JSON.stringify(user.email)}`);
    const unchanged =
      existing?.passwordHash !== undefined &&
      existing.email === email &&
      existing.emailVerified === user.emailVerified &&
      existing.name === user.name &&
      existing.groups.join('\n') === (user.groups ?? []).join('\n') &&
      passwordMatches(existing.passwordHash, user.password);
    if (existing && unchanged) return existing;
    return this.save({
      sub: user.sub ?? existing?.sub ?? randomUUID(),
      email,
      emailVerified: user.emailVerified,
      name: user.name,
      passwordHash: hashPassword(user.password),
      groups: [...(user.groups ?? [])],
      identities: existing?.identities ?? [],
    });
  }

  bySub(sub: string): DirectoryUser | undefined {
    return this.users.get(sub);
  }

  /** The password user with this email (case-insensitive). */
  byEmail(email: string): DirectoryUser | undefined {
    const wanted = email.trim().toLowerCase();
    for (const user of this.users.values()) if (user.passwordHash !== undefined && user.email.toLowerCase() === wanted) return user;
    return undefined;
  }

  /** The user for this email and password, or undefined for an unknown email or a wrong password alike. */
  authenticate(email: string, password: string): DirectoryUser | undefined {
    const user = this.byEmail(email);
    return user?.passwordHash !== undefined && passwordMatches(user.passwordHash, password) ? user : undefined;
  }

  /**
   * The user a social identity signs in as, made on its first sign-in. Its email, verification
   * and name follow the social profile at each sign-in, as Cognito's attribute mapping does.
   */
  federated(providerName: string, userId: string, profile: { email: string; emailVerified: boolean; name: string }): DirectoryUser {
    const existing = [...this.users.values()].find((u) => u.identities.some((i) => i.providerName === providerName && i.userId === userId));
    if (existing && existing.email === profile.email && existing.emailVerified === profile.emailVerified && existing.name === profile.name) return existing;
    return this.save({
      sub: existing?.sub ?? randomUUID(),
      ...profile,
      groups: existing?.groups ?? [],
      identities: existing?.identities ?? [{ providerName, userId, dateCreated: Date.now() }],
    });
  }

  private save(user: DirectoryUser): DirectoryUser {
    this.journal?.append(user);
    this.users.set(user.sub, user);
    return user;
  }
}

/** scrypt with Node's defaults (N=2^14, r=8, p=1): OWASP's minimum for scrypt, and quick enough for a test's handful of users. */
function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64url')}$${scryptSync(password, salt, 32).toString('base64url')}`;
}

function passwordMatches(stored: string, password: string): boolean {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  return timingSafeEqual(scryptSync(password, Buffer.from(salt, 'base64url'), 32), Buffer.from(hash, 'base64url'));
}
