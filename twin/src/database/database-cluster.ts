import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ownedDir, postgresOwner, type Owner } from '@evermall/testkit';
import type { Zone } from '@evermall/topology';
import type { Logger } from 'pino';
import postgres from 'postgres';
import type { TwinPaths } from '../config/paths.js';
import type { EventLog } from '../events.js';
import { twinEnvironment } from '../config/environment.js';
import { databaseSettings } from '../config/twin-settings.js';
import { childPids, exited, signalGroup, signalPid, spawnPart, stopGroup, waitFor } from '../processes.js';
import { postmasterPid } from './postgres-processes.js';
import { monitorSettings, nodeSettings } from './failover-settings.js';
import { consumerRole, databaseRoles, type DatabaseCredentials } from '@evermall/shop';
import type { DatabaseLogins, Rotation } from './database-logins.js';

export type DbNodeName = 'a' | 'b' | 'replica';

/** A data node of the RDS stand-in: the primary and synchronous standby, and the read replica. */
export interface DbNodeSpec {
  name: DbNodeName;
  zone: Zone;
  port: number;
  /** 0 = never promoted (pg_auto_failover "candidate priority"). */
  candidatePriority: number;
  /** false = not part of the synchronous write quorum. */
  replicationQuorum: boolean;
}

export interface DbNodeStatus {
  name: DbNodeName;
  zone: Zone;
  port: number;
  role: 'primary' | 'standby' | 'replica' | 'down';
  /** pg_auto_failover's reported state, with the assigned one after an arrow while they differ. */
  state: string;
  /** What replication the node reports (sync, async, quorum) and its last reported WAL position. */
  replication: string;
  lsn: string;
  running: boolean;
}

export interface DatabaseClusterOptions {
  paths: TwinPaths;
  ports: { monitor: number; a: number; b: number; replica: number };
  events: EventLog;
  logger: Logger;
  /** The shop's logins (app, migrator): created once the primary takes writes, rotated on command. */
  logins: DatabaseLogins;
  pgBin?: string;
  autoctl?: string;
}

const DB_NAME = 'evermall';
/** Create and promotion on a busy 2-core machine take seconds; this bounds a stuck step. */
const STEP_TIMEOUT_MS = 120_000;
/** pg_autoctl stops Postgres with a fast shutdown; past this we SIGKILL the group. */
const STOP_BOUND_MS = 15_000;
const PRIMARY_STATES = new Set(['single', 'primary', 'wait_primary', 'join_primary', 'apply_settings']);
/**
 * The shop's roles log in with a password, as on RDS: first in pg_hba.conf, so pg_autoctl's
 * `--auth trust` lines (its own roles, the superuser the twin administers with) never match them.
 * `+role` matches the role and its members: the alternating user `evermall_app_clone` too. The
 * event consumers' login (the Lambda functions' on AWS) is one of them.
 */
const PASSWORD_HBA_LINE = `host all +${databaseRoles.app},${databaseRoles.migrator},${consumerRole} 127.0.0.1/32 scram-sha-256`;

/**
 * The RDS Multi-AZ stand-in: a pg_auto_failover monitor (RDS's control plane, in no zone), a
 * primary in zone a, a synchronous standby in zone b and an async read replica that is never
 * promoted. Every process runs as `postgres` when we are root, with its own XDG_* dirs and
 * socket directory under the state dir (pg_autoctl otherwise wants /var/run/postgresql).
 */
export class DatabaseCluster {
  private monitor: ChildProcess | undefined;
  private readonly nodeProcesses = new Map<DbNodeName, ChildProcess>();
  /** Nodes a fault took down; they stay down until restore. */
  private readonly failed = new Set<DbNodeName>();
  /** Nodes frozen by `hang`: running, answering nothing, until `restore` thaws them. */
  /** Frozen nodes, with the Postgres children frozen one by one (they are outside the keeper's process group). */
  private readonly hung = new Map<DbNodeName, number[]>();
  private readonly owner: Owner | undefined = postgresOwner();
  private readonly pgBin: string;
  private readonly autoctl: string;
  private monitorSql: postgres.Sql | undefined;
  /** Aborted by stop(): waits give up, one-shot pg_autoctl commands die, nothing new starts. */
  private readonly stopping = new AbortController();
  /** pg_autoctl commands that run to their end (create, drop), so stop() can end them. */
  private readonly oneShots = new Set<ChildProcess>();
  private rebuilding = false;

