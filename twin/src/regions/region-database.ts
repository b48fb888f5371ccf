import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ownedDir, type Owner } from '@evermall/testkit';
import { databaseRoles } from '@evermall/shop';
import postgres from 'postgres';
import { exited, spawnPart } from '../processes.js';
import { DB_NAME, PlainPostgres, writeDataDirFile } from './plain-postgres.js';
import { regionSettings } from './region-settings.js';

/** What the status page shows of region b's copy. */
export interface RegionDatabaseStatus {
  port: number;
  /** The superuser's URL on loopback, for drills and tests (as region a's `database.writerUrl`). */
  url: string;
  role: 'standby' | 'primary' | 'down';
  /** The port of the region a node the WAL receiver streams from; null when it does not stream. */
  streamingFrom: number | null;
  /** True while `pauseReplication` holds the WAL receiver off (primary_conninfo empty). */
  replicationPaused: boolean;
  receivedLsn: string | null;
  replayedLsn: string | null;
  /** Commit time of the last transaction replayed (pg_last_xact_replay_timestamp); null before the first one. */
  lastReplayedCommitAt: string | null;
}

/** What a promotion did, for the runbook's record and the drill's RPO. */
export interface DatabasePromotion {
  promotedAt: string;
  /** How long pg_promote took, until the copy took writes. */
  seconds: number;
  /** The last commit region b has: every write region a acknowledged after it is lost. */
  lastReplayedCommitAt: string | null;
  replayedLsn: string | null;
  /** Sequences moved ahead by regionSettings.sequenceGapOnPromotion. */
  sequencesAdvanced: number;
}

export interface RegionDatabaseOptions {
  /** The region's database folder: the data dir, the socket dir. */
  root: string;
  port: number;
  /** Every host of region a, in the order libpq tries them; it keeps the one that takes writes. */
  upstreamPorts: () => number[];
  pgBin: string;
  owner: Owner | undefined;
  logsDir: string;
}

/**
 * Region b's PostgreSQL: a plain standby made with pg_basebackup from region a's primary, not a
 * pg_auto_failover node. It streams asynchronously (region a's synchronous standby names do not
 * list it, so a commit there never waits for it) from whichever host of region a takes writes:
 * its primary_conninfo lists every host with target_session_attrs=read-write, and after a
 * failover in region a the WAL receiver reconnects and follows the new timeline
 * (recovery_target_timeline is 'latest' by default). Region a keeps WAL for it with
 * wal_keep_size (pg_auto_failover's 8 GB): PostgreSQL 15 does not carry a replication slot
 * across a failover.
 */
export class RegionDatabase {
  readonly server: PlainPostgres;
  private statusSql: postgres.Sql | undefined;

  constructor(private readonly options: RegionDatabaseOptions) {
    this.server = new PlainPostgres({
      name: 'region b database',
      pgdata: this.pgdata,
      port: options.port,
      socketDir: path.join(options.root, 'sockets'),
      logFile: path.join(options.logsDir, 'db.log'),
      pgBin: options.pgBin,
      owner: options.owner,
      settings: {
        hot_standby: 'on',
        // Copied from region a's primary, which waits for its own synchronous standby: region b
        // must never wait for one, as a standby or once promoted.
        synchronous_standby_names: '',
        primary_slot_name: '',
        cluster_name: 'region_b',
      },
    });
  }

  get pgdata(): string {
    return path.join(this.options.root, 'data');
  }

  get port(): number {
    return this.options.port;
  }

  /** True once the copy exists (pg_basebackup finished). */
  get created(): boolean {
    return existsSync(path.join(this.pgdata, 'PG_VERSION'));
  }

  /** A standby until promoted: PostgreSQL removes standby.signal when it promotes. */
  get isStandby(): boolean {
    return existsSync(path.join(this.pgdata, 'standby.signal'));
  }

  /** The superuser's URL, for the twin's own work (promotion, reconciliation, the drill). */
  get adminUrl(): string {
    return this.server.url();
  }

  /** The instances' URLs (the app role, its password from the login file), as region a's appUrls. */
  get appUrls(): { writerUrl: string; readerUrl: string } {
    const url = `postgres://${databaseRoles.app}@127.0.0.1:${this.options.port}/${DB_NAME}?sslmode=disable`;
    return { writerUrl: url, readerUrl: url };
  }

