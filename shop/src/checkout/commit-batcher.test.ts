import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import postgres from 'postgres';
import type { Sql } from '../db/pools.js';
import { conflict } from '../errors.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { CommitBatcher } from './commit-batcher.js';

describe('CommitBatcher', () => {
  let db: TestDatabase;
  let sql: Sql;
  beforeAll(async () => {
    db = await createTestDatabase(inject('pgAdminUrl'));
    sql = postgres(db.url, { max: 4, onnotice: () => undefined }) as unknown as Sql;
    await sql`CREATE TABLE probe (job text PRIMARY KEY)`;
  });
  afterAll(async () => {
    await sql.end();
    await db.drop();
  });

  const written = async () => (await sql<{ job: string }[]>`SELECT job FROM probe ORDER BY job`).map((r) => r.job);

  it('commits the jobs that queued behind a running batch together, and a failing job alone rolls back', async () => {
    await sql`TRUNCATE probe`;
    const sizes: number[] = [];
    const batcher = new CommitBatcher(sql, 1, undefined, 32, (n) => sizes.push(n));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));

    const first = batcher.submit({
      userId: 1,
      run: async (tx) => {
        await tx`INSERT INTO probe VALUES ('first')`;
        await held;
        return 'first';
      },
    });
    const ok = (job: string) => batcher.submit({ userId: 1, run: async (tx) => (await tx`INSERT INTO probe VALUES (${job})`, job) });
    const queued = [
      ok('a'),
      batcher.submit({
        userId: 1,
        run: async (tx) => {
          await tx`INSERT INTO probe VALUES ('short')`;
          throw conflict('OUT_OF_STOCK', 'short');
        },
      }),
      batcher.submit({
        userId: 1,
        run: async (tx) => {
          await tx`INSERT INTO probe VALUES ('division')`;
          await tx`SELECT 1 / 0`;
        },
      }),
      ok('b'),
    ];
    release();
    const outcomes = await Promise.allSettled([first, ...queued]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'OUT_OF_STOCK' });
    expect((outcomes[3] as PromiseRejectedResult).reason).toMatchObject({ code: '22012' });
    expect(sizes).toEqual([1, 4]);
    expect(await written()).toEqual(['a', 'b', 'first']);
  });

  it('repeats the whole batch when the database asks for a retry, so every job commits once', async () => {
    await sql`TRUNCATE probe`;
    const batcher = new CommitBatcher(sql, 1);
    let attempts = 0;
    const results = await Promise.all([
      batcher.submit({ userId: 1, run: async (tx) => (await tx`INSERT INTO probe VALUES ('x')`, 'x') }),
      batcher.submit({
        userId: 1,
        run: async (tx) => {
          await tx`INSERT INTO probe VALUES ('y')`;
          if (++attempts === 1) throw Object.assign(new Error('could not serialize access'), { code: '40001' });
          return 'y';
        },
      }),
    ]);
    expect(results).toEqual(['x', 'y']);
    expect(attempts).toBe(2);
    expect(await written()).toEqual(['x', 'y']);
  });
});
