import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect, type Queryable, type Sql } from '../db/pools.js';
import { conflict } from '../errors.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { CommitBatcher, type Outcome } from './commit-batcher.js';

describe('CommitBatcher', () => {
  let db: TestDatabase;
  let sql: Sql;
  beforeAll(async () => {
    db = await createTestDatabase(inject('pgAdminUrl'));
    sql = connect(db.url, { max: 4 });
    await sql`CREATE TABLE probe (job text PRIMARY KEY CHECK (length(job) <= 8))`;
  });
  afterAll(async () => {
    await sql.end();
    await db.drop();
  });

  const written = async () => (await sql<{ job: string }[]>`SELECT job FROM probe ORDER BY job`).map((r) => r.job);

  /**
   * A set-based processor like checkout's: jobs named "refuse…" are refused (nothing written for
   * them), the rest are written in one statement. A name longer than 8 characters breaks that
   * statement for the whole batch.
   */
  const writeAll =
    (hold?: Promise<void>) =>
    async (tx: Queryable, jobs: readonly string[]): Promise<Outcome<string>[]> => {
      const accepted = jobs.filter((j) => !j.startsWith('refuse'));
      if (accepted.length > 0) await tx`INSERT INTO probe SELECT unnest(${accepted}::text[])`;
      if (hold && jobs.includes('first')) await hold;
      return jobs.map((j) => (j.startsWith('refuse') ? { ok: false, error: conflict('OUT_OF_STOCK', j) } : { ok: true, value: j }));
    };

  /** One lane whose first batch (the job "first") waits for release(), so the jobs after it queue. */
  function heldBatcher() {
    const sizes: number[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const batcher = new CommitBatcher({ sql, lanes: 1, process: writeAll(held), onCommit: (n) => sizes.push(n) });
    return { sizes, release, batcher };
  }

  it('commits the jobs that queued behind a running batch together, and a refused job writes nothing', async () => {
    await sql`TRUNCATE probe`;
    const { sizes, release, batcher } = heldBatcher();

    const first = batcher.submit('first');
    const queued = ['a', 'refuse1', 'b', 'c'].map((j) => batcher.submit(j));
    release();
    const outcomes = await Promise.allSettled([first, ...queued]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'OUT_OF_STOCK' });
    expect(sizes).toEqual([1, 4]);
    expect(await written()).toEqual(['a', 'b', 'c', 'first']);
  });

  it('runs the jobs of a batch one by one when one of them breaks the batch, so only that job fails', async () => {
    await sql`TRUNCATE probe`;
    const { sizes, release, batcher } = heldBatcher();

    const first = batcher.submit('first');
    const queued = ['a', 'too-long-a-name', 'b'].map((j) => batcher.submit(j));
    release();
    const outcomes = await Promise.allSettled([first, ...queued]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ code: '23514' });
    // The batch of three rolled back and its good jobs committed alone.
    expect(sizes).toEqual([1, 1, 1]);
    expect(await written()).toEqual(['a', 'b', 'first']);
  });

  it('repeats the whole batch when the database asks for a retry, so every job commits once', async () => {
    await sql`TRUNCATE probe`;
    let attempts = 0;
    const batcher = new CommitBatcher<string, string>({
      sql,
      lanes: 1,
      process: async (tx, jobs) => {
        const outcomes = await writeAll()(tx, jobs);
        if (++attempts === 1) throw Object.assign(new Error('could not serialize access'), { code: '40001' });
        return outcomes;
      },
    });
    const results = await Promise.all([batcher.submit('x'), batcher.submit('y')]);
    expect(results).toEqual(['x', 'y']);
    expect(attempts).toBe(3); // x alone (retried once), then y alone: the second job queued behind the first
    expect(await written()).toEqual(['x', 'y']);
  });
});
