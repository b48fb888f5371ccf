import { readFileSync } from 'node:fs';
import { PostgresServer } from '@evermall/testkit';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childPids, signalPid } from '../processes.js';
import { postmasterPid } from './postgres-processes.js';

/** The process group a pid leads or belongs to (field 5 of /proc/<pid>/stat). */
const groupOf = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
};

/**
 * What the twin's hang-db-primary and fail-db-primary signal, against a real PostgreSQL: the
 * backends are outside the postmaster's process group, so freezing a server takes each of them.
 */
describe("a Postgres server's processes", () => {
  let server: PostgresServer;
  let sql: postgres.Sql;
  beforeAll(async () => {
    server = await PostgresServer.start();
    sql = postgres(server.url(), { max: 1, onnotice: () => undefined });
  }, 60_000);
  afterAll(async () => {
    await sql?.end({ timeout: 1 });
    await server?.stop();
  });

  it('finds the postmaster by its data dir, and every backend among its children, each in a process group of its own', async () => {
    const postmaster = postmasterPid(server.dataDir);
    expect(postmaster).toBe(server.process?.pid);
    const [row] = await sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    const backend = row!.pid;
    expect(childPids(postmaster!)).toContain(backend);
    // Why the twin freezes them one by one: signalling the postmaster's group misses them.
    expect(groupOf(backend)).not.toBe(groupOf(postmaster!));
  });

  it('freezes an open connection only when its backend is stopped itself', async () => {
    const postmaster = postmasterPid(server.dataDir)!;
    const [row] = await sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    signalPid(postmaster, 'SIGSTOP');
    try {
      // The postmaster alone frozen: the open connection still answers.
      expect(await sql`SELECT 1 AS one`).toEqual([{ one: 1 }]);
      signalPid(row!.pid, 'SIGSTOP');
      const answer = await Promise.race([sql`SELECT 1 AS one`.then(() => 'answered'), new Promise((r) => setTimeout(() => r('no answer'), 1_000))]);
      expect(answer).toBe('no answer');
    } finally {
      signalPid(row!.pid, 'SIGCONT');
      signalPid(postmaster, 'SIGCONT');
    }
    expect(await sql`SELECT 1 AS one`).toEqual([{ one: 1 }]);
  });
});
