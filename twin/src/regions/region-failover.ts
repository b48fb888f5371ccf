import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { postgresOwner } from '@evermall/testkit';
import { zones } from '@evermall/topology';
import type { Logger } from 'pino';
import postgres from 'postgres';
import type { CacheTier } from '../cache/cache-tier.js';
import { twinEnvironment } from '../config/environment.js';
import { frontDoorSettings } from '../config/twin-settings.js';
import type { TwinPaths } from '../config/paths.js';
import type { DatabaseCluster, DbNodeName } from '../database/database-cluster.js';
import type { EventLog } from '../events.js';
import type { FrontDoor } from '../front-door/front-door.js';
import type { LaunchTemplate, LaunchTemplateOptions } from '../instances/launch-template.js';
import type { LoadBalancer } from '../load-balancer/load-balancer.js';
import { signalGroup, waitFor } from '../processes.js';
import type { AutoScalingController } from '../scaling/auto-scaling-controller.js';
import type { ControllerTimings } from '../scaling/controller-timings.js';
import { FencedPrimary, type FencedPrimaryStatus } from './fenced-primary.js';
import { GlobalFrontDoor, type GlobalRecordStatus, type RegionName } from './global-front-door.js';
import { reconcileRegions, writeReconciliation, type RegionReconciliation } from './reconciliation.js';
import type { DatabasePromotion } from './region-database.js';
import type { RegionPorts } from './region-ports.js';
import { regionSettings } from './region-settings.js';
import { RecoveryRegion, type RecoveryRegionStatus } from './recovery-region.js';

/** What the runbook's promotion did and how long each step took. */
export interface RegionPromotion extends DatabasePromotion {
  /** Seconds from the command to region b's fleet answering `/readyz` (its writer out of recovery) and the records flipped. */
  totalSeconds: number;
  scaledTo: { desired: number; min: number };
}

/** The two regions as GET /api/status shows them (`regions`, only on a twin started with --regions 2). */
export interface RegionsStatus {
  /** The region whose database takes writes. */
  primaryRegion: RegionName;
  globalFrontDoor: { url: string; records: GlobalRecordStatus[] };
  a: { state: RegionAState; fencedPrimary: FencedPrimaryStatus | null };
  b: RecoveryRegionStatus;
  promotion: RegionPromotion | null;
  /** The staff lists `restore-region a` wrote, newest last. */
  reconciliations: string[];
}

/** serving: the primary region. failed: lost (fail-region). standby: back after a promotion, streaming from region b. */
export type RegionAState = 'serving' | 'failed' | 'standby';

/** What survives a restart of the twin: which region is primary, and what was done. */
interface RegionsState {
  primaryRegion: RegionName;
  regionA: RegionAState;
  /** The node that was region a's primary when the region was lost: the one to fence and reconcile. */
  lostPrimaryNode?: DbNodeName;
  promotion?: RegionPromotion;
  reconciliations: string[];
}

/** A region command that cannot run now; the message says what to do. */
export class RegionCommandError extends Error {}

/** Region a's parts, which the region commands take down and bring back. */
export interface PrimaryRegionParts {
  database: DatabaseCluster;
  controller: AutoScalingController;
  loadBalancer: LoadBalancer;
  frontDoor: FrontDoor;
  cache: CacheTier;
  launchTemplate: LaunchTemplate;
  launchOptions: LaunchTemplateOptions;
  frontDoorPort: number;
  loadBalancerPort: number;
}

export interface RegionFailoverOptions {
  paths: TwinPaths;
  ports: RegionPorts;
  regionA: PrimaryRegionParts;
  controller?: Partial<ControllerTimings> | undefined;
  frontDoor?: { intervalSeconds?: number; failureThreshold?: number } | undefined;
  events: EventLog;
  logger: Logger;
}

const stateFile = (paths: TwinPaths) => path.join(paths.root, 'regions', 'state.json');

function readState(paths: TwinPaths): RegionsState | undefined {
  const file = stateFile(paths);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RegionsState) : undefined;
}

/**
 * Refuses to start a twin from a state dir whose region b was promoted: region a's
 * pg_auto_failover nodes would start as the primary they last were, a second writer beside region
 * b's. Called on every start, with or without --regions.
 */
