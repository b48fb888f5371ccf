import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Sql } from './pools.js';
import { grantObjectPrivileges } from './roles.js';

/** Any constant works; every instance uses the same one so only one migrates at a time. */
const MIGRATION_LOCK_ID = 4_242_001;

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

export interface MigrationResult {
  applied: string[];
}

/**
 * Applies pending plain-SQL migrations in file-name order, all in one transaction: a failing
 * migration rolls back every one applied in this call, so the schema is never half-migrated.
 * The transaction holds an advisory lock, so several instances starting at once take turns and
 * the later ones find nothing to do. In the same transaction it grants the roles that exist their
 * privileges on what the migrations made beyond the public schema's defaults (roles.ts).
 * `dir` is the source tree's migrations unless the config names others (`MIGRATIONS_DIR`).
 */
export async function migrate(sql: Sql, dir: string = MIGRATIONS_DIR): Promise<MigrationResult> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  // Up to date: no lock, no DDL, so a role that may not change the schema (the shop's app role,
  // src/db/roles.ts) can run commands that migrate first, such as create-admin.
  if (await upToDate(sql, files)) return { applied: [] };
  const applied: string[] = [];
  await sql.begin(async (tx) => {
    // A transaction-level lock is released at commit, even if this process dies mid-way.
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`;
    const done = new Set((await tx<{ name: string }[]>`SELECT name FROM schema_migrations`).map((r) => r.name));
    for (const file of files) {
      if (done.has(file)) continue;
      const text = await readFile(path.join(dir, file), 'utf8');
      await tx.unsafe(text);
      await tx`INSERT INTO schema_migrations (name) VALUES (${file})`;
      applied.push(file);
    }
    // What the new objects' users may do (roles.ts, objectPrivileges), for the roles that exist.
    await grantObjectPrivileges(tx);
  });
  return { applied };
}

async function upToDate(sql: Sql, files: string[]): Promise<boolean> {
  const [table] = await sql<{ exists: boolean }[]>`SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`;
  if (!table?.exists) return false;
  const done = new Set((await sql<{ name: string }[]>`SELECT name FROM schema_migrations`).map((r) => r.name));
  return files.every((f) => done.has(f));
}
