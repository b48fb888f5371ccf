import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, chownSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';
import { systemPaths } from './system-paths.js';
import { ownedDir, postgresOwner, type Owner } from './system-user.js';

/**
 * A throwaway PostgreSQL 15 server for tests and benchmarks: a temp dir, a free port,
 * the machine's PG_BIN, and the `postgres` user when we are root.
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

/** How long a new server may take to answer pg_isready before start() gives up. */
const READY_TIMEOUT_MS = 30_000;
/** How long a fast shutdown may take before stop() kills the server. */
const STOP_TIMEOUT_MS = 10_000;

const running = new Set<PostgresServer>();
process.once('exit', () => {
  for (const s of running) s.process?.kill('SIGKILL');
});

export class PostgresServer {
  process: ChildProcess | undefined;
  private exited: Promise<void> | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly pgBin: string,
    private readonly owner: Owner | undefined,
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
    const pgBin = options.pgBin ?? systemPaths.pgBin;
    if (!existsSync(path.join(pgBin, 'postgres'))) {
      throw new Error(`PostgreSQL 15 not found in ${pgBin}: apt-get install -y postgresql-15`);
    }
    const owner = postgresOwner();
    const dir = PostgresServer.makeDir(owner);
    const server = new PostgresServer(dir, options.port ?? (await freePort()), pgBin, owner, PostgresServer.settingsFor(options));
    server.exec('initdb', ['-D', server.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    await server.run();
    return server;
  }

  /** Creates a streaming hot standby of `primary` with pg_basebackup and starts it. */
  static async startStandby(primary: PostgresServer, options: PostgresServerOptions = {}): Promise<PostgresServer> {
    const owner = postgresOwner();
    const dir = PostgresServer.makeDir(owner);
    const server = new PostgresServer(dir, options.port ?? (await freePort()), primary.pgBin, owner, PostgresServer.settingsFor(options));
    server.exec('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', server.dataDir, '-R', '-X', 'stream', '--no-sync']);
    await server.run();
    return server;
  }

  private static makeDir(owner: Owner | undefined): string {
    const dir = ownedDir(mkdtempSync(path.join(os.tmpdir(), 'evermall-pg-')), owner);
    ownedDir(path.join(dir, 'sock'), owner);
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
    const deadline = Date.now() + READY_TIMEOUT_MS;
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

  /**
   * Freezes (SIGSTOP) or thaws (SIGCONT) the postmaster and every backend: a server that hangs,
   * whose kernel still accepts and acknowledges while nothing answers. stop() thaws it first.
   */
  freeze(frozen: boolean): void {
    const postmaster = this.process?.exitCode === null ? this.process.pid : undefined;
    if (!postmaster) return;
    const backends = spawnSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)
      .map(Number);
    for (const pid of [postmaster, ...backends]) process.kill(pid, frozen ? 'SIGSTOP' : 'SIGCONT');
    this.frozen = frozen;
  }

  private frozen = false;

  /** Fast shutdown; removes the data unless `keep` is set. */
  async stop({ keep = false }: { keep?: boolean } = {}): Promise<void> {
    if (this.frozen) this.freeze(false);
    if (this.process && this.process.exitCode === null) {
      this.process.kill('SIGINT');
      const timer = setTimeout(() => this.process?.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    running.delete(this);
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }
}