export function refuseRetiredRegion(paths: TwinPaths): void {
  const state = readState(paths);
  if (state?.primaryRegion === 'b') {
    throw new Error(
      `${paths.root} went through a region failover (region b promoted at ${state.promotion?.promotedAt ?? 'an unknown time'}): region a's database ` +
        'would come back as a second primary. Start over with --fresh.',
    );
  }
}

/**
 * The second region and the commands that move the shop to it, as infra's runbook does on AWS:
 * `fail-region a` loses region a whole, `promote-region b` promotes region b's copy, points its
 * fleet at it, scales it up and flips the global front door, `restore-region a` brings region a
 * back as the standby region after listing what it had that region b has not.
 */
export class RegionFailover {
  private fenced: FencedPrimary | undefined;
  private readonly state: RegionsState;

  private constructor(
    private readonly options: RegionFailoverOptions,
    readonly regionB: RecoveryRegion,
    readonly globalFrontDoor: GlobalFrontDoor,
  ) {
    this.state = readState(options.paths) ?? { primaryRegion: 'a', regionA: 'serving', reconciliations: [] };
  }

  static async create(options: RegionFailoverOptions): Promise<RegionFailover> {
    const { paths, ports, regionA } = options;
    const regionB = await RecoveryRegion.create({
      root: path.join(paths.root, 'regions', 'b'),
      primaryPaths: paths,
      ports,
      launch: regionA.launchOptions,
      release: () => regionA.launchTemplate.release,
      regionAMigratorUrl: () => regionA.database.migratorUrl(),
      upstreamPorts: () => regionA.database.specs.map((s) => s.port),
      controller: options.controller,
      frontDoor: options.frontDoor,
      events: options.events,
      logger: options.logger,
    });
    const globalFrontDoor = new GlobalFrontDoor({
      dir: path.join(paths.root, 'regions', 'global-front-door'),
      logsDir: paths.logs,
      port: ports.globalFrontDoor,
      regions: {
        a: { frontDoorPort: regionA.frontDoorPort, loadBalancerPort: regionA.loadBalancerPort },
        b: { frontDoorPort: ports.frontDoor, loadBalancerPort: ports.loadBalancer },
      },
      ...options.frontDoor,
    });
    return new RegionFailover(options, regionB, globalFrontDoor);
  }

  /** Region b (its copy streaming from region a's primary), then the global front door in front of both. */
  async start(progress: (component: string, message: string) => void, signal: AbortSignal): Promise<void> {
    // A start brings region a up whole (a promoted state dir never starts: refuseRetiredRegion).
    this.state.regionA = 'serving';
    this.save();
    const primaryPort = async () => {
      const primary = await this.options.regionA.database.primary();
      if (!primary) throw new Error("region a has no database primary to copy region b's database from");
      return primary.port;
    };
    await this.regionB.start(primaryPort, (m) => progress('region b', m), signal);
    await this.globalFrontDoor.start();
    progress('global', `front door ${this.globalFrontDoor.url}: region a's front door, region b's once it is healthy (Route 53 failover records)`);
  }

  /** The global front door, region a's fenced old primary, region b: whichever have started. */
  async stop(): Promise<void> {
    await this.globalFrontDoor.stop();
    await this.fenced?.stop();
    await this.regionB.stop();
  }

  pids(): number[] {
    return [this.globalFrontDoor.pid, this.fenced?.pid, ...this.regionB.pids()].filter((pid): pid is number => pid !== undefined);
  }

  /** True once region a has been lost: `restore` is then restore-region a, never pg_auto_failover's own. */
  get handlesRestore(): boolean {
    return this.state.regionA !== 'serving';
  }

