import { cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '@evermall/testkit';
import { frontDoorFailover, zones, type Zone } from '@evermall/topology';
import pino, { type Logger } from 'pino';
import { twinEnvironment } from './config/environment.js';
import type { TwinPaths } from './config/paths.js';
import type { TwinPortMap } from './config/ports.js';
import { prepareStateDir, type PreparedStateDir } from './config/state-dir.js';
import { cacheSettings, frontDoorSettings } from './config/twin-settings.js';
import { MessageBroker } from './broker/message-broker.js';
import { CacheTier } from './cache/cache-tier.js';
import { TwinCommands } from './commands.js';
import { DatabaseCluster } from './database/database-cluster.js';
import { DatabaseLogins } from './database/database-logins.js';
import { DatabaseWatcher } from './database/database-watcher.js';
import { EventLog } from './events.js';
import { FrontDoor } from './front-door/front-door.js';
import { ImageResizer } from './functions/image-resizer.js';
import { OrderEventConsumers } from './functions/order-event-consumers.js';
import { IdentityProviders } from './identity/identity-providers.js';
import { LaunchTemplate, type LaunchTemplateOptions } from './instances/launch-template.js';
import { serviceOwner } from './instances/service-user.js';
import { LoadBalancer } from './load-balancer/load-balancer.js';
import { PaymentProvider } from './payments/payment-provider.js';
import { TrafficMeter } from './load-balancer/traffic-meter.js';
import { exited, signalGroup, spawnPart } from './processes.js';
import { ZonePartition, type ZoneMembers } from './network/zone-partition.js';
import { RegionFailover, refuseRetiredRegion } from './regions/region-failover.js';
import { resolveRegionPorts } from './regions/region-ports.js';
import { AutoScalingController } from './scaling/auto-scaling-controller.js';
import { controllerTimings, type ControllerTimings } from './scaling/controller-timings.js';
import { runShopCli, shopCliAvailable, shopDir, type ShopCliLaunch } from './shop-cli.js';
import { Mailbox } from './status/mailbox.js';
import { StatusServer } from './status/status-server.js';
import { TraceCollector } from './tracing/collector.js';
import type { TwinUrls } from './status/status-types.js';
import { readTwinStatus, twinUrls, type StatusSources } from './status/twin-status.js';
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
  /**
   * 2 adds region b (the recovery region: a PostgreSQL copy, load balancer, front door and fleet)
   * and the global front door in front of both regions' (regions/README.md). Default 1.
   */
  regions?: 1 | 2;
  /** No progress lines on stdout. */
  quiet?: boolean;
  /** Build the storefront (npm start does; tests skip it). */
  build?: boolean;
  /** Progress callback (defaults to stdout lines unless quiet). */
  progress?: (component: string, message: string) => void;
  /**
   * Aborting it (a stop signal during start-up) stops every part started so far, in order;
   * startTwin then rejects with TwinStartInterrupted. After start-up, use stop().
   */
  signal?: AbortSignal;
}

export interface RunningTwin {
  urls: TwinUrls;
  client: TwinClient;
  paths: TwinPaths;
  /** Resolves when the twin has stopped (Ctrl-C, `down`, or stop()). */
  stopped: Promise<void>;
  stop(): Promise<void>;
  /** The parts, for tests and drills that need to look inside. */
  parts: {
    database: DatabaseCluster;
    loadBalancer: LoadBalancer;
    controller: AutoScalingController;
    frontDoor: FrontDoor;
    payments: PaymentProvider;
    identity: IdentityProviders;
    cache: CacheTier;
    /** The message broker (SNS/SQS stand-in): `settings.url` is every instance's EVENT_BROKER_URL; node controls for drills. */
    broker: MessageBroker;
    traceCollector: TraceCollector;
    /** Region b and the global front door, with --regions 2. */
    regions: RegionFailover | undefined;
  };
}

/** startTwin was stopped (its `signal` aborted) before the twin was ready; every part it started is stopped. */
export class TwinStartInterrupted extends Error {
  constructor() {
    super('the twin was stopped while it was starting; every part it had started is stopped');
    this.name = 'TwinStartInterrupted';
  }
}

/** How often the process list in twin.json is refreshed (for `down` after a crash). */
const PROCESS_LIST_REFRESH_MS = 2000;

