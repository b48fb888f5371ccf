import { zones, type Zone } from '@evermall/topology';
import { runBrokerCommand, type BrokerCommandName } from './broker/broker-commands.js';
import { MessageBrokerError, type MessageBroker } from './broker/message-broker.js';
import { CacheTierError, type CacheTier } from './cache/cache-tier.js';
import type { DatabaseCluster } from './database/database-cluster.js';
import type { EventLog } from './events.js';
import type { EventConsumers } from './functions/event-consumers.js';
import type { AutoScalingController } from './scaling/auto-scaling-controller.js';
import { ZonePartitionError, type ZonePartition } from './network/zone-partition.js';
import { RegionCommandError, type RegionFailover } from './regions/region-failover.js';
import { runRegionCommand, type RegionCommandName } from './regions/region-commands.js';
import { parseScheduleTime, ScheduleError } from './scaling/scheduled-actions.js';
import { commandNames, type CommandName, type CommandResult } from './status/status-types.js';

/** How long a CPU stress runs when no duration is given: long enough for a scale-out. */
const DEFAULT_STRESS_SECONDS = 120;
/**
 * The CPU a slowed instance keeps when none is given: a twentieth of a CPU, a tenth of its own
 * half. Its requests slow down several-fold and queue up, but it still answers a health check
 * now and then, which is what makes a slow host harder to spot than a dead one.
 */
const DEFAULT_SLOW_VCPU = 0.05;
/** How long kill-consumers waits for a batch in flight before it kills anyway: under load one is always under way. */
const DEFAULT_KILL_CONSUMERS_WAIT_SECONDS = 30;

export class CommandError extends Error {}

/**
 * The fault commands, against the parts of a running twin. Each says what it did; what the
 * system then does shows up as events (the CLI follows them).
 */
export class TwinCommands {
  constructor(
    private readonly parts: {
      controller: AutoScalingController;
      database: DatabaseCluster;
      cache: CacheTier;
      broker: MessageBroker;
      events: EventLog;
      /** The order notifier and sales feed's process; absent on a twin without a broker. */
      consumers?: EventConsumers | undefined;
      /** The silent split between the zones' networks (partition-zones; restore heals it). */
      partition: ZonePartition;
      /** The second region and the global front door; absent on a twin started without --regions 2. */
      regions?: RegionFailover | undefined;
      /** The front door's mode right now (restore follows it back to primary). */
      frontDoorMode: () => 'primary' | 'backup';
      /** Stops the whole twin (after the answer is sent). */
      down: () => void;
    },
  ) {}

  async run(name: string, args: Record<string, unknown>): Promise<CommandResult> {
    if (!(commandNames as readonly string[]).includes(name)) throw new CommandError(`unknown command "${name}"; one of: ${commandNames.join(', ')}`);
    switch (name as CommandName) {
      case 'kill-instance':
        return this.killInstance(optionalString(args.id, 'id'));
      case 'hang-instance':
        return this.hangInstance(optionalString(args.id, 'id'));
      case 'slow-instance':
        return this.slowInstance(optionalString(args.id, 'id'), args.vcpu === undefined ? DEFAULT_SLOW_VCPU : Number(args.vcpu));
      case 'fail-zone':
        return this.failZone(args.zone);
      case 'partition-zones':
        return this.partitionZones();
      case 'fail-db-primary':
        return this.failDbPrimary();
      case 'hang-db-primary':
        return this.hangDbPrimary();
      case 'fail-db-replica':
        return this.failDbReplica();
      case 'fail-cache-primary':
        return this.failCachePrimary();
      case 'fail-cache':
        return this.failCache();
      case 'restore-cache':
        return this.restoreCache();
      case 'fail-site':
        return this.failSite();
      case 'stress-cpu':
        return this.stressCpu(optionalString(args.id, 'id'), args.seconds === undefined ? DEFAULT_STRESS_SECONDS : Number(args.seconds));
      case 'scale':
        return this.scale(Number(args.desired));
      case 'schedule-scale':
        return this.scheduleScale(args);
      case 'restore':
        return this.restore();
      case 'deploy':
        return this.deploy();
      case 'rotate-db-password':
        return this.rotateDbPassword();
      case 'kill-consumers':
        return this.killConsumers(args.waitSeconds === undefined ? DEFAULT_KILL_CONSUMERS_WAIT_SECONDS : Number(args.waitSeconds));
      case 'fail-region':
      case 'promote-region':
      case 'restore-region':
        return this.regionCommand(name as RegionCommandName, args.region);
      case 'fail-broker-node':
      case 'fail-broker':
      case 'restore-broker':
        return this.brokerCommand(name as BrokerCommandName, args.node);
      case 'down':
        setImmediate(() => this.parts.down());
        return { ok: true, message: 'Stopping the twin: front door, instances (drained), payment provider, sign-in providers, cache, HAProxy, database, status page.' };
    }
  }