  constructor(private readonly options: DatabaseClusterOptions) {
    this.pgBin = options.pgBin ?? twinEnvironment().pgBin;
    this.autoctl = options.autoctl ?? twinEnvironment().pgAutoctl;
  }

  get specs(): DbNodeSpec[] {
    const p = this.options.ports;
    return [
      { name: 'a', zone: 'a', port: p.a, candidatePriority: 50, replicationQuorum: true },
      { name: 'b', zone: 'b', port: p.b, candidatePriority: 50, replicationQuorum: true },
      // The read replica sits in the standby's zone; it serves catalog reads and never takes writes.
      { name: 'replica', zone: 'b', port: p.replica, candidatePriority: 0, replicationQuorum: false },
    ];
  }

  /** Both failover candidates: the shop connects to whichever is primary (target_session_attrs=primary). */
  get writerUrl(): string {
    const p = this.options.ports;
    return `postgres://postgres@127.0.0.1:${p.a},127.0.0.1:${p.b}/${DB_NAME}?target_session_attrs=primary`;
  }

  /** The replica first; postgres.js moves on to the next host when it is down. */
  get readerUrl(): string {
    const p = this.options.ports;
    return `postgres://postgres@127.0.0.1:${p.replica},127.0.0.1:${p.b},127.0.0.1:${p.a}/${DB_NAME}`;
  }

  /**
   * The URLs the instances get: without a password, which they read from the app login's file
   * for every new connection. Loopback without TLS, so sslmode=disable (shop/src/db/tls.ts).
   */
  get appUrls(): { writerUrl: string; readerUrl: string } {
    const asApp = (url: string) => `${url.replace('postgres://postgres@', `postgres://${databaseRoles.app}@`)}${url.includes('?') ? '&' : '?'}sslmode=disable`;
    return { writerUrl: asApp(this.writerUrl), readerUrl: asApp(this.readerUrl) };
  }

  /** The writer as the event consumers' login, without its password (they read it from their secret, `logins.secretFile('consumer')`). */
  get consumerUrl(): string {
    return `${this.writerUrl.replace('postgres://postgres@', `postgres://${consumerRole}@`)}&sslmode=disable`;
  }

  /** What the shop CLI migrates and seeds with: the migration role, its password in the URL (the CLI is no instance). */
  migratorUrl(): string {
    const { username, password } = this.options.logins.current('migrator');
    return `${this.writerUrl.replace('postgres://postgres@', `postgres://${username}:${encodeURIComponent(password)}@`)}&sslmode=disable`;
  }

  get monitorUrl(): string {
    return `postgres://autoctl_node@127.0.0.1:${this.options.ports.monitor}/pg_auto_failover?sslmode=disable`;
  }

  /**
   * A zone's database processes, each node's pg_autoctl and its postmaster (with all they fork, the
   * walreceiver included), and the ports its nodes listen on: the zone's side of a partition.
   */
  zoneMembers(zone: Zone): { pids: number[]; ports: number[] } {
    const specs = this.specs.filter((s) => s.zone === zone);
    return {
      pids: specs.flatMap((s) => [this.nodeProcesses.get(s.name)?.pid, postmasterPid(this.options.paths.db.pgdata(s.name))]).filter((p): p is number => !!p),
      ports: specs.map((s) => s.port),
    };
  }

  pids(): number[] {
    return [this.monitor, ...this.nodeProcesses.values(), ...this.oneShots].flatMap((c) => (c?.pid && c.exitCode === null ? [c.pid] : []));
  }