type Progress = (component: string, message: string) => void;

export async function startTwin(options: StartTwinOptions = {}): Promise<RunningTwin> {
  if (options.signal?.aborted) throw new TwinStartInterrupted();
  const { twinLogLevel } = twinEnvironment(); // a bad setting fails here, before anything is touched
  const say: Progress =
    options.progress ??
    ((component, message) => {
      if (!options.quiet) process.stdout.write(`  ${component.padEnd(14)} ${message}\n`);
    });
  const dir = await prepareStateDir(path.resolve(options.stateDir ?? '.twin'), options, say);
  const logger: Logger = pino({ level: twinLogLevel, base: { part: 'twin' } }, pino.destination({ dest: path.join(dir.paths.logs, 'twin.log'), sync: false }));
  const supervisor = new TwinSupervisor(dir, await assembleParts(dir, options, logger), say);
  const onAbort = () => void supervisor.stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    options.signal?.throwIfAborted();
    await supervisor.bringUp(options.build ?? false);
    return supervisor.running();
  } catch (err) {
    await supervisor.stop();
    throw options.signal?.aborted ? new TwinStartInterrupted() : err;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** The parts of one twin and what they share; built, not started. */
interface TwinParts extends StatusSources {
  logger: Logger;
  timings: ControllerTimings;
  launchTemplate: LaunchTemplate;
  imageResizer: ImageResizer;
  traceCollector: TraceCollector;
}

async function assembleParts(dir: PreparedStateDir, options: StartTwinOptions, logger: Logger): Promise<TwinParts> {
  const { paths, ports, state } = dir;
  refuseRetiredRegion(paths);
  const events = new EventLog(logger, paths.events);
  const timings = controllerTimings({
    ...(options.instances ? { desiredCapacity: options.instances, minCapacity: Math.min(options.instances, controllerTimings().minCapacity) } : {}),
    ...options.controller,
  });
  const logins = new DatabaseLogins({ secretsDir: paths.secrets, hostSecretsDir: paths.shop.secrets, hostOwner: serviceOwner() });
  const database = new DatabaseCluster({ paths, ports: { monitor: ports.dbMonitor, a: ports.dbNodeA, b: ports.dbNodeB, replica: ports.dbReplica }, events, logger, logins });
  const bucketsPort = await freePort();
  // Internal ports, like the buckets': nobody outside the twin connects to the collector.
  const traceCollector = new TraceCollector({ dir: paths.traces, port: await freePort(), frontDoorLogPort: await freePort() });
  const loadBalancer = new LoadBalancer({
    paths,
    ports: { listen: ports.loadBalancer, stats: ports.haproxyStats, trafficLog: ports.trafficLog },
    frontDoor: { port: ports.frontDoor, bucketsPort, traceLogPort: traceCollector.frontDoorLogPort },
  });
  const traffic = new TrafficMeter(ports.trafficLog);
  if (!state.paymentKeys) throw new Error('the state dir has no payment keys: prepareStateDir writes them');
  const payments = new PaymentProvider({ port: ports.paymentProvider, journalPath: paths.payments.journal, keys: state.paymentKeys });
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
  if (!state.identitySecrets) throw new Error('the state dir has no sign-in client secrets: prepareStateDir writes them');
  const identity = new IdentityProviders({
    paths,
    ports: { userPool: ports.userPool, socialIdp: ports.socialIdp },
    frontDoorUrl: frontDoor.url,
    secrets: state.identitySecrets,
    events,
  });
  if (!state.cachePassword) throw new Error('the state dir has no cache password: prepareStateDir writes it');
  const cache = new CacheTier({
    paths,
    ports: { endpoint: ports.cacheEndpoint, a: ports.cacheNodeA, b: ports.cacheNodeB, sentinels: [ports.cacheSentinel1, ports.cacheSentinel2, ports.cacheSentinel3] },
    password: state.cachePassword,
    events,
  });
  if (!state.brokerPassword) throw new Error('the state dir has no broker password: prepareStateDir writes it');
  const broker = new MessageBroker({
    paths,
    ports: {
      endpoint: ports.brokerEndpoint,
      epmd: ports.brokerEpmd,
      nodes: [
        { amqp: ports.brokerNode1, dist: ports.brokerDist1 },
        { amqp: ports.brokerNode2, dist: ports.brokerDist2 },
        { amqp: ports.brokerNode3, dist: ports.brokerDist3 },
      ],
    },
    password: state.brokerPassword,
    events,
  });
  const launchOptions: LaunchTemplateOptions = {
    paths,
    shopDir: shopDir(),
    database: { ...database.appUrls, migratorUrl: () => database.migratorUrl() },
    sessionSecret: state.sessionSecret,
    payments: payments.settings,
    oidc: identity.settings,
    cache: cache.settings,
    drainSeconds: timings.instanceDrainSeconds,
    logLevel: twinEnvironment().shopLogLevel,
    traceCollectorUrl: traceCollector.url,
    eventBrokerUrl: broker.settings.url,
  };
  const launchTemplate = new LaunchTemplate(launchOptions);
  // The media folder stands in for the bucket the resize Lambda is notified of (`.twin/s3/media` is bucket `media`).
  const imageResizer = new ImageResizer({
    root: path.dirname(paths.s3Media),
    bucket: path.basename(paths.s3Media),
    failureDir: paths.resizeFailures,
    logFile: path.join(paths.logs, 'resize-image.log'),
    owner: launchTemplate.owner,
  });
  const controller = new AutoScalingController({ timings, loadBalancer, events, logger, launch: launchTemplate, firstPort: options.ports?.firstInstance ?? ports.firstInstance });
  const regions =
    options.regions === 2
      ? await RegionFailover.create({
          paths,
          ports: await resolveRegionPorts(options.ports?.frontDoor === 0),
          regionA: { database, controller, loadBalancer, frontDoor, cache, launchTemplate, launchOptions, frontDoorPort: ports.frontDoor, loadBalancerPort: ports.loadBalancer },
          controller: options.controller,
          frontDoor: options.frontDoor,
          events,
          logger,
        })
      : undefined;
  // The order notifier and sales feed (issue 16), and the SMTP sink their mail lands in: twin-internal port.
  const eventConsumers = new OrderEventConsumers({
    paths,
    database,
    logins,
    events,
    brokerUrl: () => broker.settings.url,
    otlpEndpoint: () => traceCollector.url,
    smtpPort: await freePort(),
  });
  return {
    regions,
    database,
    loadBalancer,
    traffic,
    controller,
    frontDoor,
    payments,
    identity,
    cache,
    broker,
    events,
    logger,
    timings,
    launchTemplate,
    imageResizer,
    traceCollector,
    eventConsumers,
  };
}

/**
 * Starts a twin's parts in order and stops them in order. A stop may come at any moment: it
 * aborts the start-up step in flight (each waits on `stopping`), and stops whatever has started.
 */
class TwinSupervisor {
  private readonly stopping = new AbortController();
  private stopPromise: Promise<void> | undefined;
  private statusServer: StatusServer | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly watcher: DatabaseWatcher;
  /**
   * partition-zones: each zone's instances (warm pool included) and database nodes on their side.
   * The monitor, HAProxy, the cache's and broker's endpoints and the front door are in no zone.
   */
  private readonly partition = new ZonePartition(String(process.pid), () => {
    const { controller, database } = this.parts;
    const instances = [...controller.list(), ...controller.warmPool().instances];
    const side = (z: Zone): ZoneMembers => {
      const db = database.zoneMembers(z);
      return { pids: [...db.pids, ...instances.flatMap((i) => (i.zone === z && i.pid ? [i.pid] : []))], ports: db.ports };
    };
    return Object.fromEntries(zones.map((z) => [z, side(z)])) as Record<Zone, ZoneMembers>;
  });
  private resolveStopped: () => void = () => undefined;
  /** Resolves when the twin has stopped (Ctrl-C, `down`, or stop()). */
  readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));
  // Last resort when the owning process exits without stop() (a crashed test worker): the
  // parts run in their own process groups and would outlive it.
  private readonly killOnExit = () => {
    this.partition.heal();
    for (const pid of this.processGroups()) signalGroup(pid, 'SIGKILL');
  };

  constructor(
    private readonly dir: PreparedStateDir,
    private readonly parts: TwinParts,
    private readonly say: Progress,
  ) {
    this.watcher = new DatabaseWatcher(parts.database, parts.events);
    process.once('exit', this.killOnExit);
  }

  /** Starts every part; rejects with the stop's reason as soon as stop() is called. */
  async bringUp(build: boolean): Promise<void> {
    const { database, loadBalancer, traffic, controller, frontDoor, payments, identity, cache, broker, events, timings, launchTemplate, imageResizer, traceCollector } = this.parts;
    const { paths } = this.dir;
    const signal = this.stopping.signal;
    const step = <T>(work: () => Promise<T>) => unlessStopping(signal, work);
    const stale = ZonePartition.clearStale();
    if (stale.length) events.emit('zones-healed', `removed the partition rules a stopped twin left: ${stale.join(', ')}`);
    this.recordProcesses();
    this.refreshTimer = setInterval(() => this.recordProcesses(), PROCESS_LIST_REFRESH_MS);
    this.refreshTimer.unref();

    this.say('storefront', await step(() => syncStorefront(paths, build, signal)));
    // Before any instance (and the front door's HAProxy): each sends its spans to it.
    await step(() => traceCollector.start());
    this.say('tracing', `OTLP/HTTP collector ${traceCollector.url}, spans in ${paths.traces}`);
    // Before any instance: a checkout's confirm goes to it.
    await step(() => payments.start());
    this.say('payments', `Toss Payments stand-in ${payments.url}, payment window ${payments.payPageUrl}, journal ${paths.payments.journal}`);
    // Before any instance too: a sign-in's callback redeems its code at the pool.
    await step(() => identity.start());
    this.say('sign-in', `user pool (Cognito stand-in) ${identity.userPool.issuer}, social IdP (Kakao stand-in) ${identity.socialIdp.issuer}; data in ${paths.identity.root}`);
    // Before any instance: each connects to the cache's endpoint at start (a cold cache; the shop reads PostgreSQL until it is warm).
    await step(() => cache.start());
    this.say(
      'cache',
      `primary endpoint ${cache.url} (HAProxy, role:master check); primary zone a, replica zone b, ${cacheSettings.sentinels} Sentinels; data in ${paths.cache.root}`,
    );
    // Before any instance and the consumers: each instance's outbox relay publishes to it, the consumers read it.
    await step(() => broker.start());
    this.say(
      'broker',
      `${broker.nodeNames.length} RabbitMQ nodes in one cluster (quorum queues on all three) behind one endpoint ${(await broker.status()).endpoint}; data in ${paths.broker.root}`,
    );
    // Before any instance: an upload's ObjectCreated event goes to it.
    await step(() => imageResizer.start(signal));
    this.say('functions', `resize-image watches ${paths.s3Media} (variants under variants/), failures in ${paths.resizeFailures}`);
    this.say('release', `shop built into ${await step(() => launchTemplate.newRelease([], signal))}; instances run as ${launchTemplate.runsAs}`);
    const started = Date.now();
    await step(() => database.start((m) => this.say('database', m)));
    // The standbys copy the primary while the shop migrates and seeds it.
    await step(() => Promise.all([database.startStandbys((m) => this.say('database', m)), this.seed()]));
    // Once migrated (their inbox and analytics store), before the instances publish.
    const { eventConsumers } = this.parts;
    if (eventConsumers) {
      await step(() => eventConsumers.start(signal));
      this.say('functions', `order-notifier and sales-feed consume their queues; mail lands in ${paths.mail}`);
    }

    await step(() => traffic.start());
    await step(() => loadBalancer.start());
    this.say('haproxy', `load balancer ${loadBalancer.url}, stats ${loadBalancer.statsUrl}`);

    await step(async () => controller.start());
    this.say('instances', `launching ${timings.desiredCapacity} over zones, waiting for target health checks`);
    await step(() => Promise.all([controller.inService(timings.desiredCapacity), exportBackupSite(paths, this.cliEnv(), signal).then((m) => this.say('backup site', m))]));
    this.say('instances', `${timings.desiredCapacity} in service (${((Date.now() - started) / 1000).toFixed(1)}s after the database started)`);

    await step(() => frontDoor.start());
    const { regions } = this.parts;
    // After region a serves: region b copies its primary and follows it.
    if (regions) await step(() => regions.start(this.say, signal));
    await step(() => this.serveControl());
    await step(() => this.watcher.start());
    events.emit('twin-ready', `twin ready: front door ${frontDoor.url}`);
  }

  running(): RunningTwin {
    const { database, loadBalancer, controller, frontDoor, payments, identity, cache, broker, traceCollector } = this.parts;
    const statusUrl = this.statusServer?.url ?? twinUrls(this.parts, this.dir.ports.statusPage).status;
    return {
      urls: twinUrls(this.parts, this.dir.ports.statusPage),
      client: new TwinClient(statusUrl),
      paths: this.dir.paths,
      stopped: this.stopped,
      stop: () => this.stop(),
      parts: { database, loadBalancer, controller, frontDoor, payments, identity, cache, broker, traceCollector, regions: this.parts.regions },
    };
  }

  stop(): Promise<void> {
    this.stopPromise ??= this.stopParts();
    return this.stopPromise;
  }

  /** Front door, instances (drained), payment provider, functions, sign-in providers, cache, broker, HAProxy, database, status page: whichever have started. */
  private async stopParts(): Promise<void> {
    const { frontDoor, controller, payments, identity, cache, broker, loadBalancer, traffic, database, events, logger, imageResizer, traceCollector } = this.parts;
    this.stopping.abort(new Error('the twin is stopping'));
    events.emit('twin-stopping', 'stopping: front door, instances (drained), payment provider, functions, sign-in providers, cache, broker, HAProxy, database, status page');
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.watcher.stop();
    if (this.partition.heal()) events.emit('zones-healed', 'stopping: the zones reach each other again');
    // One part failing to stop must not leave the others running.
    const stopPart = async (component: string, message: string, work: () => Promise<unknown>) => {
      this.say(component, message);
      await work().catch((err: unknown) => {
        logger.error({ err, component }, 'a part failed to stop');
        this.say(component, `failed to stop: ${(err as Error).message}`);
      });
    };
    // First: the global front door, then region b (its copy, fleet, edge), before region a's database it streams from.
    const { regions } = this.parts;
    if (regions) await stopPart('regions', 'stopping the global front door and region b', () => regions.stop());
    await stopPart('front door', 'stopping', () => frontDoor.stop());
    await stopPart('instances', 'draining and stopping', () => controller.stop());
    // After the instances: a draining instance may still confirm a payment.
    await stopPart('payments', 'stopping the Toss Payments stand-in', () => payments.stop());
    // After the instances too: a draining instance may still take an upload.
    await stopPart('functions', 'stopping resize-image (resizes under way finish)', () => imageResizer.stop());
    await stopPart('functions', 'stopping the event consumers (batches under way finish)', async () => this.parts.eventConsumers?.stop());
    // After the instances and the functions, which export their last spans as they stop.
    await stopPart('tracing', 'stopping the trace collector', () => traceCollector.stop());
    await stopPart('sign-in', 'stopping the user pool and social IdP', () => identity.stop());
    await stopPart('cache', 'stopping the endpoint, the Sentinels, the replica and the primary', () => cache.stop());
    // After the instances (their relays publish until they stop) and the consumers.
    await stopPart('broker', 'stopping the endpoint and the RabbitMQ nodes', () => broker.stop());
    await stopPart('haproxy', 'stopping', () => Promise.all([loadBalancer.stop(), traffic.stop()]));
    await stopPart('database', 'stopping replica, standby, primary, monitor', () => database.stop());
    await stopPart('status page', 'stopping', async () => this.statusServer?.stop());
    const { state, paths, saveState } = this.dir;
    state.controlUrl = undefined;
    state.supervisorPid = undefined;
    state.processGroups = [];
    if (existsSync(paths.root)) saveState();
    process.removeListener('exit', this.killOnExit);
    this.say('twin', 'stopped; no process left');
    logger.flush();
    this.resolveStopped();
  }

  private processGroups(): number[] {
    const { database, loadBalancer, controller, identity, cache, imageResizer } = this.parts;
    return [
      ...database.pids(),
      ...(loadBalancer.pid ? [loadBalancer.pid] : []),
      ...controller.pids(),
      ...identity.pids(),
      ...cache.pids(),
      ...this.parts.broker.pids(),
      ...(imageResizer.pid ? [imageResizer.pid] : []),
      ...(this.parts.eventConsumers?.pid ? [this.parts.eventConsumers.pid] : []),
      ...(this.parts.regions?.pids() ?? []),
    ];
  }

  /** Writes the running process groups to twin.json, so `down` can clean up after a crashed supervisor. */
  private recordProcesses(): void {
    if (this.stopPromise || !existsSync(this.dir.paths.root)) return;
    this.dir.state.processGroups = this.processGroups();
    this.dir.saveState();
  }

  /** The shop's CLI (migrate, seed, export-static) logs only warnings. */
  private cliEnv(): ShopCliLaunch {
    return this.parts.launchTemplate.cli({ logLevel: 'warn' });
  }

  /** Migrates and seeds the shop's database on the first start. */
  private async seed(): Promise<void> {
    const { state, paths, saveState } = this.dir;
    if (!shopCliAvailable()) {
      this.say('shop', 'shop CLI not found: instances migrate at start, no seed data');
      return;
    }
    // Instances cannot change the schema (they log in as the app role): a restart with newer
    // migrations applies them here, as the migration role.
    if (state.seeded) return this.parts.launchTemplate.migrate(this.stopping.signal);
    this.say('shop', 'migrating and seeding (first start)');
    for (const command of ['migrate', 'seed']) {
      const logFile = path.join(paths.logs, `shop-${command}.log`);
      const code = await runShopCli([command], this.cliEnv(), logFile, this.stopping.signal);
      if (code !== 0) throw new Error(`shop ${command} failed: see ${logFile}`);
    }
    state.seeded = true;
    saveState();
    this.say('shop', 'catalog seeded');
  }

  /** The status page and the control API; its URL goes to twin.json (controlUrl). */
  private async serveControl(): Promise<void> {
    const { controller, database, cache, events, frontDoor } = this.parts;
    const port = this.dir.ports.statusPage;
    this.statusServer = new StatusServer({
      port,
      status: () => readTwinStatus(this.parts, port),
      traces: this.parts.traceCollector.store,
      // What the SMTP sink wrote (twin/src/mail/), read straight from its folder.
      mailbox: new Mailbox(this.dir.paths.mail),
      commands: new TwinCommands({
        controller,
        database,
        cache,
        broker: this.parts.broker,
        events,
        partition: this.partition,
        regions: this.parts.regions,
        consumers: this.parts.eventConsumers?.process,
        frontDoorMode: () => frontDoor.mode,
        down: () => void this.stop(),
      }),
    });
    await this.statusServer.start();
    this.dir.state.controlUrl = this.statusServer.url;
    this.recordProcesses();
  }
}

