import type { Queryable, Sql } from '../db/pools.js';
import { conflict, ShopError } from '../errors.js';
import type { SessionUser } from '../plugins/sessions.js';
import { deleteUserSessions } from '../plugins/sessions.repository.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { assertStrongPassword } from './password-strength.js';
import { findPasswordHash, findUserWithPasswordByEmail, insertCustomer, updatePasswordHash } from './accounts.repository.js';
import type { LoginBody, PasswordChangeBody, RegisterBody, User } from './accounts.schemas.js';

const UNIQUE_VIOLATION = '23505';

/** One message for an unknown email and a wrong password, so login does not reveal who has an account. */
const invalidCredentials = () => new ShopError(401, 'INVALID_CREDENTIALS', 'The email or password is not correct.');

/** Registration, login and password changes. Sessions themselves are the sessions plugin's business. */
export class AccountsService {
  /** Verified against when the email is unknown or has no password, so every failure takes an argon2 verify. */
  private decoyHash: Promise<string> | undefined;

  constructor(private readonly sql: Sql) {}

  async register(input: RegisterBody): Promise<User> {
    const email = input.email.trim();
    const name = input.name.trim();
    await assertStrongPassword(input.password, { email, name });
    const passwordHash = await hashPassword(input.password);
    try {
      return await insertCustomer(this.sql, { email, name, passwordHash });
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
        throw conflict('EMAIL_TAKEN', 'An account with this email already exists. Log in instead.');
      }
      throw err;
    }
  }

  async login(input: LoginBody): Promise<User> {
    const found = await findUserWithPasswordByEmail(this.sql, input.email.trim());
    // An account without a password (created by signing in through the pool) answers as a wrong
    // password does, after the same argon2 work: login does not reveal how anyone signs in.
    if (!found?.passwordHash) {
      await this.verifyDecoy(input.password);
      throw invalidCredentials();
    }
    if (!(await verifyPassword(found.passwordHash, input.password))) throw invalidCredentials();
    return { id: found.id, email: found.email, name: found.name, role: found.role };
  }

  /**
   * Checks the password of a known account, e.g. to link a sign-in through the pool to it: `none`
   * when it has no password (it signs in through the pool), after the same argon2 work as `wrong`.
   */
  async verifyAccountPassword(userId: number, password: string): Promise<'verified' | 'wrong' | 'none'> {
    const passwordHash = await findPasswordHash(this.sql, userId);
    if (!passwordHash) {
      await this.verifyDecoy(password);
      return passwordHash === null ? 'none' : 'wrong';
    }
    return (await verifyPassword(passwordHash, password)) ? 'verified' : 'wrong';
  }

  /** Verified against when there is no hash to check, so every failure takes an argon2 verify. */
  private async verifyDecoy(password: string): Promise<void> {
    this.decoyHash ??= hashPassword('decoy password that matches nothing');
    await verifyPassword(await this.decoyHash, password);
  }

  /**
   * Sets a new password after checking the current one, and ends every session of the account
   * in the same transaction, the one making this request included: whoever else held a session
   * (a stolen cookie, a shared computer) is logged out, and `startSession` gives this browser a
   * fresh token, as OWASP's Session Management Cheat Sheet asks after re-authentication
   * ("Renew the Session ID After Any Privilege Level Change").
   */
  async changePassword(user: SessionUser, input: PasswordChangeBody, startSession: (tx: Queryable) => Promise<void>): Promise<void> {
    const currentHash = await findPasswordHash(this.sql, user.id);
    if (currentHash === null) {
      throw conflict('PASSWORD_NOT_SET', 'This account signs in through Kakao, Google or another provider and has no password to change.');
    }
    if (!currentHash || !(await verifyPassword(currentHash, input.currentPassword))) {
      throw new ShopError(403, 'WRONG_PASSWORD', 'The current password is not correct.');
    }
    await assertStrongPassword(input.newPassword, { email: user.email, name: user.name });
    const passwordHash = await hashPassword(input.newPassword);
    await this.sql.begin(async (tx) => {
      await updatePasswordHash(tx, user.id, passwordHash);
      await deleteUserSessions(tx, user.id);
      await startSession(tx);
    });
  }
}