  /** Region a's migrator URL (with its password) pointed at this copy, for the shop CLI (export-static). */
  migratorUrl(regionAMigratorUrl: string): string {
    const [base = '', query = ''] = regionAMigratorUrl.split('?', 2);
    const at = base.lastIndexOf('@');
    const slash = base.indexOf('/', at);
    const params = new URLSearchParams(query);
    params.delete('target_session_attrs');
    return `${base.slice(0, at + 1)}127.0.0.1:${this.options.port}${base.slice(slash)}?${params.toString()}`;
  }

  /** What the WAL receiver connects with: every host of region a, the one taking writes kept. */
  primaryConninfo(): string {
    const ports = this.options.upstreamPorts();
    return [
      `host=${ports.map(() => '127.0.0.1').join(',')}`,
      `port=${ports.join(',')}`,
      // pg_auto_failover's replication role, trusted for replication from loopback on every node (pg_hba.conf).
      'user=pgautofailover_replicator',
      'application_name=region_b',
      'target_session_attrs=read-write',
      `connect_timeout=${regionSettings.replicationConnectTimeoutSeconds}`,
    ].join(' ');
  }

  /**
   * Copies region a's primary with pg_basebackup (WAL streamed alongside, so the copy is
   * consistent on its own), into a side folder renamed into place when complete: an interrupted
   * copy is started over, never used.
   */
  async create(primaryPort: number, signal?: AbortSignal): Promise<void> {
    ownedDir(this.options.root, this.options.owner);
    ownedDir(path.join(this.options.root, 'sockets'), this.options.owner);
    const partial = `${this.pgdata}.partial`;
    rmSync(partial, { recursive: true, force: true });
    const logFile = path.join(this.options.logsDir, 'db-basebackup.log');
    mkdirSync(this.options.logsDir, { recursive: true });
    const child = spawnPart(
      path.join(this.options.pgBin, 'pg_basebackup'),
      ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'pgautofailover_replicator', '-D', partial, '-X', 'stream', '--checkpoint=fast'],
      { logFile, owner: this.options.owner, cwd: this.options.root, signal },
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), regionSettings.stepTimeoutMs);
    await exited(child);
    clearTimeout(timer);
    signal?.throwIfAborted();
    if (child.exitCode !== 0) throw new Error(`pg_basebackup from region a's primary (port ${primaryPort}) failed: see ${logFile}`);
    writeDataDirFile(path.join(partial, 'standby.signal'), '', this.options.owner);
    renameSync(partial, this.pgdata);
  }

  /** Starts the copy; a standby gets today's primary_conninfo first (region a's ports may have changed since the copy). */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.isStandby) this.writeAutoConf(this.primaryConninfo());
    await this.server.start(signal);
  }

  async stop(): Promise<void> {
    await this.closeStatusConnection();
    await this.server.stop();
  }

  /** Resolves once the WAL receiver streams from region a. */
  async streaming(signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + regionSettings.stepTimeoutMs;
    for (;;) {
      signal?.throwIfAborted();
      const status = await this.status();
      if (status.streamingFrom !== null) return;
      if (Date.now() > deadline)
        throw new Error(`region b's database did not stream from region a within ${regionSettings.stepTimeoutMs / 1000} s: see ${this.server.options.logFile}`);
      await new Promise((r) => setTimeout(r, regionSettings.pollMs));
    }
  }

  async status(): Promise<RegionDatabaseStatus> {
    const down: RegionDatabaseStatus = {
      port: this.options.port,
      url: this.adminUrl,
      role: 'down',
      streamingFrom: null,
      replicationPaused: false,
      receivedLsn: null,
      replayedLsn: null,
      lastReplayedCommitAt: null,
    };
    if (!this.server.running) return down;
    type Row = {
      recovery: boolean;
      received: string | null;
      replayed: string | null;
      replayed_at: Date | null;
      receiver: string | null;
      sender_port: number | null;
      conninfo: string;
    };
    this.statusSql ??= postgres(this.adminUrl, { max: 1, connect_timeout: 2, idle_timeout: 30, onnotice: () => undefined });
    try {
      const [row] = await this.statusSql<Row[]>`
        SELECT pg_is_in_recovery() AS recovery, pg_last_wal_receive_lsn()::text AS received, pg_last_wal_replay_lsn()::text AS replayed,
               pg_last_xact_replay_timestamp() AS replayed_at, current_setting('primary_conninfo') AS conninfo,
               (SELECT status FROM pg_stat_wal_receiver) AS receiver, (SELECT sender_port FROM pg_stat_wal_receiver) AS sender_port`;
      if (!row) return down;
      return {
        port: this.options.port,
        url: this.adminUrl,
        role: row.recovery ? 'standby' : 'primary',
        streamingFrom: row.receiver === 'streaming' ? row.sender_port : null,
        replicationPaused: row.recovery && row.conninfo === '',
        receivedLsn: row.received,
        replayedLsn: row.replayed,
        lastReplayedCommitAt: row.replayed_at?.toISOString() ?? null,
      };
    } catch {
      return down;
    }
  }

  /**
   * Holds replication off: an empty primary_conninfo stops the WAL receiver (PostgreSQL 13+ reloads
   * it). Pausing replay instead (pg_wal_replay_pause) would not do: WAL already received is
   * replayed at promotion. For tests and drills that need a write region b never got.
   */
  async pauseReplication(): Promise<void> {
    await this.server.query(async (sql) => {
      await sql`ALTER SYSTEM SET primary_conninfo = ''`;
      await sql`SELECT pg_reload_conf()`;
    });
    await this.waitFor('the WAL receiver to stop', (s) => s.streamingFrom === null);
  }

  async resumeReplication(): Promise<void> {
    const conninfo = this.primaryConninfo();
    await this.server.query(async (sql) => {
      // ALTER SYSTEM takes no parameters; the conninfo is ours and has no quotes.
      await sql.unsafe(`ALTER SYSTEM SET primary_conninfo = '${conninfo}'`);
      await sql`SELECT pg_reload_conf()`;
    });
  }

  /**
   * Promotes the copy (pg_promote, waiting until it takes writes), forgets region a
   * (primary_conninfo reset), and moves every sequence ahead (regionSettings.sequenceGapOnPromotion).
   */
  async promote(): Promise<DatabasePromotion> {
    const started = Date.now();
    const promoted = await this.server.query(async (sql) => {
      const [row] = await sql<{ done: boolean }[]>`SELECT pg_promote(true, ${regionSettings.promoteTimeoutSeconds}) AS done`;
      return row?.done ?? false;
    });
    if (!promoted) throw new Error(`region b's database did not finish its promotion within ${regionSettings.promoteTimeoutSeconds} s`);
    const seconds = (Date.now() - started) / 1000;
    return this.server.query(async (sql) => {
      await sql`ALTER SYSTEM RESET primary_conninfo`;
      await sql`SELECT pg_reload_conf()`;
      // Static once recovery has ended: the last commit replayed before the promotion.
      const [replay] = await sql<{ at: Date | null; lsn: string | null }[]>`SELECT pg_last_xact_replay_timestamp() AS at, pg_last_wal_replay_lsn()::text AS lsn`;
      const sequences = await sql<{ name: string; last: string | null }[]>`
        SELECT format('%I.%I', schemaname, sequencename) AS name, last_value::text AS last FROM pg_sequences
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`;
      for (const { name, last } of sequences) {
        await sql`SELECT setval(${name}::regclass, ${(BigInt(last ?? '0') + BigInt(regionSettings.sequenceGapOnPromotion)).toString()}::bigint)`;
      }
      return {
        promotedAt: new Date().toISOString(),
        seconds,
        lastReplayedCommitAt: replay?.at?.toISOString() ?? null,
        replayedLsn: replay?.lsn ?? null,
        sequencesAdvanced: sequences.length,
      };
    });
  }

  /**
   * A checkpoint, so pg_control names the timeline a promotion started: pg_rewind reads it there,
   * and until the promotion's checkpoint has run it still shows the old one ("no rewind required")
   * (PostgreSQL docs, "pg_rewind", notes on a recently promoted source).
   */
  async checkpoint(): Promise<void> {
    await this.server.query((sql) => sql`CHECKPOINT`);
  }

  private async waitFor(what: string, test: (s: RegionDatabaseStatus) => boolean): Promise<void> {
    const deadline = Date.now() + regionSettings.stepTimeoutMs;
    while (!test(await this.status())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} on region b's database`);
      await new Promise((r) => setTimeout(r, regionSettings.pollMs));
    }
  }

  /** postgresql.auto.conf, which ALTER SYSTEM rewrites: the copy of region a's (its synchronous standby names) is replaced whole. */
  private writeAutoConf(primaryConninfo: string): void {
    const file = path.join(this.pgdata, 'postgresql.auto.conf');
    const header = '# Do not edit this file manually!\n# It will be overwritten by the ALTER SYSTEM command.\n';
    const text = `${header}primary_conninfo = '${primaryConninfo}'\n`;
    if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
    writeDataDirFile(file, text, this.options.owner);
  }

  private async closeStatusConnection(): Promise<void> {
    await this.statusSql?.end({ timeout: 1 }).catch(() => undefined);
    this.statusSql = undefined;
  }
}
