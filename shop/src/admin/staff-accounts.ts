import type { Sql } from '../db/pools.js';
import { hashPassword } from '../accounts/passwords.js';

export interface StaffAccount {
  email: string;
  password: string;
  name?: string;
}

/**
 * Creates a staff (admin) account, or makes an existing account with this email staff and sets
 * its password: running `shop create-admin` again with new credentials is how a password is reset.
 */
export async function createAdmin(sql: Sql, account: StaffAccount): Promise<{ id: number; created: boolean }> {
  const passwordHash = await hashPassword(account.password);
  const [row] = await sql<{ id: number | bigint; created: boolean }[]>`
    INSERT INTO users (email, name, password_hash, role)
    VALUES (${account.email}, ${account.name ?? 'Staff'}, ${passwordHash}, 'admin')
    ON CONFLICT (lower(email)) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = 'admin'
    RETURNING id, (xmax = 0) AS created`;
  return { id: Number(row!.id), created: row!.created };
}
