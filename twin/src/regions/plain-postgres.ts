import type { ChildProcess } from 'node:child_process';
import { chownSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Owner } from '@evermall/testkit';
import postgres from 'postgres';
import { exited, isAlive, signalGroup, spawnPart, stopGroup } from '../processes.js';
import { regionSettings } from './region-settings.js';

export interface PlainPostgresOptions {
  /** For people and log file names: `region-b`, `region-a-node-a`. */
  name: string;
  pgdata: string;
  port: number;
  /** Where the unix socket goes (not /var/run/postgresql, which the twin may not write). */
  socketDir: string;
  logFile: string;
  pgBin: string;
  /** `postgres` when the twin runs as root: PostgreSQL refuses to run as root. */
  owner: Owner | undefined;
  /**
   * Settings given on the command line (`-c name=value`), which win over every configuration
   * file (PostgreSQL docs, "Parameter Interaction via the Shell"): the copy of region a's
   * configuration a data dir carries (pg_auto_failover's port, synchronous standby names) stays
   * as it is and does not apply.
   */
  settings: Record<string, string>;
}

export const DB_NAME = 'evermall';

/**
 * One PostgreSQL server on a data dir the twin made with pg_basebackup or took over from
 * pg_auto_failover: no keeper, no monitor, started and stopped by the twin itself. Region b's
 * copy is one; region a's old primary, fenced after a region failover, is another.
 */
export class PlainPostgres {
  private child: ChildProcess | undefined;

  constructor(readonly options: PlainPostgresOptions) {}

  get port(): number {
    return this.options.port;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The superuser's URL on loopback (trusted there, as on every node of the twin). */
  url(database = DB_NAME): string {
    return `postgres://postgres@127.0.0.1:${this.options.port}/${database}?sslmode=disable`;
  }

  /** Starts the server in the foreground of its own process group; resolves once it accepts connections. */
  async start(signal?: AbortSignal): Promise<void> {
    const { pgdata, port, socketDir, logFile, pgBin, owner, settings } = this.options;
    removeStaleLock(path.join(pgdata, 'postmaster.pid'), pgdata);
    removeStaleLock(path.join(socketDir, `.s.PGSQL.${port}.lock`), pgdata);
    const args = ['-D', pgdata, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketDir}`, '-c', 'logging_collector=off'];
    for (const [key, value] of Object.entries(settings)) args.push('-c', `${key}=${value}`);
    // No abort signal for the process itself: a twin stopping stops it in order (stop()), not with SIGKILL.
    this.child = spawnPart(path.join(pgBin, 'postgres'), args, { logFile, owner, cwd: path.dirname(pgdata) });
    const deadline = Date.now() + regionSettings.stepTimeoutMs;
    for (;;) {
      signal?.throwIfAborted();
      if (!this.running) throw new Error(`${this.options.name} exited (${this.child.signalCode ?? this.child.exitCode}) while starting: see ${logFile}`);
      if (await this.query(async (sql) => (await sql`SELECT 1 AS ok`).length === 1).catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`${this.options.name} did not accept connections within ${regionSettings.stepTimeoutMs / 1000} s: see ${logFile}`);
      await new Promise((r) => setTimeout(r, regionSettings.pollMs));
    }
  }

  /** Fast shutdown (SIGINT: PostgreSQL docs, "Shutting Down the Server"): sessions end, a clean checkpoint is written. */
  async stop(): Promise<void> {
    if (this.child) await stopGroup(this.child, regionSettings.stopBoundMs, 'SIGINT');
  }

  /** SIGKILL, as a host that is lost: nothing is flushed or sent to a standby. */
  async kill(): Promise<void> {
    if (!this.child || !this.running) return;
    signalGroup(this.child.pid, 'SIGKILL');
    await exited(this.child);
  }

  /** Runs `work` on a short-lived superuser connection. */
  async query<T>(work: (sql: postgres.Sql) => Promise<T>, database = DB_NAME): Promise<T> {
    const sql = postgres(this.url(database), { max: 1, connect_timeout: 2, onnotice: () => undefined });
    try {
      return await work(sql);
    } finally {
      await sql.end({ timeout: 1 });
    }
  }
}

/**
 * A lock file (postmaster.pid, the socket's .s.PGSQL.<port>.lock) left by a server that was killed
 * names a pid the system may have given to another process since; PostgreSQL then refuses to
 * start ("lock file already exists"). It is removed unless its pid is a live postgres of `pgdata`.
 */
function removeStaleLock(file: string, pgdata: string): void {
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  let ours = false;
  try {
    ours = isAlive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(pgdata);
  } catch {
    ours = false;
  }
  if (ours) throw new Error(`a postgres (pid ${pid}) already runs on ${pgdata}: stop it first`);
  rmSync(file, { force: true });
}

/** Writes a file in a data dir as its owner would (standby.signal, postgresql.auto.conf): PostgreSQL may have to replace it. */
export function writeDataDirFile(file: string, text: string, owner: Owner | undefined): void {
  writeFileSync(file, text);
  if (owner) chownSync(file, owner.uid, owner.gid);
}