  /** Starts the monitor and the first data node: enough to take writes (migrate, seed). */
  async start(progress: (message: string) => void): Promise<void> {
    const { paths } = this.options;
    for (const dir of [paths.db.root, paths.db.sockets, paths.db.xdgConfig, paths.db.xdgData, paths.db.xdgRuntime]) ownedDir(dir, this.owner);
    ownedDir(path.dirname(paths.db.xdgConfig), this.owner);

    await this.stopStrayPostmasters();
    const monitorData = paths.db.pgdata('monitor');
    if (!this.created('monitor')) {
      // A create that was interrupted left a half-made monitor; no node exists without one.
      for (const name of ['monitor', ...this.specs.map((s) => s.name)]) this.removeNodeFiles(name);
      progress('creating the pg_auto_failover monitor');
      await this.runToEnd('create-monitor', [
        'create',
        'monitor',
        '--pgdata',
        monitorData,
        '--pgport',
        String(this.options.ports.monitor),
        '--hostname',
        '127.0.0.1',
        '--auth',
        'trust',
        '--no-ssl',
        '--pgctl',
        path.join(this.pgBin, 'pg_ctl'),
      ]);
      this.markCreated('monitor');
    }
    // `create monitor` has no --listen and defaults to every interface; the twin stays on loopback.
    spawnSyncAutoctl(this.autoctl, ['config', 'set', '--pgdata', monitorData, 'postgresql.listen_addresses', '127.0.0.1'], this.env(), this.owner);
    this.monitor = this.runService('monitor', monitorData);
    await waitFor('the monitor to accept connections', () => this.queryMonitor((sql) => sql`SELECT 1 AS ok`).then(() => true), STEP_TIMEOUT_MS, 200, this.stopping.signal);
    await this.tuneMonitor();
    progress('monitor up, failover timings applied');

    const [primarySpec] = this.specs;
    if (!primarySpec) throw new Error('no database nodes');
    if (this.specs.every((spec) => this.created(spec.name))) {
      // A restart: whichever node was primary must come back, so start them all at once.
      for (const spec of this.specs) this.startNode(spec);
    } else {
      if (!this.created(primarySpec.name)) {
        progress(`creating the primary (zone ${primarySpec.zone})`);
        await this.createNode(primarySpec);
      }
      this.startNode(primarySpec);
    }
    await waitFor('the primary to take writes', () => this.writerAnswers(), STEP_TIMEOUT_MS, 250, this.stopping.signal);
    await this.requirePasswords();
    const created = await this.options.logins.provision(this.writerUrl);
    progress(`monitor and writer up; the shop's roles ${created.length ? `created (${created.join(', ')})` : 'in place'}, logging in with passwords`);
  }

  /** True when the writer URL reaches a primary that is out of recovery (what the shop needs). */
  async writerAnswers(): Promise<true | undefined> {
    const sql = postgres(this.writerUrl, { max: 1, connect_timeout: 2, onnotice: () => undefined });
    try {
      const [row] = await sql<{ recovery: boolean }[]>`SELECT pg_is_in_recovery() AS recovery`;
      return row && !row.recovery ? true : undefined;
    } catch {
      return undefined;
    } finally {
      await sql.end({ timeout: 1 });
    }
  }

  /** Creates (first time) and starts the synchronous standby and the read replica; resolves once both replicate. */
  async startStandbys(progress: (message: string) => void): Promise<void> {
    const [primarySpec, ...others] = this.specs;
    await Promise.all(
      others.map(async (spec) => {
        if (!this.created(spec.name)) {
          progress(`creating ${spec.name === 'replica' ? 'the read replica' : `the standby (zone ${spec.zone})`}`);
          await this.createNode(spec);
        }
        if (!this.isRunning(spec.name)) this.startNode(spec);
      }),
    );
    await this.settledRebuildingAStuckReplica();
    await this.requirePasswords();
    progress(`primary (zone ${primarySpec?.zone}), synchronous standby and read replica replicating`);
  }

  /**
   * Waits for the nodes to settle. A start cut short by a stop signal can leave the read replica
   * waiting for WAL the primary no longer sends; once the primary and standby have settled, a
   * replica that stays unsettled for databaseSettings.replicaStuckSeconds is rebuilt, as the
   * database watcher does while the twin runs.
   */
  private async settledRebuildingAStuckReplica(): Promise<void> {
    try {
      await this.settled(databaseSettings.replicaStuckSeconds * 1000);
      return;
    } catch (err) {
      if (this.stopping.signal.aborted) throw err;
    }
    const nodes = await this.nodes();
    const replicaOnly = nodes.filter((n) => n.role !== 'replica' && n.role !== 'down').every((n) => n.state === 'primary' || n.state === 'secondary');
    if (replicaOnly && nodes.some((n) => n.role === 'primary')) {
      await this.rebuildReplica(`the read replica did not settle within ${databaseSettings.replicaStuckSeconds}s of start-up`);
    }
    await this.settled();
  }

