import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, chownSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A throwaway PostgreSQL 15 server for tests and benchmarks: a temp dir, a free port,
 * the machine's /usr/lib/postgresql/15/bin, and an unprivileged user when we are root.
 * It is stopped by `stop()`, and killed if the owning process exits first.
 */
export interface PostgresServerOptions {
  pgBin?: string;
  port?: number;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string | number>;
  /** Speed over durability: fsync off. Only for throwaway test data. */
  fast?: boolean;
}

const DEFAULT_PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const running = new Set<PostgresServer>();
process.once('exit', () => {
  for (const s of running) s.process?.kill('SIGKILL');
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** The uid/gid to run Postgres as: ourselves, or the `postgres` user when we are root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new Error('Running as root needs a "postgres" user to run PostgreSQL: apt-get install -y postgresql-15');
  }
  return { uid, gid };
}

export class PostgresServer {
  process: ChildProcess | undefined;
  private exited: Promise<void> | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly pgBin: string,
    private readonly owner: { uid: number; gid: number } | undefined,
    private readonly settings: Record<string, string | number>,
  ) {}

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  get socketDir(): string {
    return path.join(this.dir, 'sock');
  }

  /** A URL as the `postgres` superuser to `database`. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Creates and starts a new primary. */
  static async start(options: PostgresServerOptions = {}): Promise<PostgresServer> {
    const pgBin = options.pgBin ?? DEFAULT_PG_BIN;
    if (!existsSync(path.join(pgBin, 'postgres'))) {
      throw new Error(`PostgreSQL 15 not found in ${pgBin}: apt-get install -y postgresql-15`);
    }
    const owner = runAs();
    const dir = PostgresServer.makeDir(owner);
    const server = new PostgresServer(dir, options.port ?? (await freePort()), pgBin, owner, PostgresServer.settingsFor(options));
    server.exec('initdb', ['-D', server.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    await server.run();
    return server;
  }

  /** Creates a streaming hot standby of `primary` with pg_basebackup and starts it. */
  static async startStandby(primary: PostgresServer, options: PostgresServerOptions = {}): Promise<PostgresServer> {
    const owner = runAs();
    const dir = PostgresServer.makeDir(owner);
    const server = new PostgresServer(dir, options.port ?? (await freePort()), primary.pgBin, owner, PostgresServer.settingsFor(options));
    server.exec('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', server.dataDir, '-R', '-X', 'stream', '--no-sync']);
    await server.run();
    return server;
  }

  private static makeDir(owner: { uid: number; gid: number } | undefined): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-pg-'));
    mkdirSync(path.join(dir, 'sock'));
    if (owner) {
      chownSync(dir, owner.uid, owner.gid);
      chownSync(path.join(dir, 'sock'), owner.uid, owner.gid);
    }
    return dir;
  }

  private static settingsFor(options: PostgresServerOptions): Record<string, string | number> {
    return {
      max_connections: 300,
      shared_buffers: '128MB',
      ...(options.fast === false ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
      ...options.settings,
    };
  }

  private exec(bin: string, args: string[]): void {
    execFileSync(path.join(this.pgBin, bin), args, { stdio: 'pipe', cwd: this.dir, ...this.owner });
  }

  private async run(): Promise<void> {
    const args = ['-D', this.dataDir, '-p', String(this.port), '-k', this.socketDir, '-c', 'listen_addresses=127.0.0.1'];
    for (const [k, v] of Object.entries(this.settings)) args.push('-c', `${k}=${v}`);
    const logFile = path.join(this.dir, 'postgres.log');
    writeFileSync(logFile, '');
    if (this.owner) chownSync(logFile, this.owner.uid, this.owner.gid);
    const child = spawn(path.join(this.pgBin, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: this.dir, ...this.owner });
    this.process = child;
    running.add(this);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`postgres exited during start: ${stderr}`);
      try {
        execFileSync(path.join(this.pgBin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres'], { stdio: 'ignore' });
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`postgres did not become ready: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Promotes a standby to primary. */
  promote(): void {
    this.exec('pg_ctl', ['promote', '-D', this.dataDir, '-w']);
  }

  /** Fast shutdown; removes the data unless `keep` is set. */
  async stop({ keep = false }: { keep?: boolean } = {}): Promise<void> {
    if (this.process && this.process.exitCode === null) {
      this.process.kill('SIGINT');
      const timer = setTimeout(() => this.process?.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    running.delete(this);
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }
}