  /**
   * Region a goes down whole, as in a regional outage: its load balancer (with its front door) and
   * database nodes get SIGKILL (nothing more is flushed or shipped to region b), the monitor and
   * the cache nodes too, every instance, and its Auto Scaling group launches nowhere.
   */
  async failRegion(region: string): Promise<{ message: string; lostPrimaryNode: DbNodeName }> {
    if (region !== 'a') throw new RegionCommandError('fail-region takes region a, the primary region: region b is the recovery region');
    if (this.state.regionA !== 'serving') throw new RegionCommandError(`region a is already ${this.state.regionA}; see npm run twin -- status`);
    const { database, controller, loadBalancer, frontDoor, cache } = this.options.regionA;
    const lostPrimaryNode = (await database.primary().catch(() => undefined))?.name ?? 'a';
    const reason = 'fail-region a';
    signalGroup(loadBalancer.pid, 'SIGKILL');
    for (const zone of zones) controller.blockZone(zone, reason);
    // The warm pool's stopped instances are in the region too.
    const instances = [...controller.list().filter((i) => i.state === 'in-service' || i.state === 'pending'), ...controller.warmPool().instances];
    controller.kill(
      instances.map((i) => i.id),
      reason,
    );
    await Promise.all([...database.specs.map((s) => database.kill(s.name, reason)), database.killMonitor(reason), cache.failNodes(['a', 'b'], reason), frontDoor.stop()]);
    this.state.regionA = 'failed';
    this.state.lostPrimaryNode = lostPrimaryNode;
    this.save();
    const message =
      `Region a is down: its load balancer and front door, database nodes [${database.specs.map((s) => s.name).join(', ')}] (the primary was ${lostPrimaryNode}), ` +
      `the monitor, the cache nodes and instances [${instances.map((i) => i.id).join(', ')}] got SIGKILL; no launches in region a. ` +
      'The global front door marks it unhealthy after its checks; promote-region b moves the shop to region b.';
    this.options.events.emit('region-failed', message, { region: 'a', lostPrimaryNode });
    return { message, lostPrimaryNode };
  }

  /**
   * The runbook: promote region b's copy (pg_promote), point the fleet at it (its writer URL names
   * region b's own database, which keeps its address through the promotion, so the step waits for
   * the fleet's `/readyz` to see a writer), scale the fleet up, and flip the global front door.
   */
  async promoteRegion(region: string): Promise<RegionPromotion> {
    if (region !== 'b') throw new RegionCommandError('promote-region takes region b, the recovery region');
    if (this.state.primaryRegion === 'b') throw new RegionCommandError('region b is already the primary region');
    if (this.state.regionA === 'serving') {
      throw new RegionCommandError('region a still serves: promoting region b now would make two writers. Run fail-region a first (the runbook promotes once region a is lost)');
    }
    const started = Date.now();
    const database = await this.regionB.database.promote();
    this.options.events.emit(
      'region-db-promoted',
      `region b's database takes writes (pg_promote took ${database.seconds.toFixed(1)} s); last commit replayed from region a ${database.lastReplayedCommitAt ?? 'none'}`,
      {
        region: 'b',
        ...database,
      },
    );
    await waitFor(
      "region b's fleet to reach a writer (/readyz through its load balancer)",
      async () => {
        const res = await fetch(new URL('/readyz', this.regionB.loadBalancer.url), { signal: AbortSignal.timeout(frontDoorSettings.checkTimeoutMs) }).catch(() => undefined);
        await res?.body?.cancel();
        return res?.status === 200 ? true : undefined;
      },
      regionSettings.stepTimeoutMs,
      regionSettings.pollMs,
    );
    const scaledTo = this.regionB.scaleUp();
    await this.globalFrontDoor.flipToRegionB();
    const promotion: RegionPromotion = { ...database, totalSeconds: (Date.now() - started) / 1000, scaledTo };
    this.state.primaryRegion = 'b';
    this.state.promotion = promotion;
    this.save();
    this.options.events.emit(
      'region-promoted',
      `region b is the primary region: database promoted, fleet scaling to ${scaledTo.desired}, global front door flipped (${promotion.totalSeconds.toFixed(1)} s)`,
      { region: 'b', totalSeconds: promotion.totalSeconds },
    );
    return promotion;
  }