  /** Waits until every running data node has reached a stable state (primary/secondary). */
  async settled(timeoutMs = STEP_TIMEOUT_MS): Promise<DbNodeStatus[]> {
    return waitFor(
      'the database nodes to settle',
      async () => {
        const nodes = await this.nodes();
        const up = nodes.filter((n) => n.running);
        const stable = up.every((n) => n.state === 'primary' || n.state === 'secondary');
        return stable && up.some((n) => n.state === 'primary') ? nodes : undefined;
      },
      timeoutMs,
      250,
      this.stopping.signal,
    );
  }

  async nodes(): Promise<DbNodeStatus[]> {
    type Row = { nodename: string; reportedstate: string; goalstate: string; reportedrepstate: string; replicationquorum: boolean; lsn: string };
    let rows: Row[] = [];
    try {
      // A killed monitor (fail-region) is not asked: postgres.js would back off between reconnects for up to 20 s.
      if (this.monitor && (this.monitor.exitCode !== null || this.monitor.signalCode !== null)) throw new Error('the monitor is down');
      rows = await this.queryMonitor(
        (sql) =>
          sql<Row[]>`SELECT nodename, reportedstate::text, goalstate::text, reportedrepstate, replicationquorum, reportedlsn::text AS lsn FROM pgautofailover.node ORDER BY nodeid`,
      );
    } catch {
      rows = [];
    }
    return this.specs.map((spec) => {
      const row = rows.find((r) => r.nodename === spec.name);
      const running = this.isRunning(spec.name);
      const reported = row?.reportedstate ?? 'unknown';
      const state = row && row.goalstate !== row.reportedstate ? `${reported} → ${row.goalstate}` : reported;
      // A frozen node's last report is stale (a hung primary still reads "primary"): it serves no role.
      const role: DbNodeStatus['role'] =
        !running || this.hung.has(spec.name) ? 'down' : PRIMARY_STATES.has(reported) ? 'primary' : spec.candidatePriority === 0 ? 'replica' : 'standby';
      const replication = !row
        ? 'unknown'
        : role === 'primary'
          ? row.reportedrepstate === 'quorum' || row.reportedrepstate === 'sync'
            ? 'waits for a synchronous standby'
            : 'no synchronous standby'
          : row.replicationquorum
            ? 'synchronous'
            : 'asynchronous';
      return {
        name: spec.name,
        zone: spec.zone,
        port: spec.port,
        role,
        state: this.hung.has(spec.name) ? `hung (SIGSTOP); last reported ${state}` : state,
        replication,
        lsn: row?.lsn ?? '',
        running,
      };
    });
  }

  /**
   * When `name` took writes as the new primary, from the monitor's event log (pgautofailover.event,
   * what `pg_autoctl show events` prints): its first report of wait_primary or primary since
   * `since`. A promoted standby passes through stop_replication first, where pg_auto_failover has
   * promoted it but keeps it read-only (default_transaction_read_only) until the old primary is
   * taken for demoted; `readOnlyAt` is that report. Undefined fields: not in the log (yet).
   */
  async promotion(name: DbNodeName, since: Date): Promise<{ readOnlyAt?: Date; writableAt?: Date }> {
    const rows = await this.queryMonitor(
      (sql) => sql<{ eventtime: Date; reportedstate: string }[]>`
        SELECT eventtime, reportedstate::text FROM pgautofailover.event
        WHERE nodename = ${name} AND eventtime >= ${since} ORDER BY eventid`,
    );
    const readOnly = rows.find((r) => r.reportedstate === 'stop_replication');
    const writable = rows.find((r) => r.reportedstate === 'wait_primary' || r.reportedstate === 'primary');
    return { ...(readOnly ? { readOnlyAt: readOnly.eventtime } : {}), ...(writable ? { writableAt: writable.eventtime } : {}) };
  }

  async primary(): Promise<DbNodeStatus | undefined> {
    return (await this.nodes()).find((n) => n.role === 'primary');
  }

  isRunning(name: DbNodeName): boolean {
    const child = this.nodeProcesses.get(name);
    return !!child && child.exitCode === null && child.signalCode === null;
  }

