import type { Sql } from '../db/pools.js';
import { hashPassword } from '../accounts/passwords.js';
import { assertStrongPassword } from '../accounts/password-strength.js';
import { deleteUserSessions } from '../plugins/sessions.repository.js';

export interface StaffAccount {
  email: string;
  password: string;
  name?: string;
}

/**
 * Creates a staff (admin) account, or makes an existing account with this email staff and sets
 * its password: running `shop create-admin` again with new credentials is how a password is reset.
 * The password must pass the same strength check as a shopper's (400 WEAK_PASSWORD). The account's
 * sessions end in the same transaction: a role or password change must not leave an old session
 * (perhaps a stolen one) alive with the new rights, or alive after the reset it was meant to stop.
 */
export async function createAdmin(sql: Sql, account: StaffAccount): Promise<{ id: number; created: boolean; sessionsEnded: number }> {
  await assertStrongPassword(account.password, { email: account.email, ...(account.name ? { name: account.name } : {}) });
  const passwordHash = await hashPassword(account.password);
  return sql.begin(async (tx) => {
    const [row] = await tx<{ id: number | bigint; created: boolean }[]>`
      INSERT INTO users (email, name, password_hash, role)
      VALUES (${account.email}, ${account.name ?? 'Staff'}, ${passwordHash}, 'admin')
      ON CONFLICT (lower(email)) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = 'admin'
      RETURNING id, (xmax = 0) AS created`;
    if (!row) throw new Error('INSERT ... RETURNING gave no row');
    const id = Number(row.id);
    const sessionsEnded = await deleteUserSessions(tx, id);
    return { id, created: row.created, sessionsEnded };
  });
}
