import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PostgresServer } from './postgres-server.js';
import { systemPaths } from './system-paths.js';

function query(server: PostgresServer, sql: string): string {
  return execFileSync(path.join(systemPaths.pgBin, 'psql'), ['-X', '-At', '-d', server.url(), '-c', sql], { encoding: 'utf8', stdio: 'pipe' }).trim();
}

describe('PostgresServer', () => {
  it('starts a PostgreSQL that answers, and is gone with its data after stop', async () => {
    const server = await PostgresServer.start();
    try {
      expect(query(server, 'SELECT 1 + 1')).toBe('2');
      expect(query(server, 'SHOW fsync')).toBe('off');
    } finally {
      await server.stop();
    }
    expect(() => query(server, 'SELECT 1')).toThrow();
    expect(existsSync(server.dir)).toBe(false);
  }, 60_000);

  it('starts a streaming standby that sees what the primary writes, and promotes it', async () => {
    const primary = await PostgresServer.start({ settings: { wal_level: 'replica', max_wal_senders: 5 } });
    try {
      query(primary, 'CREATE TABLE t (n int); INSERT INTO t VALUES (7)');
      const standby = await PostgresServer.startStandby(primary);
      try {
        expect(query(standby, 'SELECT pg_is_in_recovery()')).toBe('t');
        await expect.poll(() => query(standby, 'SELECT coalesce(sum(n), 0) FROM t'), { timeout: 10_000 }).toBe('7');
        standby.promote();
        expect(query(standby, 'SELECT pg_is_in_recovery()')).toBe('f');
      } finally {
        await standby.stop();
      }
    } finally {
      await primary.stop();
    }
  }, 60_000);
});