  /** SIGKILLs the node's pg_autoctl and Postgres (one process group), as a crashed host would. */
  async kill(name: DbNodeName, reason: string): Promise<void> {
    this.failed.add(name);
    const child = this.nodeProcesses.get(name);
    if (!child) return;
    // Postgres's children lead groups of their own (see hang): found before their postmaster dies
    // (they are reparented then), and killed with it, as a host's crash takes every process at once.
    const postmaster = postmasterPid(this.options.paths.db.pgdata(name));
    const children = postmaster ? childPids(postmaster) : [];
    signalGroup(child.pid, 'SIGKILL');
    for (const pid of children) signalPid(pid, 'SIGKILL');
    await exited(child);
    this.options.events.emit('db-node-killed', `${reason}: node ${name} (pg_autoctl and Postgres) got SIGKILL`, { node: name });
  }

  /**
   * Freezes the node's pg_autoctl and Postgres (SIGSTOP to the keeper's group and to each of
   * Postgres's processes), as a host that hangs rather than crashes: its connections stay open,
   * nothing answers, and only timeouts tell the monitor and the shop. `restore` thaws it; its
   * keeper then learns from the monitor that it was demoted, while a write that reaches it
   * meanwhile waits for a synchronous standby it no longer has.
   */
  hang(name: DbNodeName, reason: string): void {
    const child = this.nodeProcesses.get(name);
    if (!child || !this.isRunning(name)) return;
    // The keeper's group holds pg_autoctl and the postmaster, frozen first so it forks nothing new.
    signalGroup(child.pid, 'SIGSTOP');
    // Every backend, walsender and background process calls setsid(): each is frozen by itself,
    // or the open connections would go on answering (and committing) on a "hung" primary.
    const postmaster = postmasterPid(this.options.paths.db.pgdata(name));
    const children = postmaster ? childPids(postmaster) : [];
    for (const pid of children) signalPid(pid, 'SIGSTOP');
    this.hung.set(name, children);
    this.options.events.emit('db-node-hung', `${reason}: node ${name} (pg_autoctl and Postgres) frozen with SIGSTOP; its connections stay open`, { node: name });
  }

  private thaw(): DbNodeName[] {
    const thawed = [...this.hung.keys()];
    for (const [name, children] of this.hung) {
      for (const pid of children) signalPid(pid, 'SIGCONT');
      signalGroup(this.nodeProcesses.get(name)?.pid, 'SIGCONT');
      this.options.events.emit('db-node-thawed', `node ${name} runs again; the monitor tells its keeper what it is now`, { node: name });
    }
    this.hung.clear();
    return thawed;
  }

  /** SIGKILLs the monitor (pg_autoctl and its Postgres, one process group), as a lost region takes RDS's control plane with it; restore starts it again. */
  async killMonitor(reason: string): Promise<void> {
    const child = this.monitor;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    signalGroup(child.pid, 'SIGKILL');
    await exited(child);
    await this.monitorSql?.end({ timeout: 1 }).catch(() => undefined);
    this.monitorSql = undefined;
    this.options.events.emit('db-monitor-killed', `${reason}: the pg_auto_failover monitor got SIGKILL`);
  }

  /** Starts nodes a fault took down and thaws frozen ones; pg_autoctl rejoins them as standbys (pg_rewind if needed). */
  async restore(): Promise<DbNodeName[]> {
    if (this.monitor && (this.monitor.exitCode !== null || this.monitor.signalCode !== null)) {
      // The keepers ask the monitor what they are: it comes back first.
      this.monitor = this.runService('monitor', this.options.paths.db.pgdata('monitor'));
      await waitFor('the monitor to accept connections', () => this.queryMonitor((sql) => sql`SELECT 1 AS ok`).then(() => true), STEP_TIMEOUT_MS, 200, this.stopping.signal);
      this.options.events.emit('db-monitor-started', 'the pg_auto_failover monitor runs again');
    }
    const thawed = this.thaw();
    const back = [...this.failed];
    this.failed.clear();
    for (const name of back) {
      const spec = this.specs.find((s) => s.name === name);
      if (spec && !this.isRunning(name)) {
        this.startNode(spec);
        this.options.events.emit('db-node-started', `node ${name} restarted; pg_auto_failover rejoins it as a standby`, { node: name });
      }
    }
    return [...thawed, ...back];
  }

