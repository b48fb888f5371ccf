import type { Sql } from '../db/pools.js';
import { conflict, ShopError } from '../errors.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { findUserWithPasswordByEmail, insertCustomer } from './accounts.repository.js';
import type { LoginBody, RegisterBody, User } from './accounts.schemas.js';

const UNIQUE_VIOLATION = '23505';

/** One message for an unknown email and a wrong password, so login does not reveal who has an account. */
const invalidCredentials = () => new ShopError(401, 'INVALID_CREDENTIALS', 'The email or password is not correct.');

/** Registration and login. Sessions themselves are the sessions plugin's business. */
export class AccountsService {
  /** Verified against when the email is unknown, so both failures take an argon2 verify. */
  private decoyHash: Promise<string> | undefined;

  constructor(private readonly sql: Sql) {}

  async register(input: RegisterBody): Promise<User> {
    const passwordHash = await hashPassword(input.password);
    try {
      return await insertCustomer(this.sql, { email: input.email.trim(), name: input.name.trim(), passwordHash });
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
        throw conflict('EMAIL_TAKEN', 'An account with this email already exists. Log in instead.');
      }
      throw err;
    }
  }

  async login(input: LoginBody): Promise<User> {
    const found = await findUserWithPasswordByEmail(this.sql, input.email.trim());
    if (!found) {
      this.decoyHash ??= hashPassword('decoy password that matches nothing');
      await verifyPassword(await this.decoyHash, input.password);
      throw invalidCredentials();
    }
    if (!(await verifyPassword(found.passwordHash, input.password))) throw invalidCredentials();
    return { id: found.id, email: found.email, name: found.name, role: found.role };
  }
}
