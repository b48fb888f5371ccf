import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/index.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/shop.mjs', import.meta.url));

// Each run starts tsx and compiles the CLI, which takes seconds on a busy machine.
describe('shop CLI', { timeout: 180_000 }, () => {
  let db: TestDatabase;
  let work: string;
  let env: NodeJS.ProcessEnv;
  const shop = (...args: string[]) => run(process.execPath, [BIN, ...args], { env, timeout: 120_000 });

  beforeAll(async () => {
    db = await createTestDatabase(inject('pgAdminUrl'));
    work = mkdtempSync(path.join(os.tmpdir(), 'evermall-cli-'));
    env = { PATH: process.env.PATH, DATABASE_URL: db.url, MEDIA_DIR: path.join(work, 'media') };
  });
  afterAll(async () => {
    await db.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it('prints help for itself and each command', async () => {
    expect((await shop('--help')).stdout).toMatch(/Usage: shop <command>[\s\S]*export-static --out DIR/);
    expect((await shop('export-static', '--help')).stdout).toContain('Usage: shop export-static --out DIR');
  });

  it('refuses bad usage with exit code 64 and a one-line reason', async () => {
    const failure = await shop('seed', '--products', 'lots').catch((err: { code: number; stderr: string }) => err);
    expect(failure).toMatchObject({ code: 64 });
    expect((failure as { stderr: string }).stderr).toMatch(/^--products must be/);
    const unknown = await shop('fly').catch((err: { code: number }) => err);
    expect(unknown).toMatchObject({ code: 64 });
  });

  it('migrates, seeds, creates an admin and exports the backup site', async () => {
    expect((await shop('migrate')).stdout).toMatch(/Applied|up to date/);
    const seeded = await shop('seed', '--products', '40');
    expect(seeded.stdout).toMatch(/40 new products \(40 in all\)/);
    expect(seeded.stderr).toContain('seeding products: 40 / 40');
    expect((await shop('seed', '--products', '40')).stdout).toMatch(/0 new products \(40 in all\)/);

    expect((await shop('create-admin', '--email', 'Staff@Example.test', '--password', 'correct horse battery')).stdout).toMatch(/^Created staff account/);
    expect((await shop('create-admin', '--email', 'staff@example.test', '--password', 'another long one')).stdout).toMatch(/^Updated staff account/);
    const weak = await shop('create-admin', '--email', 'staff@example.test', '--password', 'password1').catch((err: { code: number; stderr: string }) => err);
    expect(weak).toMatchObject({ code: 65 });
    expect((weak as { stderr: string }).stderr).toMatch(/^This password is one of the most common passwords/);
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    try {
      const users = await sql`SELECT email, role, password_hash LIKE '$argon2id$%' AS argon2id FROM users`;
      expect(users).toEqual([{ email: 'Staff@Example.test', role: 'admin', argon2id: true }]);
    } finally {
      await sql.end();
    }

    const out = path.join(work, 'backup');
    expect((await shop('export-static', '--out', out)).stdout).toMatch(/Wrote \d+ pages \(40 products/);
    expect(readFileSync(path.join(out, 'index.html'), 'utf8')).toContain('Ordering is paused');
    expect(existsSync(path.join(out, 'c', 'shoes', 'index.html'))).toBe(true);
  });
});