  /**
   * Rebuilds a read replica that cannot follow the primary (see databaseSettings): stops its
   * keeper, drops it from the formation with its data, then creates it again from the primary.
   */
  async rebuildReplica(reason: string): Promise<void> {
    const spec = this.specs.find((s) => s.candidatePriority === 0);
    if (!spec || this.rebuilding) return;
    this.rebuilding = true;
    try {
      this.options.events.emit('db-replica-rebuild', `${reason}: rebuilding the read replica from the primary`, { node: spec.name });
      this.failed.add(spec.name);
      const child = this.nodeProcesses.get(spec.name);
      if (child) await stopGroup(child, STOP_BOUND_MS);
      const pgdata = this.options.paths.db.pgdata(spec.name);
      await this.runToEnd(`drop-${spec.name}`, ['drop', 'node', '--destroy', '--pgdata', pgdata]).catch(() => undefined);
      rmSync(pgdata, { recursive: true, force: true });
      rmSync(path.join(this.options.paths.db.root, `${spec.name}.created`), { force: true });
      await this.createNode(spec);
      this.failed.delete(spec.name);
      this.startNode(spec);
      this.options.events.emit('db-replica-rebuilt', 'read replica re-created and streaming from the primary', { node: spec.name });
    } finally {
      this.rebuilding = false;
    }
  }

  /** Stops the replica, then the standby, then the primary, then the monitor; whatever of them has started. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('the database is stopping'));
    // A frozen node would sit out its stop bound before SIGKILL: thaw it so it stops in order.
    this.thaw();
    await Promise.all([...this.oneShots].map((child) => exited(child)));
    const primary = (await this.primary().catch(() => undefined))?.name;
    const order = this.specs.map((s) => s.name).sort((x, y) => Number(x === primary) - Number(y === primary));
    for (const name of order) {
      const child = this.nodeProcesses.get(name);
      if (child) await stopGroup(child, STOP_BOUND_MS);
    }
    await this.monitorSql?.end({ timeout: 1 }).catch(() => undefined);
    this.monitorSql = undefined;
    if (this.monitor) await stopGroup(this.monitor, STOP_BOUND_MS);
    await this.stopStrayPostmasters();
  }

  /**
   * Stops a postmaster still running on one of the cluster's data dirs. `pg_autoctl create`
   * starts Postgres through pg_ctl, which puts it in a session of its own (pg_ctl.c,
   * start_postmaster: setsid), so ending an interrupted create's process group leaves it running.
   */
  private async stopStrayPostmasters(): Promise<void> {
    for (const name of ['monitor', ...this.specs.map((s) => s.name)]) {
      const pgdata = this.options.paths.db.pgdata(name);
      const pid = postmasterPid(pgdata);
      if (!pid) continue;
      // SIGQUIT = immediate shutdown (PostgreSQL docs, "Shutting Down the Server").
      signalGroup(pid, 'SIGQUIT');
      await waitFor(`the postmaster of ${name} to exit`, () => (postmasterPid(pgdata) === pid ? undefined : true), STOP_BOUND_MS, 100).catch(() => signalGroup(pid, 'SIGKILL'));
    }
  }

  /** Deletes a node's data dir, its pg_autoctl config and state, and its created mark. */
  private removeNodeFiles(name: string): void {
    const { db } = this.options.paths;
    const pgdata = db.pgdata(name);
    // pg_autoctl keeps its config and state under XDG_CONFIG_HOME / XDG_DATA_HOME, by data dir path.
    for (const dir of [pgdata, path.join(db.xdgConfig, 'pg_autoctl', pgdata), path.join(db.xdgData, 'pg_autoctl', pgdata)]) rmSync(dir, { recursive: true, force: true });
    rmSync(path.join(db.root, `${name}.created`), { force: true });
  }

  private async createNode(spec: DbNodeSpec): Promise<void> {
    const args = [
      'create',
      'postgres',
      '--pgdata',
      this.options.paths.db.pgdata(spec.name),
      '--pgport',
      String(spec.port),
      '--listen',
      '127.0.0.1',
      '--hostname',
      '127.0.0.1',
      '--name',
      spec.name,
      '--auth',
      'trust',
      '--no-ssl',
      '--monitor',
      this.monitorUrl,
      '--pgctl',
      path.join(this.pgBin, 'pg_ctl'),
      '--dbname',
      DB_NAME,
      '--candidate-priority',
      String(spec.candidatePriority),
      '--replication-quorum',
      String(spec.replicationQuorum),
    ];
    try {
      await this.runToEnd(`create-${spec.name}`, args);
    } catch (err) {
      // pg_autoctl resumes an interrupted create; when it cannot, the node starts over.
      if (this.stopping.signal.aborted || !existsSync(this.options.paths.db.pgdata(spec.name))) throw err;
      await this.queryMonitor((sql) => sql`SELECT pgautofailover.remove_node(nodeid, true) FROM pgautofailover.node WHERE nodename = ${spec.name}`).catch(() => undefined);
      this.removeNodeFiles(spec.name);
      await this.runToEnd(`create-${spec.name}`, args);
    }
    this.markCreated(spec.name);
  }