  private killInstance(id: string | undefined): CommandResult {
    const { controller } = this.parts;
    const candidates = controller.list().filter((i) => i.state === 'in-service' || i.state === 'pending');
    const target = id ? candidates.find((i) => i.id === id) : candidates[Math.floor(Math.random() * candidates.length)];
    if (!target) throw new CommandError(id ? `no running instance "${id}"; see npm run twin -- status` : 'no running instance to kill');
    controller.kill([target.id], 'kill-instance');
    return {
      ok: true,
      message: `Killed ${target.id} (zone ${target.zone}, port ${target.port}) with SIGKILL. HAProxy marks it down on the next failed connection or check; the controller launches a replacement.`,
      killed: target.id,
      expect: ['instance-in-service'],
    };
  }

  /** The in-service instance named `id`, or a random one. */
  private pickInService(id: string | undefined, command: string) {
    const inService = this.parts.controller.list().filter((i) => i.state === 'in-service' && !i.fault);
    const target = id ? inService.find((i) => i.id === id) : inService[Math.floor(Math.random() * inService.length)];
    if (!target) throw new CommandError(id ? `no in-service instance "${id}" without a fault; see npm run twin -- status` : `no in-service instance for ${command}`);
    return target;
  }

  private hangInstance(id: string | undefined): CommandResult {
    const target = this.pickInService(id, 'hang-instance');
    this.parts.controller.hang([target.id], 'hang-instance');
    return {
      ok: true,
      message:
        `Froze ${target.id} (zone ${target.zone}, port ${target.port}) with SIGSTOP: it keeps its connections and answers nothing. ` +
        `HAProxy abandons its requests after the read or write timeout and retries the safe and keyed ones elsewhere; the failed requests trigger an immediate recheck that marks it down, and the controller replaces it.`,
      hung: target.id,
      expect: ['instance-replace'],
    };
  }

  private slowInstance(id: string | undefined, vcpu: number): CommandResult {
    if (!Number.isFinite(vcpu) || vcpu <= 0 || vcpu > 1) throw new CommandError('slow-instance vcpu must be a number of CPUs above 0 and at most 1');
    const target = this.pickInService(id, 'slow-instance');
    try {
      this.parts.controller.starve([target.id], vcpu, 'slow-instance');
    } catch (err) {
      throw new CommandError((err as Error).message);
    }
    return {
      ok: true,
      message:
        `Limited ${target.id} (zone ${target.zone}, port ${target.port}) to ${vcpu} vCPU: its requests queue up. Those that outlast the load balancer's timeouts are retried elsewhere and count against it; ` +
        `if its health check fails too it is replaced. restore gives it its CPUs back.`,
      slowed: target.id,
      vcpu,
      expect: [],
    };
  }

  private async failZone(zone: unknown): Promise<CommandResult> {
    if (typeof zone !== 'string' || !(zones as readonly string[]).includes(zone)) throw new CommandError(`fail-zone needs a zone: ${zones.join(' or ')}`);
    const z = zone as Zone;
    const { controller, database, cache } = this.parts;
    controller.blockZone(z, `fail-zone ${z}`);
    const instances = controller
      .list()
      .filter((i) => i.zone === z && (i.state === 'in-service' || i.state === 'pending'))
      .map((i) => i.id);
    controller.kill(instances, `fail-zone ${z}`);
    const nodes = database.specs.filter((s) => s.zone === z).map((s) => s.name);
    for (const n of nodes) await database.kill(n, `fail-zone ${z}`);
    // Each cache node sits in the zone of its name; the Sentinels and the endpoint are the regional control plane.
    const cacheNodes = await cache.failNodes([z], `fail-zone ${z}`);
    return {
      ok: true,
      message: `Zone ${z} is down: killed instances [${instances.join(', ')}], database nodes [${nodes.join(', ')}] and cache node ${z}; no launches in zone ${z} until restore. The monitor and the Sentinels stay up.`,
      instances,
      dbNodes: nodes,
      cacheNodes,
      expect: ['instance-in-service', 'db-primary-changed'],
    };
  }

