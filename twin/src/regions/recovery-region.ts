import path from 'node:path';
import { freePort, postgresOwner } from '@evermall/testkit';
import { autoScaling, frontDoorFailover } from '@evermall/topology';
import type { Logger } from 'pino';
import { twinEnvironment } from '../config/environment.js';
import { twinPaths, type TwinPaths } from '../config/paths.js';
import { frontDoorSettings } from '../config/twin-settings.js';
import { EventLog } from '../events.js';
import { FrontDoor, type FrontDoorMode } from '../front-door/front-door.js';
import { LaunchTemplate, type LaunchTemplateOptions } from '../instances/launch-template.js';
import type { InstanceEnvironment } from '../instances/shop-instance.js';
import { LoadBalancer } from '../load-balancer/load-balancer.js';
import { AutoScalingController, type InstanceView } from '../scaling/auto-scaling-controller.js';
import { controllerTimings, type ControllerTimings } from '../scaling/controller-timings.js';
import { runShopCli } from '../shop-cli.js';
import { RegionDatabase, type RegionDatabaseStatus } from './region-database.js';
import type { RegionPorts } from './region-ports.js';
import { regionSettings } from './region-settings.js';

/** Region b as the status page shows it. */
export interface RecoveryRegionStatus {
  frontDoor: { url: string; mode: FrontDoorMode; lastCheck?: { at: string; ok: boolean; detail: string } | undefined };
  loadBalancer: { url: string; statsUrl: string };
  instances: InstanceView[];
  desired: number;
  database: RegionDatabaseStatus;
}

export interface RecoveryRegionOptions {
  /** Region b's own state folder (`.twin/regions/b`). */
  root: string;
  /** Region a's paths: the media folder (EFS), the SPA bucket, the releases and the login file are shared with it. */
  primaryPaths: TwinPaths;
  ports: Omit<RegionPorts, 'globalFrontDoor'>;
  /** Region a's launch template options: region b's instances run the same service with region b's database. */
  launch: LaunchTemplateOptions;
  /** The release region a's instances run now: region b runs the same one. */
  release: () => string;
  /** Region a's migrator URL (its password included), for the shop CLI's export. */
  regionAMigratorUrl: () => string;
  /** Every database host of region a, for region b's primary_conninfo. */
  upstreamPorts: () => number[];
  controller?: Partial<ControllerTimings> | undefined;
  frontDoor?: { intervalSeconds?: number; failureThreshold?: number } | undefined;
  events: EventLog;
  logger: Logger;
}

/**
 * Region b, the recovery region: its PostgreSQL copy, its own load balancer and front door (the
 * same HAProxy rendering and FrontDoor as region a's), an Auto Scaling group at the recovery
 * minimum, and its own export of the static backup site. What it shares with region a stands for
 * what AWS replicates across regions: the media folder (S3 cross-region replication, here with no
 * lag), the SPA bucket, the releases (one artifact deployed to both), the database login (a
 * replicated secret), the payment and sign-in providers (services outside both regions). Region b
 * has no cache tier (ElastiCache Global Datastore is not modelled) and no broker: its instances
 * read PostgreSQL and leave their events in the outbox.
 */
export class RecoveryRegion {
  readonly paths: TwinPaths;
  readonly database: RegionDatabase;
  readonly loadBalancer: LoadBalancer;
  readonly frontDoor: FrontDoor;
  readonly controller: AutoScalingController;
  private readonly template: LaunchTemplate;

  private constructor(
    private readonly options: RecoveryRegionOptions,
    internalPorts: { buckets: number; trafficLog: number },
  ) {
    const { primaryPaths, ports } = options;
    const own = twinPaths(options.root);
    this.paths = {
      ...own,
      s3Media: primaryPaths.s3Media,
      s3Spa: primaryPaths.s3Spa,
      releases: primaryPaths.releases,
      secrets: primaryPaths.secrets,
      shop: { ...own.shop, secrets: primaryPaths.shop.secrets },
    };
    const events = new RegionEvents(options.events, options.logger, primaryPaths.events, 'b');
    this.database = new RegionDatabase({
      root: this.paths.db.root,
      port: ports.database,
      upstreamPorts: options.upstreamPorts,
      pgBin: twinEnvironment().pgBin,
      owner: postgresOwner(),
      logsDir: this.paths.logs,
    });
    this.loadBalancer = new LoadBalancer({
      paths: this.paths,
      ports: { listen: ports.loadBalancer, stats: ports.haproxyStats, trafficLog: internalPorts.trafficLog },
      frontDoor: { port: ports.frontDoor, bucketsPort: internalPorts.buckets },
    });
    const loadBalancer = this.loadBalancer;
    this.frontDoor = new FrontDoor({
      port: ports.frontDoor,
      bucketsPort: internalPorts.buckets,
      switchOrigin: (inRotation) => loadBalancer.setFrontDoorOrigin(inRotation),
      loadBalancerUrl: loadBalancer.url,
      spaDir: this.paths.s3Spa,
      backupDir: this.paths.s3Backup,
      deepCheckPath: frontDoorFailover.deepCheckPath,
      intervalSeconds: options.frontDoor?.intervalSeconds ?? frontDoorFailover.intervalSeconds,
      failureThreshold: options.frontDoor?.failureThreshold ?? frontDoorFailover.failureThreshold,
      checkTimeoutMs: frontDoorSettings.checkTimeoutMs,
      events,
      logger: options.logger,
    });
    const database = this.database;
    this.template = new LaunchTemplate({
      ...options.launch,
      paths: this.paths,
      database: { ...database.appUrls, migratorUrl: () => database.migratorUrl(options.regionAMigratorUrl()) },
    });
    this.controller = new AutoScalingController({
      timings: controllerTimings({
        ...options.controller,
        minCapacity: regionSettings.standbyCapacity,
        desiredCapacity: regionSettings.standbyCapacity,
        maxCapacity: autoScaling.maxCapacity,
        // A stopped pool would hold another process on a machine already running two regions.
        warmPool: { minSize: 0, maxGroupPreparedCapacity: 0, reuseOnScaleIn: false },
      }),
      loadBalancer,
      events,
      logger: options.logger,
      launch: regionLaunch(this.template, options.release),
      firstPort: 0,
    });
  }

