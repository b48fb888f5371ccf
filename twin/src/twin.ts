import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { frontDoorFailover } from '@evermall/topology';
import pino, { type Logger } from 'pino';
import { twinPaths, type TwinPaths } from './config/paths.js';
import { readStateFile, type TwinStateFile } from './config/state-file.js';
import { removeLeftoverQuotas } from './instances/cpu-quota.js';
import { assertPortsFree, defaultPorts, freePort, resolvePorts, type TwinPortMap } from './config/ports.js';
import { databaseSettings, frontDoorSettings } from './config/twin-settings.js';
import { TwinCommands } from './commands.js';
import { DatabaseCluster, type DbNodeStatus } from './database/database-cluster.js';
import { EventLog } from './events.js';
import { FrontDoor } from './front-door/front-door.js';
import { LoadBalancer } from './load-balancer/load-balancer.js';
import { TrafficMeter } from './load-balancer/traffic-meter.js';
import { isAlive, postgresOwner, signalGroup } from './processes.js';
import { AutoScalingController } from './scaling/auto-scaling-controller.js';
import { controllerTimings, type ControllerTimings } from './scaling/controller-timings.js';
import { runShopCli, shopCliAvailable, shopDir } from './shop-cli.js';
import { StatusServer } from './status/status-server.js';
import type { TwinStatus, TwinUrls } from './status/status-types.js';
import { TwinClient } from './client.js';

export interface StartTwinOptions {
  /** Default `.twin` in the current directory. */
  stateDir?: string;
  /** Wipe the state dir first. */
  fresh?: boolean;
  /** Port overrides; 0 = any free port. */
  ports?: Partial<TwinPortMap>;
  /** Desired (and initial) instance count. */
  instances?: number;
  controller?: Partial<ControllerTimings>;
  frontDoor?: { intervalSeconds?: number; failureThreshold?: number };
  /** No progress lines on stdout. */
  quiet?: boolean;
  /** Build the storefront (npm start does; tests skip it). */
  build?: boolean;
  /** Progress callback (defaults to stdout lines unless quiet). */
  progress?: (component: string, message: string) => void;
}

export interface RunningTwin {
  urls: TwinUrls;
  client: TwinClient;
  paths: TwinPaths;
  /** Resolves when the twin has stopped (Ctrl-C, `down`, or stop()). */
  stopped: Promise<void>;
  stop(): Promise<void>;
  /** The parts, for tests and drills that need to look inside. */
  parts: { database: DatabaseCluster; loadBalancer: LoadBalancer; controller: AutoScalingController; frontDoor: FrontDoor };
}

/** Kills process groups a crashed twin left behind. Returns how many were alive. */
export function killLeftovers(stateDir: string): number {
  const state = readStateFile(stateDir);
  const alive = (state?.processGroups ?? []).filter((pid) => isAlive(pid));
  for (const pid of alive) signalGroup(pid, 'SIGKILL');
  if (state?.supervisorPid && state.supervisorPid !== process.pid && isAlive(state.supervisorPid)) signalGroup(state.supervisorPid, 'SIGKILL');
  return alive.length;
}

/** How often the process list in twin.json is refreshed (for `down` after a crash). */
const PROCESS_LIST_REFRESH_MS = 2000;