  private partitionZones(): CommandResult {
    let split;
    try {
      split = this.parts.partition.start();
    } catch (err) {
      if (err instanceof ZonePartitionError) throw new CommandError(err.message);
      throw err;
    }
    this.parts.events.emit(
      'zones-partitioned',
      `partition-zones: zone a and zone b no longer reach each other (database ports a [${split.a.join(', ')}], b [${split.b.join(', ')}])`,
      { ports: split },
    );
    return {
      ok: true,
      message:
        `Split the network between the zones: zone a's instances and database nodes no longer reach zone b's database ports [${split.b.join(', ')}], and zone b's no longer reach zone a's [${split.a.join(', ')}]. ` +
        `Packets are dropped, not refused: only timeouts tell. The monitor, the load balancer and the front door reach both sides; restore heals the split.`,
      ports: split,
      expect: [],
    };
  }

  private async failDbPrimary(): Promise<CommandResult> {
    const { database } = this.parts;
    const primary = await database.primary();
    if (!primary) throw new CommandError('no database primary right now; wait for the failover in progress (npm run twin -- status)');
    await database.kill(primary.name, 'fail-db-primary');
    return {
      ok: true,
      message: `Killed the database primary, node ${primary.name} (zone ${primary.zone}, port ${primary.port}), with SIGKILL. pg_auto_failover promotes the synchronous standby; run restore to bring ${primary.name} back as a standby.`,
      killed: primary.name,
      expect: ['db-primary-changed'],
    };
  }

  private async hangDbPrimary(): Promise<CommandResult> {
    const { database } = this.parts;
    const primary = await database.primary();
    if (!primary) throw new CommandError('no database primary right now; wait for the failover in progress (npm run twin -- status)');
    database.hang(primary.name, 'hang-db-primary');
    return {
      ok: true,
      message: `Froze the database primary, node ${primary.name} (zone ${primary.zone}, port ${primary.port}), with SIGSTOP: alive, connections open, no answers. The monitor's checks time out and it promotes the synchronous standby; restore thaws ${primary.name}, which is then demoted.`,
      hung: primary.name,
      expect: ['db-primary-changed'],
    };
  }

  private async failDbReplica(): Promise<CommandResult> {
    const { database } = this.parts;
    const replica = database.specs.find((s) => s.candidatePriority === 0);
    if (!replica || !database.isRunning(replica.name)) throw new CommandError('no read replica is running');
    await database.kill(replica.name, 'fail-db-replica');
    return {
      ok: true,
      message: `Killed the read replica, node ${replica.name} (zone ${replica.zone}, port ${replica.port}), with SIGKILL. Catalog reads go to the writer until restore brings it back.`,
      killed: replica.name,
      expect: [],
    };
  }

  private async failCachePrimary(): Promise<CommandResult> {
    let killed;
    try {
      killed = await this.parts.cache.failPrimary('fail-cache-primary');
    } catch (err) {
      if (err instanceof CacheTierError) throw new CommandError(err.message);
      throw err;
    }
    return {
      ok: true,
      message: `Killed the cache primary, node ${killed.name} (zone ${killed.zone}, port ${killed.port}), with SIGKILL. The Sentinels promote the replica and the endpoint ${this.parts.cache.url} follows; node ${killed.name} comes back as its replica by itself.`,
      killed: killed.name,
      expect: ['cache-node-rejoined'],
    };
  }

  private async failCache(): Promise<CommandResult> {
    const { cache } = this.parts;
    const nodes = await cache.failNodes(['a', 'b'], 'fail-cache');
    return {
      ok: true,
      message: `The cache tier is down: nodes [${nodes.join(', ')}] got SIGKILL and stay down until restore-cache or restore. The Sentinels stay up; the endpoint ${cache.url} closes every connection (no node passes its check), and the shop answers from PostgreSQL.`,
      cacheNodes: nodes,
      expect: [],
    };
  }