  /**
   * Brings region a back. Never promoted past: as it was (pg_auto_failover restarts the monitor and
   * the nodes; region b's copy follows region a's primary again). After a promotion: as the
   * standby region. Its old primary is started read-only and its orders compared with region b's
   * (the staff's list), then rewound and made a standby of region b; its load balancer, front
   * door, cache and fleet come back, its fleet unable to write (no primary in region a), and the
   * global front door keeps it out.
   */
  async restoreRegion(region: string): Promise<{ message: string; reconciliation?: RegionReconciliation }> {
    if (region !== 'a') throw new RegionCommandError('restore-region takes region a: region b is never taken down');
    if (this.state.regionA === 'serving') return { message: 'Region a serves; nothing to restore.' };
    if (this.state.regionA === 'standby') return { message: 'Region a is already back as the standby region, streaming from region b.' };
    if (this.state.primaryRegion === 'a') {
      await this.restartRegionA();
      const message = 'Region a is back as it was: its monitor and database nodes (pg_auto_failover), cache, load balancer, front door and fleet; region b streams from it again.';
      this.state.regionA = 'serving';
      this.save();
      this.options.events.emit('region-restored', message, { region: 'a' });
      return { message };
    }
    const reconciliation = await this.fenceAndReconcile();
    await this.regionB.database.checkpoint();
    await this.fenced?.followRegionB(this.regionB.database.port);
    await this.restartRegionEdge();
    this.state.regionA = 'standby';
    this.save();
    const message =
      `Region a is back as the standby region: its old primary (node ${reconciliation.readFrom.node}) was read, rewound and streams from region b; ` +
      `its fleet is back without a writer and the global front door keeps it out. ${reconciliation.missing.length} orders acknowledged in region a are missing in region b, ` +
      `${reconciliation.changed.length} changed there after region b's copy: ${reconciliation.file}`;
    this.options.events.emit('region-restored', message, {
      region: 'a',
      missing: reconciliation.missing.length,
      changed: reconciliation.changed.length,
      file: reconciliation.file,
    });
    return { message, reconciliation };
  }

  /** Holds region b's replication off, so a write reaches region a only (tests, drills). */
  pauseReplication(): Promise<void> {
    return this.regionB.database.pauseReplication();
  }

  resumeReplication(): Promise<void> {
    return this.regionB.database.resumeReplication();
  }

  async status(): Promise<RegionsStatus> {
    return {
      primaryRegion: this.state.primaryRegion,
      globalFrontDoor: { url: this.globalFrontDoor.url, records: await this.globalFrontDoor.records() },
      a: { state: this.state.regionA, fencedPrimary: this.fenced ? await this.fenced.status() : null },
      b: await this.regionB.status(),
      promotion: this.state.promotion ?? null,
      reconciliations: [...this.state.reconciliations],
    };
  }

  /** Starts region a's old primary read-only and lists what it has that region b has not. */
  private async fenceAndReconcile(): Promise<RegionReconciliation> {
    const { paths } = this.options;
    const node = this.state.lostPrimaryNode ?? 'a';
    const spec = this.options.regionA.database.specs.find((s) => s.name === node);
    if (!spec) throw new Error(`region a has no database node ${node}`);
    this.fenced = new FencedPrimary({
      node,
      pgdata: paths.db.pgdata(node),
      port: spec.port,
      socketDir: paths.db.sockets,
      logsDir: paths.logs,
      pgBin: twinEnvironment().pgBin,
      owner: postgresOwner(),
    });
    await this.fenced.startReadOnly();
    const lastCommit = this.state.promotion?.lastReplayedCommitAt;
    const since = new Date(lastCommit ? Date.parse(lastCommit) - regionSettings.reconciliationMarginSeconds * 1000 : 0);
    const regionA = postgres(this.fenced.url, { max: 1, onnotice: () => undefined });
    const regionB = postgres(this.regionB.database.adminUrl, { max: 1, onnotice: () => undefined });
    try {
      const found = await reconcileRegions(regionA, regionB, since);
      const at = new Date().toISOString();
      const record = { at, readFrom: { node, port: spec.port }, ...found };
      const file = writeReconciliation(path.join(paths.root, 'regions'), record);
      this.state.reconciliations.push(file);
      return { ...record, file };
    } finally {
      await Promise.all([regionA.end({ timeout: 1 }), regionB.end({ timeout: 1 })]);
    }
  }

  /** Region a whole, as before the outage: the monitor and nodes through pg_auto_failover. */
  private async restartRegionA(): Promise<void> {
    await this.options.regionA.database.restore();
    await this.restartRegionEdge();
  }

  /** Region a's load balancer (and front door), cache and fleet. */
  private async restartRegionEdge(): Promise<void> {
    const { loadBalancer, frontDoor, cache, controller } = this.options.regionA;
    await loadBalancer.start();
    await cache.restore();
    controller.unblockZones('restore-region a');
    controller.heal('restore-region a');
    await frontDoor.start();
  }

  private save(): void {
    const file = stateFile(this.options.paths);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(this.state, null, 2)}\n`);
  }
}
