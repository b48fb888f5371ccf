import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Where the machine's tools live: Debian's PostgreSQL 15, pg_auto_failover's pg_autoctl and
 * Chromium. Each can be moved with an environment variable; everything that starts one of them
 * (the test kit, the twin, the benchmarks) asks here, so a default is written once.
 * scripts/ensure-system.mjs, which runs before node_modules exists, keeps its own copy.
 */
export const systemPaths = {
  /** PG_BIN: the PostgreSQL 15 server binaries (postgres, initdb, pg_ctl, pgbench). */
  get pgBin(): string {
    return process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
  },
  /** PG_AUTOCTL: pg_auto_failover's command; Debian puts it in PG_BIN and links it to /usr/bin. */
  get pgAutoctl(): string {
    if (process.env.PG_AUTOCTL) return process.env.PG_AUTOCTL;
    const beside = path.join(systemPaths.pgBin, 'pg_autoctl');
    return existsSync(beside) ? beside : '/usr/bin/pg_autoctl';
  },
  /** CHROMIUM_PATH: Debian's Chromium, driven by playwright-core (never a downloaded browser). */
  get chromium(): string {
    return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  },
};