  private async restoreCache(): Promise<CommandResult> {
    const nodes = await this.parts.cache.restore();
    return {
      ok: true,
      message: `Cache nodes started: [${nodes.join(', ')}] (the Sentinels' primary first, empty; the other as its replica).`,
      cacheNodes: nodes,
      expect: nodes.length > 0 ? ['cache-node-rejoined'] : [],
    };
  }

  private failSite(): CommandResult {
    const { controller } = this.parts;
    for (const z of zones) controller.blockZone(z, 'fail-site');
    const instances = controller
      .list()
      .filter((i) => i.state === 'in-service' || i.state === 'pending')
      .map((i) => i.id);
    controller.kill(instances, 'fail-site');
    return {
      ok: true,
      message: `Took down every instance [${instances.join(', ')}] and blocked launches in every zone. The front door's deep check fails and it switches to the static backup site; restore brings the site back.`,
      instances,
      expect: ['front-door-backup'],
    };
  }

  private stressCpu(id: string | undefined, seconds: number): CommandResult {
    if (!Number.isFinite(seconds) || seconds <= 0) throw new CommandError('stress-cpu seconds must be a positive number');
    const { controller } = this.parts;
    const inService = controller.list().filter((i) => i.state === 'in-service');
    const targets = id ? inService.filter((i) => i.id === id) : inService;
    if (targets.length === 0) throw new CommandError(id ? `no in-service instance "${id}"` : 'no in-service instance to stress');
    controller.stress(
      targets.map((t) => t.id),
      seconds,
    );
    const t = controller.timings;
    return {
      ok: true,
      message: `Burning one CPU on [${targets.map((x) => x.id).join(', ')}] for ${seconds}s. Target tracking (${t.cpuTargetPercent}% over ${t.cpuWindowSeconds}s) scales out; after the stress it scales in once the ${t.scaleInCooldownSeconds}s cooldown has passed, draining first.`,
      instances: targets.map((x) => x.id),
      expect: ['desired-capacity'],
    };
  }

  private scale(desired: number): CommandResult {
    const { controller } = this.parts;
    try {
      controller.setDesired(desired, 'scale command');
    } catch (err) {
      throw new CommandError((err as Error).message);
    }
    return {
      ok: true,
      message: `Desired capacity is now ${desired}; the controller launches or drains instances to match, spread over zones.`,
      desired,
      expect: ['instance-in-service', 'instance-terminated'],
    };
  }