  static async create(options: RecoveryRegionOptions): Promise<RecoveryRegion> {
    return new RecoveryRegion(options, { buckets: await freePort(), trafficLog: await freePort() });
  }

  /**
   * Copies region a's primary (the first time), starts the copy and waits until it streams, then
   * the load balancer, the backup-site export and the fleet at its recovery minimum, then the
   * front door.
   */
  async start(primaryPort: () => Promise<number>, progress: (message: string) => void, signal: AbortSignal): Promise<void> {
    const { database } = this;
    if (!database.created) {
      const port = await primaryPort();
      progress(`copying region a's primary (port ${port}) with pg_basebackup`);
      await database.create(port, signal);
    }
    await database.start(signal);
    if (database.isStandby) await database.streaming(signal);
    const status = await database.status();
    progress(
      status.role === 'standby'
        ? `PostgreSQL copy on port ${database.port} streams asynchronously from region a's primary (port ${status.streamingFrom})`
        : `PostgreSQL on port ${database.port} is a primary (region b was promoted)`,
    );
    await this.loadBalancer.start();
    this.controller.start();
    await Promise.all([this.controller.inService(regionSettings.standbyCapacity), this.exportBackupSite(signal)]);
    await this.frontDoor.start();
    progress(
      `front door ${this.frontDoor.url}, load balancer ${this.loadBalancer.url}, ${regionSettings.standbyCapacity} instance in service; backup site in ${this.paths.s3Backup}`,
    );
  }

  /** Front door, instances (drained), load balancer, database: whichever have started. */
  async stop(): Promise<void> {
    await this.frontDoor.stop();
    await this.controller.stop();
    await this.loadBalancer.stop();
    await this.database.stop();
  }

  pids(): number[] {
    return [this.database.server.pid, this.loadBalancer.pid, ...this.controller.pids()].filter((pid): pid is number => pid !== undefined);
  }

  /** The runbook's "scale it up": the group's minimum and desired capacity become the primary region's. */
  scaleUp(): { desired: number; min: number } {
    const scaled = { desired: autoScaling.desiredCapacity, min: autoScaling.minCapacity };
    this.controller.schedule({ at: Date.now(), ...scaled });
    return scaled;
  }

  async status(): Promise<RecoveryRegionStatus> {
    return {
      frontDoor: { url: this.frontDoor.url, mode: this.frontDoor.mode, lastCheck: this.frontDoor.lastCheck },
      loadBalancer: { url: this.loadBalancer.url, statsUrl: this.loadBalancer.statsUrl },
      instances: this.controller.list(),
      desired: this.controller.desiredCapacity,
      database: await this.database.status(),
    };
  }

  /** Region b's own copy of the static backup site, exported from its database (read-only work, so a standby serves it). */
  private async exportBackupSite(signal: AbortSignal): Promise<void> {
    const logFile = path.join(this.paths.logs, 'shop-export-static.log');
    const code = await runShopCli(['export-static', '--out', this.paths.s3Backup], this.template.cli({ logLevel: 'warn' }, this.options.release()), logFile, signal);
    if (code !== 0) throw new Error(`region b's backup-site export failed: see ${logFile}`);
  }
}

/**
 * What region b's Auto Scaling group launches: region a's release (one artifact, both regions),
 * with region b's environment. Its instances name themselves `b-<id>` (INSTANCE_ID, so
 * `x-served-by` tells the regions apart) and get no cache or broker endpoint. A deploy goes through region a.
 */
function regionLaunch(template: LaunchTemplate, release: () => string): InstanceEnvironment & { readonly release: string; newRelease(): Promise<string> } {
  return {
    get release() {
      return release();
    },
    newRelease: () => Promise.reject(new Error("region b runs region a's release: deploy region a")),
    logsDir: template.logsDir,
    owner: template.owner,
    environment(instance) {
      const environment: Record<string, string> = { ...template.environment(instance), INSTANCE_ID: `b-${instance.id}` };
      // Region b has neither a cache tier nor a broker of its own: its instances read PostgreSQL,
      // and their order events wait in the outbox (replicated with the database).
      delete environment.CACHE_URL;
      delete environment.CACHE_PASSWORD;
      delete environment.EVENT_BROKER_URL;
      return environment;
    },
  };
}

/** Region b's events go to the twin's one log, each saying it is region b's. */
class RegionEvents extends EventLog {
  constructor(
    private readonly twinEvents: EventLog,
    logger: Logger,
    file: string,
    private readonly region: string,
  ) {
    super(logger, file);
  }

  override emit(kind: string, reason: string, details: Record<string, unknown> = {}) {
    return this.twinEvents.emit(kind, `region ${this.region}: ${reason}`, { ...details, region: this.region });
  }

  override recent() {
    return this.twinEvents.recent();
  }
}
