import path from 'node:path';
import type { Owner } from '@evermall/testkit';
import { exited, spawnPart } from '../processes.js';
import { PlainPostgres, writeDataDirFile } from './plain-postgres.js';
import { regionSettings } from './region-settings.js';

export interface FencedPrimaryOptions {
  /** The pg_auto_failover node that was region a's primary when the region was lost. */
  node: string;
  pgdata: string;
  port: number;
  socketDir: string;
  logsDir: string;
  pgBin: string;
  owner: Owner | undefined;
}

/** Region a's old primary as the status shows it. */
export interface FencedPrimaryStatus {
  node: string;
  port: number;
  /** read-only: in recovery with no upstream (being reconciled); standby: streaming from region b. */
  state: 'read-only' | 'standby' | 'down';
  streamingFrom: number | null;
}

/**
 * Region a's old primary after region b was promoted. It must never take a write again: its
 * pg_auto_failover keeper is not started (it would bring it back as the primary it last was), and
 * the data dir only ever runs with standby.signal, that is in recovery, where PostgreSQL refuses
 * every write. First with no upstream: it replays all the WAL it has, the orders region b never
 * got included, and is read for the reconciliation. Then pg_rewind takes it back to where region
 * b's timeline forked from it (the unreplicated commits are undone) and it streams from region b:
 * region a is the standby region now.
 */
export class FencedPrimary {
  private server: PlainPostgres | undefined;
  private upstreamPort: number | undefined;

  constructor(private readonly options: FencedPrimaryOptions) {}

  get pid(): number | undefined {
    return this.server?.pid;
  }

  /** The superuser's URL on the fenced node (reads only: it is in recovery). */
  get url(): string {
    return this.plain({}).url();
  }

  /** Starts it in recovery with no upstream; resolves once it answers read-only queries. */
  async startReadOnly(signal?: AbortSignal): Promise<void> {
    this.upstreamPort = undefined;
    await this.startInRecovery({ primary_conninfo: '' }, signal);
  }

  /** Fast shutdown, pg_rewind from region b's primary, then a standby streaming from it. */
  async followRegionB(regionBPort: number, signal?: AbortSignal): Promise<void> {
    await this.server?.stop();
    const logFile = path.join(this.options.logsDir, `db-region-a-${this.options.node}-rewind.log`);
    const child = spawnPart(
      path.join(this.options.pgBin, 'pg_rewind'),
      [`--target-pgdata=${this.options.pgdata}`, `--source-server=host=127.0.0.1 port=${regionBPort} user=postgres dbname=postgres`, '--progress'],
      { logFile, owner: this.options.owner, cwd: path.dirname(this.options.pgdata), signal },
    );
    await exited(child);
    if (child.exitCode !== 0) throw new Error(`pg_rewind of region a's old primary (node ${this.options.node}) failed: see ${logFile}`);
    this.upstreamPort = regionBPort;
    await this.startInRecovery({ primary_conninfo: `host=127.0.0.1 port=${regionBPort} user=pgautofailover_replicator application_name=region_a_${this.options.node}` }, signal);
    await this.waitStreaming(signal);
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }

  async status(): Promise<FencedPrimaryStatus> {
    const base = { node: this.options.node, port: this.options.port };
    if (!this.server?.running) return { ...base, state: 'down', streamingFrom: null };
    const sender = await this.server
      .query(async (sql) => (await sql<{ port: number | null }[]>`SELECT (SELECT sender_port FROM pg_stat_wal_receiver WHERE status = 'streaming') AS port`)[0]?.port ?? null)
      .catch(() => null);
    return { ...base, state: this.upstreamPort === undefined ? 'read-only' : 'standby', streamingFrom: sender };
  }

  private async startInRecovery(settings: Record<string, string>, signal?: AbortSignal): Promise<void> {
    // pg_rewind copies region b's configuration files over; standby.signal is ours to write each time.
    writeDataDirFile(path.join(this.options.pgdata, 'standby.signal'), '', this.options.owner);
    this.server = this.plain(settings);
    await this.server.start(signal);
  }

  private async waitStreaming(signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + regionSettings.stepTimeoutMs;
    while ((await this.status()).streamingFrom === null) {
      signal?.throwIfAborted();
      if (Date.now() > deadline) throw new Error(`region a's old primary (node ${this.options.node}) did not stream from region b: see ${this.server?.options.logFile}`);
      await new Promise((r) => setTimeout(r, regionSettings.pollMs));
    }
  }

  private plain(settings: Record<string, string>): PlainPostgres {
    const { node, pgdata, port, socketDir, logsDir, pgBin, owner } = this.options;
    return new PlainPostgres({
      name: `region a's old primary (node ${node})`,
      pgdata,
      port,
      socketDir,
      logFile: path.join(logsDir, `db-region-a-${node}-fenced.log`),
      pgBin,
      owner,
      settings: { hot_standby: 'on', primary_slot_name: '', synchronous_standby_names: '', cluster_name: `region_a_${node}`, ...settings },
    });
  }
}