  /**
   * Rotates the app's password by alternating users (DatabaseLogins.rotateApp) on the primary,
   * and flips the secret only once every running node can log the new user in: the read
   * replica replays the role change asynchronously.
   */
  async rotateAppPassword(): Promise<Rotation> {
    const rotation = await this.options.logins.rotateApp(this.writerUrl, (login) => this.replayed(login));
    this.options.events.emit('db-password-rotated', `app login rotated: ${rotation.previous} → ${rotation.current}; ${rotation.previous} keeps working until the next rotation`, {
      ...rotation,
    });
    return rotation;
  }

  /** Resolves once `login` can log in on every running data node. */
  private async replayed(login: DatabaseCredentials): Promise<void> {
    const running = this.specs.filter((s) => this.isRunning(s.name));
    await waitFor(
      `every database node to replay the new login ${login.username}`,
      async () => {
        for (const spec of running) {
          const sql = postgres(`postgres://127.0.0.1:${spec.port}/${DB_NAME}?sslmode=disable`, {
            user: login.username,
            pass: login.password,
            max: 1,
            connect_timeout: 2,
            onnotice: () => undefined,
          });
          try {
            await sql`SELECT 1`;
          } catch {
            return undefined;
          } finally {
            await sql.end({ timeout: 1 });
          }
        }
        return true;
      },
      STEP_TIMEOUT_MS,
      100,
      this.stopping.signal,
    );
  }

  /** Puts PASSWORD_HBA_LINE first in a node's pg_hba.conf; true when it changed the file. */
  private requirePasswordsIn(name: string): boolean {
    const file = path.join(this.options.paths.db.pgdata(name), 'pg_hba.conf');
    if (!existsSync(file)) return false;
    const text = readFileSync(file, 'utf8');
    if (text.startsWith(`${PASSWORD_HBA_LINE}\n`)) return false;
    // Overwriting keeps the file's owner (postgres when the twin is root).
    writeFileSync(file, `${PASSWORD_HBA_LINE}\n${text}`);
    return true;
  }

  /** Every running node requires passwords of the shop's roles; a standby copied the primary's file, an older state dir gets it now. */
  private async requirePasswords(): Promise<void> {
    for (const spec of this.specs) {
      this.requirePasswordsIn(spec.name);
      if (!this.isRunning(spec.name)) continue;
      // pg_autoctl create may have started Postgres before the line was there. A node still
      // starting (a restart starts them all at once) reads the file when it comes up: no reload needed.
      const sql = postgres(`postgres://postgres@127.0.0.1:${spec.port}/postgres`, { max: 1, connect_timeout: 2, onnotice: () => undefined });
      await sql`SELECT pg_reload_conf()`.catch(() => undefined).finally(() => sql.end({ timeout: 1 }));
    }
  }

  private startNode(spec: DbNodeSpec): void {
    const pgdata = this.options.paths.db.pgdata(spec.name);
    this.requirePasswordsIn(spec.name);
    for (const [key, value] of Object.entries(nodeSettings())) {
      // Applied before each start so a state dir from an older topology gets today's values.
      spawnSyncAutoctl(this.autoctl, ['config', 'set', '--pgdata', pgdata, key, value], this.env(), this.owner);
    }
    const child = this.runService(spec.name, pgdata);
    this.nodeProcesses.set(spec.name, child);
    child.once('exit', (code, signal) => {
      if (this.stopping.signal.aborted || this.failed.has(spec.name)) return;
      this.options.events.emit('db-node-exited', `pg_autoctl for node ${spec.name} exited (${signal ?? code}); run restore to start it again`, { node: spec.name });
      this.failed.add(spec.name);
    });
  }

  private async tuneMonitor(): Promise<void> {
    const settings = monitorSettings();
    const sql = postgres(`postgres://postgres@127.0.0.1:${this.options.ports.monitor}/pg_auto_failover`, { max: 1, onnotice: () => undefined });
    try {
      for (const [key, value] of Object.entries(settings)) await sql.unsafe(`ALTER SYSTEM SET ${key} = '${value}'`);
      await sql`SELECT pg_reload_conf()`;
    } finally {
      await sql.end({ timeout: 1 });
    }
  }

