import type { Queryable, Sql } from '../db/pools.js';
import type { User } from './accounts.schemas.js';

interface UserRow {
  id: number | bigint;
  email: string;
  name: string;
  role: 'customer' | 'admin';
  /** NULL for an account created by signing in through the user pool: it has no password. */
  password_hash: string | null;
}

const toUser = (row: UserRow): User => ({ id: Number(row.id), email: row.email, name: row.name, role: row.role });

/** Inserts a customer. A taken email (any case) raises the unique violation 23505 on users_email_idx. */
export async function insertCustomer(sql: Sql, input: { email: string; name: string; passwordHash: string }): Promise<User> {
  const [row] = await sql<UserRow[]>`
    INSERT INTO users (email, name, password_hash, role)
    VALUES (${input.email}, ${input.name}, ${input.passwordHash}, 'customer')
    RETURNING id, email, name, role, password_hash`;
  if (!row) throw new Error('INSERT ... RETURNING gave no row');
  return toUser(row);
}

export async function findUserWithPasswordByEmail(sql: Sql, email: string): Promise<(User & { passwordHash: string | null }) | undefined> {
  const [row] = await sql<UserRow[]>`
    SELECT id, email, name, role, password_hash FROM users WHERE lower(email) = lower(${email})`;
  return row ? { ...toUser(row), passwordHash: row.password_hash } : undefined;
}

/** The account's password hash; null when it has none (it signs in through the user pool), undefined when there is no such account. */
export async function findPasswordHash(sql: Queryable, userId: number): Promise<string | null | undefined> {
  const [row] = await sql<{ password_hash: string | null }[]>`SELECT password_hash FROM users WHERE id = ${userId}`;
  return row?.password_hash;
}

export async function updatePasswordHash(sql: Queryable, userId: number, passwordHash: string): Promise<void> {
  await sql`UPDATE users SET password_hash = ${passwordHash} WHERE id = ${userId}`;
}