  /** A scheduled action: at `at` (ISO or +seconds), set desired and optionally min and max. */
  private scheduleScale(args: Record<string, unknown>): CommandResult {
    const { controller } = this.parts;
    const optional = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : Number(v));
    const min = optional(args.min);
    const max = optional(args.max);
    let action;
    try {
      if (typeof args.at !== 'string' && typeof args.at !== 'number') throw new ScheduleError('schedule-scale needs --at: an ISO date-time or +seconds');
      const at = parseScheduleTime(String(args.at), Date.now());
      action = controller.schedule({ at, desired: Number(args.desired), ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) });
    } catch (err) {
      if (err instanceof ScheduleError || err instanceof RangeError) throw new CommandError(err.message);
      throw err;
    }
    const when = new Date(action.at).toISOString();
    return {
      ok: true,
      message: `Scheduled ${action.name} for ${when} (in ${Math.round((action.at - Date.now()) / 1000)} s): desired ${action.desired}${min === undefined ? '' : `, min ${min}`}${max === undefined ? '' : `, max ${max}`}. A scale-out then takes warm-pool instances first.`,
      action: action.name,
      at: when,
      expect: ['scheduled-action'],
    };
  }

  private async killConsumers(waitSeconds: number): Promise<CommandResult> {
    const { consumers } = this.parts;
    if (!consumers) throw new CommandError('this twin runs no event consumers (it has no broker)');
    if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new CommandError('kill-consumers waitSeconds must be a number of seconds, 0 or more');
    let killed;
    try {
      killed = await consumers.kill(waitSeconds * 1000);
    } catch (err) {
      throw new CommandError((err as Error).message);
    }
    const events = killed.inFlight.flatMap((b) => b.events);
    return {
      ok: true,
      message:
        `Killed the event consumers' process (pid ${killed.pid}) with SIGKILL, ${killed.inFlight.length ? `${killed.inFlight.length} batches in flight (${events.length} events)` : 'no batch in flight'}. ` +
        'The broker gives back every delivery it had not acknowledged; the process starts again by itself.',
      pid: killed.pid,
      inFlight: killed.inFlight,
      expect: ['consumers-running'],
    };
  }

  /** fail-region, promote-region, restore-region (regions/region-commands.ts). */
  private async regionCommand(name: RegionCommandName, region: unknown): Promise<CommandResult> {
    try {
      return await runRegionCommand(this.parts.regions, name, region);
    } catch (err) {
      if (err instanceof RegionCommandError) throw new CommandError(err.message);
      throw err;
    }
  }

  /** fail-broker-node, fail-broker, restore-broker (broker/broker-commands.ts). */
  private async brokerCommand(name: BrokerCommandName, node: unknown): Promise<CommandResult> {
    try {
      return await runBrokerCommand(this.parts.broker, name, node);
    } catch (err) {
      if (err instanceof MessageBrokerError) throw new CommandError(err.message);
      throw err;
    }
  }

  private async restore(): Promise<CommandResult> {
    // Once region a was lost, pg_auto_failover's own restore would start its old primary as one.
    if (this.parts.regions?.handlesRestore) return this.regionCommand('restore-region', 'a');
    const { controller, database, cache, partition } = this.parts;
    const partitionHealed = partition.heal();
    if (partitionHealed) this.parts.events.emit('zones-healed', 'restore: the zones reach each other again');
    const zonesBack = controller.unblockZones('restore');
    const healed = controller.heal('restore');
    const nodes = await database.restore();
    const cacheNodes = await cache.restore();
    const brokerNodes = await this.parts.broker.restore();
    return {
      ok: true,
      message: `Restored: ${partitionHealed ? 'the zones’ network joined again; ' : ''}launches allowed in ${zonesBack.length ? `zone ${zonesBack.join(', ')}` : 'every zone (none was blocked)'}; instances healed: [${healed.join(', ')}]; database nodes restarted: [${nodes.join(', ')}]; cache nodes started: [${cacheNodes.join(', ')}]; broker nodes started: [${brokerNodes.join(', ')}].`,
      zones: zonesBack,
      partitionHealed,
      instances: healed,
      dbNodes: nodes,
      cacheNodes,
      brokerNodes,
      // Follow until the last part is back: the front door if it failed over, else instances or DB nodes.
      expect:
        this.parts.frontDoorMode() === 'backup'
          ? ['front-door-primary']
          : zonesBack.length > 0
            ? ['instance-in-service']
            : nodes.length > 0
              ? ['db-node-rejoined']
              : cacheNodes.length > 0
                ? ['cache-node-rejoined']
                : brokerNodes.length > 0
                  ? ['broker-node-rejoined']
                  : [],
    };
  }

  private async rotateDbPassword(): Promise<CommandResult> {
    const { database } = this.parts;
    if (!(await database.primary())) throw new CommandError('no database primary right now; wait for the failover in progress (npm run twin -- status)');
    const { previous, current } = await database.rotateAppPassword();
    return {
      ok: true,
      message:
        `Rotated the app's database login the way Secrets Manager's alternating-users rotation does: ${current} has a new password and is now the secret's login; ` +
        `instances read it for every new connection. ${previous} keeps its password until the next rotation, so open connections go on working.`,
      previous,
      current,
      expect: [],
    };
  }

  private deploy(): CommandResult {
    const { controller, events } = this.parts;
    controller.deploy().catch((err: unknown) => events.emit('deploy-failed', `deploy failed: ${(err as Error).message}`));
    return {
      ok: true,
      message: `Instance refresh started: replacing every instance zone by zone, new ones first, never below ${controller.timings.minHealthyPercentage}% healthy.`,
      expect: ['deploy-finished', 'deploy-failed'],
    };
  }
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new CommandError(`${name} must be a string`);
  return value;
}