/** Runs one start-up step unless the twin is stopping, and gives up waiting on it as soon as it is. */
function unlessStopping<T>(stopping: AbortSignal, work: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (stopping.aborted) {
      reject(stopping.reason as Error);
      return;
    }
    const onStop = () => reject(stopping.reason as Error);
    stopping.addEventListener('abort', onStop, { once: true });
    const settle = () => stopping.removeEventListener('abort', onStop);
    try {
      work().then(resolve, reject).finally(settle);
    } catch (err) {
      settle();
      reject(err as Error);
    }
  });
}

/** Copies storefront/dist into the SPA bucket, or writes a plain page until the storefront exists. */
async function syncStorefront(paths: TwinPaths, build: boolean, signal: AbortSignal): Promise<string> {
  const storefront = path.resolve(shopDir(), '..', 'storefront');
  if (build && existsSync(path.join(storefront, 'package.json'))) {
    // The storefront's own build; a failure leaves the previous files in place.
    const failure = await runNpm(['run', 'build', '-w', 'storefront', '--if-present'], path.resolve(storefront, '..'), path.join(paths.logs, 'storefront-build.log'), signal);
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

/** Runs npm quietly in its own process group (a stop kills it); its output goes to `logFile`. Returns a reason on failure. */
async function runNpm(args: string[], cwd: string, logFile: string, signal: AbortSignal): Promise<string | undefined> {
  rmSync(logFile, { force: true });
  const child = spawnPart('npm', args, { cwd, logFile, signal });
  await exited(child);
  return child.exitCode === 0 ? undefined : `see ${logFile}`;
}

async function exportBackupSite(paths: TwinPaths, launch: ShopCliLaunch, signal: AbortSignal): Promise<string> {
  if (shopCliAvailable()) {
    const code = await runShopCli(['export-static', '--out', paths.s3Backup], launch, path.join(paths.logs, 'shop-export-static.log'), signal);
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