  /** An immediate CHECKPOINT on `name` (it ends a spread checkpoint under way). */
  async checkpoint(name: DbNodeName): Promise<void> {
    const spec = this.specs.find((s) => s.name === name);
    if (!spec) throw new Error(`no database node ${name}`);
    const sql = postgres(`postgres://postgres@127.0.0.1:${spec.port}/postgres`, { max: 1, connect_timeout: 2, onnotice: () => undefined });
    try {
      await sql`CHECKPOINT`;
    } finally {
      await sql.end({ timeout: 1 });
    }
  }

  /** The monitor's own settings as it reports them (for the parity test and the status page). */
  async monitorSettingsInEffect(): Promise<Record<string, string>> {
    const names = Object.keys(monitorSettings());
    const rows = await this.queryMonitor(
      (sql) => sql<{ name: string; setting: string; unit: string | null }[]>`SELECT name, setting, unit FROM pg_settings WHERE name IN ${sql(names)}`,
    );
    return Object.fromEntries(rows.map((r) => [r.name, `${r.setting}${r.unit ?? ''}`]));
  }

  /** A node's setting as `pg_autoctl config get` reports it. */
  nodeSetting(name: DbNodeName, key: string): string {
    return spawnSyncAutoctl(this.autoctl, ['config', 'get', '--pgdata', this.options.paths.db.pgdata(name), key], this.env(), this.owner).trim();
  }

  private async queryMonitor<T>(query: (sql: postgres.Sql) => Promise<T>): Promise<T> {
    this.monitorSql ??= postgres(`postgres://postgres@127.0.0.1:${this.options.ports.monitor}/pg_auto_failover`, {
      max: 1,
      connect_timeout: 2,
      idle_timeout: 30,
      onnotice: () => undefined,
    });
    return query(this.monitorSql);
  }

  private env(): NodeJS.ProcessEnv {
    const { db } = this.options.paths;
    return {
      PATH: `${this.pgBin}:${twinEnvironment().path}`,
      HOME: db.root,
      LANG: 'C.UTF-8',
      XDG_CONFIG_HOME: db.xdgConfig,
      XDG_DATA_HOME: db.xdgData,
      XDG_RUNTIME_DIR: db.xdgRuntime,
      // Postgres's unix socket goes here instead of /var/run/postgresql.
      PGHOST: db.sockets,
      PG_REGRESS_SOCK_DIR: db.sockets,
    };
  }

  private runService(name: string, pgdata: string): ChildProcess {
    this.stopping.signal.throwIfAborted();
    return spawnPart(this.autoctl, ['run', '--pgdata', pgdata], {
      logFile: path.join(this.options.paths.logs, `db-${name}.log`),
      env: this.env(),
      owner: this.owner,
      cwd: this.options.paths.db.root,
    });
  }

  private async runToEnd(name: string, args: string[]): Promise<void> {
    const logFile = path.join(this.options.paths.logs, `db-${name}.log`);
    const child = spawnPart(this.autoctl, args, { logFile, env: this.env(), owner: this.owner, cwd: this.options.paths.db.root, signal: this.stopping.signal });
    this.oneShots.add(child);
    const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), STEP_TIMEOUT_MS);
    await exited(child);
    clearTimeout(timer);
    this.oneShots.delete(child);
    this.stopping.signal.throwIfAborted();
    if (child.exitCode !== 0) {
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-8).join('\n');
      throw new Error(`pg_autoctl ${args.slice(0, 2).join(' ')} failed (see ${logFile}; --fresh starts over):\n${tail}`);
    }
  }

  private created(name: string): boolean {
    return existsSync(path.join(this.options.paths.db.root, `${name}.created`));
  }

  private markCreated(name: string): void {
    writeFileSync(path.join(this.options.paths.db.root, `${name}.created`), new Date().toISOString());
  }
}

/** Runs a short pg_autoctl command (config get/set) as the Postgres owner and returns its output. */
function spawnSyncAutoctl(autoctl: string, args: string[], env: NodeJS.ProcessEnv, owner: Owner | undefined): string {
  return execFileSync(autoctl, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...(owner ? { uid: owner.uid, gid: owner.gid } : {}) });
}
