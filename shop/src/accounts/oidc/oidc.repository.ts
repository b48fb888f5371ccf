import type { Queryable } from '../../db/pools.js';
import type { User } from '../accounts.schemas.js';

interface UserRow {
  id: number | bigint;
  email: string;
  name: string;
  role: 'customer' | 'admin';
}

const toUser = (row: UserRow): User => ({ id: Number(row.id), email: row.email, name: row.name, role: row.role });

/** A sign-in in flight: what its callback is checked against. */
export interface SignInAttempt {
  state: string;
  nonce: string;
  codeVerifier: string;
  provider: string;
  nextPath: string;
  /** SHA-256 of the random value in the browser's sign-in cookie. */
  browserHash: Buffer;
}

export async function insertSignInAttempt(sql: Queryable, attempt: SignInAttempt, lifeSeconds: number): Promise<void> {
  await sql`
    INSERT INTO oidc_attempts (state, nonce, code_verifier, provider, next_path, browser_hash, expires_at)
    VALUES (${attempt.state}, ${attempt.nonce}, ${attempt.codeVerifier}, ${attempt.provider}, ${attempt.nextPath},
            ${attempt.browserHash}, now() + make_interval(secs => ${lifeSeconds}))`;
}

/**
 * Takes the attempt with this state: deleted whether it is still live or not, so a state works
 * once even when two callbacks race. Undefined when there is none or it has expired.
 */
export async function takeSignInAttempt(sql: Queryable, state: string): Promise<SignInAttempt | undefined> {
  const [row] = await sql<{ state: string; nonce: string; code_verifier: string; provider: string; next_path: string; browser_hash: Buffer; live: boolean }[]>`
    DELETE FROM oidc_attempts WHERE state = ${state}
    RETURNING state, nonce, code_verifier, provider, next_path, browser_hash, expires_at > now() AS live`;
  if (!row?.live) return undefined;
  return { state: row.state, nonce: row.nonce, codeVerifier: row.code_verifier, provider: row.provider, nextPath: row.next_path, browserHash: row.browser_hash };
}

export async function findIdentityUser(sql: Queryable, issuer: string, subject: string): Promise<User | undefined> {
  const [row] = await sql<UserRow[]>`
    SELECT u.id, u.email, u.name, u.role
    FROM user_identities i JOIN users u ON u.id = i.user_id
    WHERE i.issuer = ${issuer} AND i.subject = ${subject}`;
  return row ? toUser(row) : undefined;
}

export async function findUserByEmail(sql: Queryable, email: string): Promise<User | undefined> {
  const [row] = await sql<UserRow[]>`SELECT id, email, name, role FROM users WHERE lower(email) = lower(${email})`;
  return row ? toUser(row) : undefined;
}

/**
 * A customer who signs in through the pool only: no password (NULL), so password login finds
 * nothing to verify and answers as for a wrong password. A taken email raises 23505.
 */
export async function insertPasswordlessCustomer(sql: Queryable, input: { email: string; name: string }): Promise<User> {
  const [row] = await sql<UserRow[]>`
    INSERT INTO users (email, name, password_hash, role)
    VALUES (${input.email}, ${input.name}, NULL, 'customer')
    RETURNING id, email, name, role`;
  if (!row) throw new Error('INSERT ... RETURNING gave no row');
  return toUser(row);
}

export async function insertIdentity(sql: Queryable, identity: { issuer: string; subject: string; userId: number; email: string | undefined }): Promise<void> {
  await sql`
    INSERT INTO user_identities (issuer, subject, user_id, email)
    VALUES (${identity.issuer}, ${identity.subject}, ${identity.userId}, ${identity.email ?? null})`;
}

/** A verified identity waiting for the shopper to prove the local account that has its email. */
export interface PendingLink {
  issuer: string;
  subject: string;
  provider: string;
  userId: number;
  email: string;
  staffFromPool: boolean;
  nextPath: string;
}

export async function insertPendingLink(sql: Queryable, tokenHash: Buffer, link: PendingLink, lifeSeconds: number): Promise<void> {
  await sql`
    INSERT INTO oidc_pending_links (token_hash, issuer, subject, provider, user_id, email, staff_from_pool, next_path, expires_at)
    VALUES (${tokenHash}, ${link.issuer}, ${link.subject}, ${link.provider}, ${link.userId}, ${link.email}, ${link.staffFromPool},
            ${link.nextPath}, now() + make_interval(secs => ${lifeSeconds}))`;
}

interface PendingLinkRow {
  issuer: string;
  subject: string;
  provider: string;
  user_id: number | bigint;
  email: string;
  staff_from_pool: boolean;
  next_path: string;
}

const toPendingLink = (row: PendingLinkRow): PendingLink => ({
  issuer: row.issuer,
  subject: row.subject,
  provider: row.provider,
  userId: Number(row.user_id),
  email: row.email,
  staffFromPool: row.staff_from_pool,
  nextPath: row.next_path,
});

export async function findPendingLink(sql: Queryable, tokenHash: Buffer): Promise<PendingLink | undefined> {
  const [row] = await sql<PendingLinkRow[]>`
    SELECT issuer, subject, provider, user_id, email, staff_from_pool, next_path
    FROM oidc_pending_links WHERE token_hash = ${tokenHash} AND expires_at > now()`;
  return row ? toPendingLink(row) : undefined;
}

/** Takes a live pending link for good; undefined when another request took it first or it expired. */
export async function takePendingLink(sql: Queryable, tokenHash: Buffer): Promise<PendingLink | undefined> {
  const [row] = await sql<(PendingLinkRow & { live: boolean })[]>`
    DELETE FROM oidc_pending_links WHERE token_hash = ${tokenHash}
    RETURNING issuer, subject, provider, user_id, email, staff_from_pool, next_path, expires_at > now() AS live`;
  return row?.live ? toPendingLink(row) : undefined;
}

/** Deletes sign-in attempts and pending links past their life: neither can be used any more. */
export async function deleteExpiredSignInState(sql: Queryable): Promise<number> {
  const attempts = await sql`DELETE FROM oidc_attempts WHERE expires_at <= now()`;
  const links = await sql`DELETE FROM oidc_pending_links WHERE expires_at <= now()`;
  return attempts.count + links.count;
}