export async function startTwin(options: StartTwinOptions = {}): Promise<RunningTwin> {
  const stateDir = path.resolve(options.stateDir ?? '.twin');
  const paths = twinPaths(stateDir);
  const say = options.progress ?? ((component: string, message: string) => {
    if (!options.quiet) process.stdout.write(`  ${component.padEnd(14)} ${message}\n`);
  });

  if (options.fresh) {
    killLeftovers(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  }
  // CPU quota groups of instances of a twin that was killed (they are empty once its processes are gone).
  removeLeftoverQuotas();
  const previous = readStateFile(stateDir);
  if (previous?.supervisorPid && previous.supervisorPid !== process.pid && isAlive(previous.supervisorPid)) {
    throw new Error(`a twin is already running from ${stateDir} (pid ${previous.supervisorPid}): stop it with npm run twin -- down`);
  }
  if (killLeftovers(stateDir) > 0) say('state', 'stopped processes left by a previous run');

  for (const dir of [paths.root, paths.logs, paths.efs, paths.s3Spa, paths.s3Backup, paths.haproxy.root]) mkdirSync(dir, { recursive: true });
  // Postgres runs as `postgres` when we are root: it must be able to walk into the state dir.
  if (postgresOwner()) chmodSync(paths.root, 0o755);

  // Database ports are baked into pg_autoctl's config: a restart keeps them.
  const base = { ...defaultPorts(), ...(previous?.ports ?? {}), ...options.ports };
  if (previous?.ports && !options.fresh) {
    for (const k of ['dbMonitor', 'dbNodeA', 'dbNodeB', 'dbReplica'] as const) base[k] = previous.ports[k];
  }
  const ports = await resolvePorts(base);
  await assertPortsFree(ports, ['frontDoor', 'loadBalancer', 'statusPage', 'haproxyStats', 'dbMonitor', 'dbNodeA', 'dbNodeB', 'dbReplica']);

  const state: TwinStateFile = { ports, sessionSecret: previous?.sessionSecret ?? randomBytes(32).toString('hex'), seeded: previous?.seeded ?? false, supervisorPid: process.pid };
  const saveState = () => writeFileSync(paths.stateFile, `${JSON.stringify(state, null, 2)}\n`);
  saveState();

  const logger: Logger = pino({ level: process.env.TWIN_LOG_LEVEL ?? 'info', base: { part: 'twin' } }, pino.destination({ dest: path.join(paths.logs, 'twin.log'), sync: false }));
  const events = new EventLog(logger, paths.events);

  const timings = controllerTimings({ ...(options.instances ? { desiredCapacity: options.instances, minCapacity: Math.min(options.instances, controllerTimings().minCapacity) } : {}), ...options.controller });
  const database = new DatabaseCluster({ paths, ports: { monitor: ports.dbMonitor, a: ports.dbNodeA, b: ports.dbNodeB, replica: ports.dbReplica }, events, logger });
  const bucketsPort = await freePort();
  const loadBalancer = new LoadBalancer({ paths, ports: { listen: ports.loadBalancer, stats: ports.haproxyStats, trafficLog: ports.trafficLog }, frontDoor: { port: ports.frontDoor, bucketsPort } });
  const traffic = new TrafficMeter(ports.trafficLog);
  const shopEnv: Record<string, string> = {
    DATABASE_URL: database.writerUrl,
    DATABASE_READ_URL: database.readerUrl,
    MEDIA_DIR: paths.efs,
    SESSION_SECRET: state.sessionSecret,
    DRAIN_SECONDS: String(timings.instanceDrainSeconds),
    BACKUP_SITE_DIR: paths.s3Backup,
    BACKUP_EXPORT_INTERVAL_SECONDS: String(frontDoorFailover.backupExportIntervalSeconds),
    LOG_LEVEL: process.env.SHOP_LOG_LEVEL ?? 'info',
  };
  const controller = new AutoScalingController({ timings, loadBalancer, events, logger, launch: { shopDir: shopDir(), logsDir: paths.logs, env: shopEnv }, firstPort: options.ports?.firstInstance ?? ports.firstInstance });
  const frontDoor = new FrontDoor({
    port: ports.frontDoor,
    bucketsPort,
    switchOrigin: (inRotation) => loadBalancer.setFrontDoorOrigin(inRotation),
    loadBalancerUrl: loadBalancer.url,
    spaDir: paths.s3Spa,
    backupDir: paths.s3Backup,
    deepCheckPath: frontDoorFailover.deepCheckPath,
    intervalSeconds: options.frontDoor?.intervalSeconds ?? frontDoorFailover.intervalSeconds,
    failureThreshold: options.frontDoor?.failureThreshold ?? frontDoorFailover.failureThreshold,
    checkTimeoutMs: frontDoorSettings.checkTimeoutMs,
    events,
    logger,
  });

  let stopPromise: Promise<void> | undefined;
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let statusServer: StatusServer | undefined;
  let refreshTimer: NodeJS.Timeout | undefined;
  let dbWatchTimer: NodeJS.Timeout | undefined;

  const urls = (): TwinUrls => ({ frontDoor: frontDoor.url, loadBalancer: loadBalancer.url, status: `http://127.0.0.1:${ports.statusPage}`, haproxyStats: loadBalancer.statsUrl });
  const processGroups = () => [...database.pids(), ...(loadBalancer.pid ? [loadBalancer.pid] : []), ...controller.pids()];
  // Last resort when the owning process exits without stop() (a crashed test worker): the
  // parts run in their own process groups and would outlive it.
  const killOnExit = () => {
    for (const pid of processGroups()) signalGroup(pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);
  const stop = (): Promise<void> => {
    stopPromise ??= (async () => {
      events.emit('twin-stopping', 'stopping: front door, instances (drained), HAProxy, database, status page');
      if (refreshTimer) clearInterval(refreshTimer);
      if (dbWatchTimer) clearTimeout(dbWatchTimer);
      say('front door', 'stopping');
      await frontDoor.stop().catch(() => undefined);
      say('instances', 'draining and stopping');
      await controller.stop();
      say('haproxy', 'stopping');
      await loadBalancer.stop();
      await traffic.stop();
      say('database', 'stopping replica, standby, primary, monitor');
      await database.stop();
      await statusServer?.stop();
      state.controlUrl = undefined;
      state.supervisorPid = undefined;
      state.processGroups = [];
      if (existsSync(paths.root)) saveState();
      process.removeListener('exit', killOnExit);
      say('twin', 'stopped; no process left');
      logger.flush();
      resolveStopped();
    })();
    return stopPromise;
  };

  try {
    say('storefront', syncStorefront(paths, options.build ?? false));

    const started = Date.now();
    await database.start((m) => say('database', m));

    const cliEnv = { ...shopEnv, LOG_LEVEL: 'warn' };
    const seed = async () => {
      if (!shopCliAvailable()) {
        say('shop', 'shop CLI not found: instances migrate at start, no seed data');
        return;
      }
      if (state.seeded) return;
      say('shop', 'migrating and seeding (first start)');
      const migrated = await runShopCli(['migrate'], cliEnv, path.join(paths.logs, 'shop-migrate.log'));
      if (migrated !== 0) throw new Error(`shop migrate failed: see ${path.join(paths.logs, 'shop-migrate.log')}`);
      const seeded = await runShopCli(['seed'], cliEnv, path.join(paths.logs, 'shop-seed.log'));
      if (seeded !== 0) throw new Error(`shop seed failed: see ${path.join(paths.logs, 'shop-seed.log')}`);
      state.seeded = true;
      saveState();
      say('shop', 'catalog seeded');
    };
    // The standbys copy the primary while the shop migrates and seeds it.
    await Promise.all([database.startStandbys((m) => say('database', m)), seed()]);

    await traffic.start();
    await loadBalancer.start();
    say('haproxy', `load balancer ${loadBalancer.url}, stats ${loadBalancer.statsUrl}`);

    controller.start();
    say('instances', `launching ${timings.desiredCapacity} over zones, waiting for target health checks`);
    const exportDone = exportBackupSite(paths, cliEnv).then((m) => say('backup site', m));
    await controller.inService(timings.desiredCapacity);
    await exportDone;
    say('instances', `${timings.desiredCapacity} in service (${((Date.now() - started) / 1000).toFixed(1)}s after the database started)`);

    const status = async (): Promise<TwinStatus> => ({
      instances: controller.list(),
      database: { writerUrl: database.writerUrl, readerUrl: database.readerUrl, nodes: await database.nodes() },
      frontDoor: { url: frontDoor.url, mode: frontDoor.mode, lastCheck: frontDoor.lastCheck },
      loadBalancer: { url: loadBalancer.url, statsUrl: loadBalancer.statsUrl },
      traffic: traffic.figures(),
      autoScaling: { desired: controller.desiredCapacity, min: timings.minCapacity, max: timings.maxCapacity, cpuTargetPercent: timings.cpuTargetPercent, blockedZones: controller.blocked },
      events: events.recent(),
      urls: urls(),
    });

    await frontDoor.start();
    statusServer = new StatusServer({
      port: ports.statusPage,
      status: () => status(),
      commands: new TwinCommands({ controller, database, events, frontDoorMode: () => frontDoor.mode, down: () => void stop() }),
    });
    await statusServer.start();

    state.controlUrl = statusServer.url;
    state.processGroups = processGroups();
    saveState();
    refreshTimer = setInterval(() => {
      state.processGroups = processGroups();
      if (!stopPromise && existsSync(paths.root)) saveState();
    }, PROCESS_LIST_REFRESH_MS);
    refreshTimer.unref();

    let lastPrimary: string | undefined;
    let replicaStuckSince: number | undefined;
    const rejoining = new Set<string>();
    const watchDatabase = async () => {
      const nodes = await database.nodes().catch((): DbNodeStatus[] => []);
      const primary = nodes.find((n) => n.role === 'primary' && n.running && !n.state.includes('→'));
      if (primary && lastPrimary && primary.name !== lastPrimary) events.emit('db-primary-changed', `node ${primary.name} (zone ${primary.zone}) is the primary now (was ${lastPrimary})`, { node: primary.name });
      if (primary) lastPrimary = primary.name;
      const replica = nodes.find((n) => n.role === 'replica');
      const stuck = replica && replica.state.includes('→') && primary;
      if (!stuck) replicaStuckSince = undefined;
      else if (replicaStuckSince === undefined) replicaStuckSince = Date.now();
      else if (Date.now() - replicaStuckSince > databaseSettings.replicaStuckSeconds * 1000) {
        replicaStuckSince = undefined;
        void database.rebuildReplica(`the read replica was stuck in "${replica.state}" for ${databaseSettings.replicaStuckSeconds}s`).catch((err: unknown) => events.emit('db-replica-rebuild-failed', (err as Error).message));
      }
      for (const n of nodes) {
        if (!n.running) rejoining.add(n.name);
        else if (rejoining.has(n.name) && n.state === 'secondary') {
          rejoining.delete(n.name);
          events.emit('db-node-rejoined', `node ${n.name} caught up and is a ${n.role} again`, { node: n.name });
        }
      }
      if (!stopPromise) dbWatchTimer = setTimeout(() => void watchDatabase(), 500);
    };
    await watchDatabase();

    events.emit('twin-ready', `twin ready: front door ${frontDoor.url}`);
    return { urls: urls(), client: new TwinClient(statusServer.url), paths, stopped, stop, parts: { database, loadBalancer, controller, frontDoor } };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** Copies storefront/dist into the SPA bucket, or writes a plain page until the storefront exists. */
function syncStorefront(paths: TwinPaths, build: boolean): string {
  const storefront = path.resolve(shopDir(), '..', 'storefront');
  if (build && existsSync(path.join(storefront, 'package.json'))) {
    // The storefront's own build; a failure leaves the previous files in place.
    const failure = spawnSyncNpm(['run', 'build', '-w', 'storefront', '--if-present'], path.resolve(storefront, '..'), path.join(paths.logs, 'storefront-build.log'));
    if (failure) return `storefront build failed (${failure}); serving the previous SPA files`;
  }
  const dist = path.join(storefront, 'dist');
  if (existsSync(path.join(dist, 'index.html'))) {
    rmSync(paths.s3Spa, { recursive: true, force: true });
    cpSync(dist, paths.s3Spa, { recursive: true });
    return `${build ? 'built; ' : ''}storefront/dist copied to ${paths.s3Spa}`;
  }
  if (!existsSync(path.join(paths.s3Spa, 'index.html'))) {
    writeFileSync(path.join(paths.s3Spa, 'index.html'), placeholderSpa());
  }
  return 'no storefront build yet: serving a plain page';
}

/** Runs npm quietly; its output goes to `logFile`. Returns a reason on failure. */
function spawnSyncNpm(args: string[], cwd: string, logFile: string): string | undefined {
  const result = spawnSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  writeFileSync(logFile, `${result.stdout ?? ''}${result.stderr ?? ''}`);
  return result.status === 0 ? undefined : `see ${logFile}`;
}

async function exportBackupSite(paths: TwinPaths, env: Record<string, string>): Promise<string> {
  if (shopCliAvailable()) {
    const code = await runShopCli(['export-static', '--out', paths.s3Backup], env, path.join(paths.logs, 'shop-export-static.log'));
    if (code === 0) return `exported to ${paths.s3Backup}; instances refresh it every ${frontDoorFailover.backupExportIntervalSeconds}s`;
  }
  if (!existsSync(path.join(paths.s3Backup, 'index.html'))) writeFileSync(path.join(paths.s3Backup, 'index.html'), placeholderBackup());
  return 'shop export-static unavailable: a plain "ordering is paused" page stands in';
}

function placeholderSpa(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Evermall</title></head>
<body><h1>Evermall</h1><p>The storefront is not built yet. The API is at <a href="/api/products">/api/products</a>.</p></body></html>\n`;
}

function placeholderBackup(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Evermall (backup)</title></head>
<body><p role="status"><strong>Ordering is paused.</strong> You are seeing a read-only copy of Evermall.</p><h1>Evermall</h1></body></html>\n`;
}
