import { freePort } from '@evermall/testkit';
import { targetHealthCheck, type Zone } from '@evermall/topology';
import type { Logger } from 'pino';
import { isPortFree } from '../config/ports.js';
import type { EventLog } from '../events.js';
import { ShopInstance, type InstanceEnvironment } from '../instances/shop-instance.js';
import { AnomalyMitigation } from '../load-balancer/anomaly-mitigation.js';
import type { LoadBalancer, SlotHealth } from '../load-balancer/load-balancer.js';
import { sleep, waitFor } from '../processes.js';
import type { ControllerTimings } from './controller-timings.js';
import { countByZone, instanceToTerminate, refreshBatch, targetTrackingCapacity, zoneForLaunch } from './placement.js';
import { dueActions, validateAction, type ScheduledAction } from './scheduled-actions.js';
import { returnsToPool, warmInstanceFor, warmPoolSize } from './warm-pool.js';

/**
 * How long an instance taken out by its failed requests (AnomalyMitigation) is left to its health
 * checks before the controller treats it as unhealthy and replaces it: `rise` passing checks at the
 * check interval, plus one check's timeout. Mitigation only shifts traffic, as the ALB's does; an
 * Auto Scaling group replaces an instance on its health checks alone. An instance that answered
 * 503s while the database failed over passes its checks again and stays; a hung one does not.
 */
const MITIGATION_RECHECK_MS = (targetHealthCheck.healthyThreshold * targetHealthCheck.intervalSeconds + targetHealthCheck.timeoutSeconds) * 1000;

export interface AutoScalingControllerOptions {
  timings: ControllerTimings;
  loadBalancer: LoadBalancer;
  events: EventLog;
  logger: Logger;
  /** The launch template: the release new instances run, and a new release for each deploy. */
  launch: InstanceEnvironment & { readonly release: string; newRelease(inUse: Iterable<string>): Promise<string> };
  /** First instance port; 0 = any free port. */
  firstPort: number;
}

export interface InstanceView {
  id: string;
  zone: Zone;
  port: number;
  pid: number | undefined;
  state: ShopInstance['state'];
  healthy: boolean;
  /** Percent of the instance's vCPUs over the CPU window. */
  cpuPercent: number | null;
  /** The vCPUs the instance has (its CPU quota; 1 = a whole CPU of the machine, no quota). */
  vcpu: number;
  generation: number;
  /** HAProxy's view of the slot (UP, DOWN, DRAIN, ...). */
  loadBalancerStatus: string;
  /** A gray failure injected on it: frozen process (`hung`) or starved of CPU (`starved`). */
  fault?: 'hung' | 'starved';
}

/** The warm pool as DescribeWarmPool shows it: its settings, the size it keeps now, its instances. */
export interface WarmPoolView {
  minSize: number;
  maxGroupPreparedCapacity: number | null;
  reuseOnScaleIn: boolean;
  /** The instances it keeps at the present desired capacity. */
  size: number;
  instances: InstanceView[];
}

/**
 * The Auto Scaling group stand-in. Every tick it reads target health from HAProxy and CPU
 * from /proc, then: replaces instances that exited or failed the target check (after the
 * grace period), runs the scheduled actions that are due, tracks the CPU target (warmup,
 * scale-in cooldown), keeps desired capacity spread evenly over zones, and drains an instance
 * in HAProxy before it gets SIGTERM. A scale-out takes a stopped instance of the warm pool
 * first and launches cold only when the pool has none; the pool is refilled in the background
 * and takes scaled-in instances back. Every action is an event with a reason.
 */
export class AutoScalingController {
  private readonly instances = new Map<string, ShopInstance>();
  private readonly slotStatus = new Map<string, string>();
  private readonly blockedZones = new Set<Zone>();
  private readonly drains = new Map<string, Promise<void>>();
  /** Instances being drained on their way back to the warm pool (ReuseOnScaleIn). */
  private readonly returning = new Set<string>();
  private scheduled: ScheduledAction[] = [];
  private scheduleSequence = 0;
  private desired: number;
  private lastScalingAt = 0;
  private sequence = 0;
  private generation = 1;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private refreshing = false;
  private stopped = false;
  private launchBlockedReported = false;
  private readonly anomalies = new AnomalyMitigation();
  /** When anomaly mitigation took each instance out of the rotation; cleared once it is healthy again. */
  private readonly mitigatedAt = new Map<string, number>();

  constructor(private readonly options: AutoScalingControllerOptions) {
    this.desired = options.timings.desiredCapacity;
  }

  get timings(): ControllerTimings {
    return this.options.timings;
  }

  get desiredCapacity(): number {
    return this.desired;
  }

  get blocked(): Zone[] {
    return [...this.blockedZones];
  }

  start(): void {
    this.options.events.emit(
      'desired-capacity',
      `Auto Scaling group starts with desired capacity ${this.desired} (min ${this.timings.minCapacity}, max ${this.timings.maxCapacity})`,
      { desired: this.desired },
    );
    const loop = async () => {
      if (this.stopped) return;
      await this.tick();
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.timings.tickMs);
    };
    void loop();
  }

  /** The group's instances, without those in the warm pool (see warmPool()). */
  list(): InstanceView[] {
    return [...this.instances.values()].filter((i) => !i.warm).map((i) => this.view(i));
  }

  warmPool(): WarmPoolView {
    const { warmPool, maxCapacity } = this.timings;
    return {
      minSize: warmPool.minSize,
      maxGroupPreparedCapacity: warmPool.maxGroupPreparedCapacity ?? null,
      reuseOnScaleIn: warmPool.reuseOnScaleIn,
      size: warmPoolSize(warmPool, this.desired, maxCapacity),
      instances: [...this.instances.values()].filter((i) => i.warm).map((i) => this.view(i)),
    };
  }

  /** Scheduled actions still to run, soonest first. */
  get scheduledActions(): ScheduledAction[] {
    return [...this.scheduled].sort((a, b) => a.at - b.at);
  }

  /**
   * Schedules a change of min, max and desired capacity (PutScheduledUpdateGroupAction). Throws
   * RangeError when min ≤ desired ≤ max would not hold once it runs.
   */
  schedule(action: Omit<ScheduledAction, 'name'>): ScheduledAction {
    try {
      validateAction(action, { min: this.timings.minCapacity, max: this.timings.maxCapacity });
    } catch (err) {
      throw new RangeError((err as Error).message);
    }
    const scheduled: ScheduledAction = { name: `scheduled-${++this.scheduleSequence}`, ...action };
    this.scheduled.push(scheduled);
    this.options.events.emit('scheduled-action-created', `${scheduled.name} at ${new Date(scheduled.at).toISOString()}: ${describeAction(scheduled)}`, {
      action: scheduled.name,
      at: new Date(scheduled.at).toISOString(),
    });
    return scheduled;
  }

  private view(i: ShopInstance): InstanceView {
    return {
      id: i.id,
      zone: i.zone,
      port: i.port,
      pid: i.pid,
      state: i.state,
      healthy: i.healthy,
      cpuPercent: roundOrNull(i.cpuPercent()),
      vcpu: i.vcpu,
      generation: i.generation,
      loadBalancerStatus: (i.slot && this.slotStatus.get(i.slot)) ?? 'unregistered',
      ...(i.fault ? { fault: i.fault } : {}),
    };
  }

  pids(): number[] {
    return [...this.instances.values()].flatMap((i) => i.pids());
  }

  /** Waits until `count` instances are in service and healthy. */
  async inService(count = this.desired, timeoutMs = 120_000): Promise<InstanceView[]> {
    return waitFor(
      `${count} healthy instances`,
      () => {
        const ok = this.list().filter((i) => i.state === 'in-service' && i.healthy);
        return ok.length >= count ? ok : undefined;
      },
      timeoutMs,
      250,
    );
  }

  /** Changes the target tracking policy's target (like put-scaling-policy on the group). */
  setCpuTarget(percent: number): void {
    if (!(percent > 0 && percent <= 100)) throw new RangeError('the CPU target must be a percentage above 0');
    const before = this.options.timings.cpuTargetPercent;
    this.options.timings.cpuTargetPercent = percent;
    this.options.events.emit('scaling-policy', `CPU target ${before}% → ${percent}%`, { from: before, to: percent });
  }

  setDesired(n: number, reason: string): void {
    const { minCapacity, maxCapacity } = this.timings;
    if (!Number.isInteger(n) || n < minCapacity || n > maxCapacity) {
      throw new RangeError(`desired capacity must be a whole number from ${minCapacity} to ${maxCapacity} (the group's min and max)`);
    }
    const before = this.desired;
    this.desired = n;
    this.lastScalingAt = Date.now();
    this.options.events.emit('desired-capacity', `${reason}: desired capacity ${before} → ${n}`, { from: before, to: n });
  }

  blockZone(zone: Zone, reason: string): void {
    this.blockedZones.add(zone);
    this.options.events.emit('zone-blocked', `${reason}: no launches in zone ${zone} until restore`, { zone });
  }

  unblockZones(reason: string): Zone[] {
    const was = [...this.blockedZones];
    this.blockedZones.clear();
    this.launchBlockedReported = false;
    if (was.length > 0) this.options.events.emit('zone-unblocked', `${reason}: launches allowed again in zone ${was.join(', ')}`, { zones: was });
    return was;
  }

  /** SIGKILLs instances (a crashed host); the next ticks notice and replace them. */
  kill(ids: string[], reason: string): InstanceView[] {
    const killed = this.list().filter((i) => ids.includes(i.id));
    for (const id of ids) {
      const inst = this.instances.get(id);
      if (!inst) continue;
      inst.kill('SIGKILL');
      this.options.events.emit('instance-killed', `${reason}: ${id} (zone ${inst.zone}) got SIGKILL`, { instance: id, zone: inst.zone });
    }
    return killed;
  }

  /** Freezes instances (SIGSTOP): alive, connections open, no answers. The target check fails and the instance is replaced. */
  hang(ids: string[], reason: string): InstanceView[] {
    const hung = this.list().filter((i) => ids.includes(i.id));
    for (const id of ids) {
      const inst = this.instances.get(id);
      if (!inst) continue;
      inst.hang();
      this.options.events.emit('instance-hung', `${reason}: ${id} (zone ${inst.zone}) frozen with SIGSTOP; its connections stay open`, { instance: id, zone: inst.zone });
    }
    return hung;
  }

  /** Cuts instances' CPU to `vcpu`; throws when this machine gives no CPU quota. */
  starve(ids: string[], vcpu: number, reason: string): InstanceView[] {
    const starved = this.list().filter((i) => ids.includes(i.id));
    for (const id of ids) {
      const inst = this.instances.get(id);
      if (!inst) continue;
      if (!inst.starve(vcpu)) throw new Error(`cannot limit the CPU of ${id}: this machine gives the twin no CPU quota (cgroups need root)`);
      this.options.events.emit('instance-starved', `${reason}: ${id} (zone ${inst.zone}) limited to ${vcpu} vCPU`, { instance: id, zone: inst.zone, vcpu });
    }
    return starved;
  }

  /** Ends every instance fault still in place (a replaced instance took its fault with it). */
  heal(reason: string): string[] {
    const healed: string[] = [];
    for (const inst of this.instances.values()) {
      if (!inst.fault) continue;
      inst.heal();
      healed.push(inst.id);
      this.options.events.emit('instance-healed', `${reason}: ${inst.id} runs normally again`, { instance: inst.id, zone: inst.zone });
    }
    return healed;
  }

  stress(ids: string[], seconds: number): void {
    for (const id of ids) {
      const inst = this.instances.get(id);
      if (!inst) continue;
      inst.startStress(seconds);
      this.options.events.emit('cpu-stress', `busy loop on ${id} for ${seconds}s`, { instance: id, seconds });
    }
  }

  /**
   * Instance refresh: builds a new release (a new launch template version, as a new S3 asset
   * is on AWS), then replaces every instance of an older generation, launching the
   * replacements first (same zone) and draining the old ones once the new ones are healthy,
   * one zone-balanced batch at a time, so healthy capacity never drops below desired.
   */
  async deploy(): Promise<void> {
    if (this.refreshing) throw new Error('an instance refresh is already running');
    this.refreshing = true;
    let generation = this.generation + 1;
    try {
      const release = await this.options.launch.newRelease([...this.instances.values()].map((i) => i.release));
      generation = ++this.generation;
      this.options.events.emit(
        'deploy-started',
        `instance refresh to launch template version ${generation} running ${release} (min healthy ${this.timings.minHealthyPercentage}%)`,
        { generation, release },
      );
      for (;;) {
        if (this.stopped) return;
        const active = this.active();
        const old = active.filter((i) => i.generation < generation);
        if (old.length === 0) break;
        const batch = refreshBatch(old, active.length, this.timings.minHealthyPercentage);
        const fresh: ShopInstance[] = [];
        const staying = active.filter((i) => !batch.includes(i));
        for (const victim of batch) {
          // The zone with the fewest of the instances that stay: replacements also rebalance.
          const zone = zoneForLaunch([...staying, ...fresh], this.blockedZones);
          if (!zone) throw new Error('every zone is blocked; restore first');
          fresh.push(await this.launch(zone, `instance refresh: replacing ${victim.id}`));
        }
        await waitFor(
          'replacements to pass health checks',
          () => (fresh.every((f) => f.state === 'in-service') ? true : fresh.some((f) => !f.running) ? Promise.reject(new Error('a replacement exited')) : undefined),
          (this.timings.healthCheckGracePeriodSeconds + 60) * 1000,
          250,
        );
        await Promise.all(batch.map((v) => this.drainInstance(v, `instance refresh: ${v.id} replaced by ${fresh.map((f) => f.id).join(', ')}`)));
      }
      this.options.events.emit('deploy-finished', `instance refresh finished: every instance runs version ${generation}`, { generation });
    } catch (err) {
      this.options.events.emit('deploy-failed', `instance refresh stopped: ${(err as Error).message}`, { generation });
      throw err;
    } finally {
      this.refreshing = false;
    }
  }

  /** Stops the loop and every instance (draining in HAProxy first). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.ticking) await sleep(50);
    await Promise.all([...this.instances.values()].map((i) => this.drainInstance(i, 'twin stopping', { delaySeconds: 0 })));
    await Promise.all([...this.drains.values()]);
  }

  private active(): ShopInstance[] {
    return [...this.instances.values()].filter((i) => i.state === 'pending' || i.state === 'in-service');
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.readHealth();
      this.replaceFailed();
      this.runScheduledActions();
      this.trackCpuTarget();
      await this.reconcileCapacity();
      await this.maintainWarmPool();
    } catch (err) {
      this.options.logger.error({ err }, 'controller tick failed');
    } finally {
      this.ticking = false;
    }
  }

  private async readHealth(): Promise<void> {
    let health: Map<string, SlotHealth>;
    try {
      health = await this.options.loadBalancer.health();
    } catch {
      return; // HAProxy is restarting or stopping: keep the last view
    }
    await this.mitigateAnomalies(health);
    this.slotStatus.clear();
    for (const [slot, h] of health) this.slotStatus.set(slot, h.status);
    for (const inst of this.instances.values()) {
      if (inst.warm) continue; // off the load balancer; its CPU is not the group's
      const h = inst.slot ? health.get(inst.slot) : undefined;
      const wasHealthy = inst.healthy;
      inst.healthy = !!h?.up && inst.running;
      inst.sampleCpu();
      if (inst.state === 'pending' && inst.healthy) {
        inst.state = 'in-service';
        inst.inServiceAt = Date.now();
        this.options.events.emit('instance-in-service', `${inst.id} passed the target health check and takes traffic`, { instance: inst.id, zone: inst.zone });
      } else if (inst.state === 'in-service' && wasHealthy && !inst.healthy && inst.running) {
        this.options.events.emit('instance-unhealthy', `${inst.id} failed the target health check (HAProxy: ${h?.status ?? 'unknown'})`, { instance: inst.id, zone: inst.zone });
      }
    }
  }

  /**
   * Marks down the slots that failed more requests than they answered since the last tick (see
   * AnomalyMitigation), before the health checks would: the load balancer side of a gray failure.
   * Updates `health` to match, so this tick already counts them out.
   */
  private async mitigateAnomalies(health: Map<string, SlotHealth>): Promise<void> {
    const counters = new Map([...health].filter(([, h]) => h.up).map(([slot, h]) => [slot, h.counters] as const));
    for (const slot of this.anomalies.judge(counters)) {
      const inst = [...this.instances.values()].find((i) => i.slot === slot);
      try {
        await this.options.loadBalancer.markDown(slot);
      } catch {
        continue; // HAProxy is restarting or stopping; the health checks still decide.
      }
      const h = health.get(slot);
      if (h) health.set(slot, { ...h, status: 'DOWN', up: false });
      if (inst) {
        this.mitigatedAt.set(inst.id, Date.now());
        this.options.events.emit(
          'instance-failing-requests',
          `${inst.id} failed more requests than it answered (timeouts, refused connections); out of the load balancer's rotation until its checks pass`,
          {
            instance: inst.id,
            zone: inst.zone,
          },
        );
      }
    }
  }

  private replaceFailed(): void {
    const now = Date.now();
    const grace = this.timings.healthCheckGracePeriodSeconds * 1000;
    for (const inst of [...this.instances.values()]) {
      if (inst.state === 'draining' || inst.state === 'terminating') continue;
      if (!inst.running) {
        inst.state = 'terminating';
        this.options.events.emit('instance-exited', `${inst.id} (zone ${inst.zone}) ${inst.exitDescription}; it will be replaced`, { instance: inst.id, zone: inst.zone });
        void this.forget(inst);
        continue;
      }
      const pastGrace = now - inst.launchedAt > grace;
      if (pastGrace && inst.state === 'warmed:pending') {
        // The lifecycle hook's timeout, ABANDON: an instance that never answered its own check is not kept.
        this.options.events.emit(
          'instance-replace',
          `${inst.id} did not pass its own health check within ${this.timings.healthCheckGracePeriodSeconds}s in the warm pool; terminating it`,
          {
            instance: inst.id,
            zone: inst.zone,
          },
        );
        void this.drainInstance(inst, `${inst.id} never got ready`, { delaySeconds: 0 });
        continue;
      }
      if (inst.healthy) this.mitigatedAt.delete(inst.id);
      // Out by its failed requests only: its health checks decide, given the time to pass `rise` of them.
      if (!inst.healthy && now - (this.mitigatedAt.get(inst.id) ?? 0) < MITIGATION_RECHECK_MS) continue;
      if (pastGrace && !inst.healthy && (inst.state === 'in-service' || inst.state === 'pending')) {
        const why =
          inst.state === 'pending'
            ? `did not pass the target health check within the ${this.timings.healthCheckGracePeriodSeconds}s grace period`
            : 'is unhealthy in the load balancer';
        this.options.events.emit('instance-replace', `${inst.id} ${why}; terminating it`, { instance: inst.id, zone: inst.zone });
        void this.drainInstance(inst, `${inst.id} is unhealthy`, { delaySeconds: 0 });
      }
    }
  }

  /** Runs the scheduled actions that are due: the group's min and max first, then desired within them. */
  private runScheduledActions(): void {
    const { due, waiting } = dueActions(this.scheduled, Date.now());
    this.scheduled = waiting;
    for (const action of due) {
      const t = this.options.timings;
      t.minCapacity = action.min ?? t.minCapacity;
      t.maxCapacity = action.max ?? t.maxCapacity;
      // Another change since it was scheduled may have moved min or max: desired stays within them.
      const desired = Math.min(t.maxCapacity, Math.max(t.minCapacity, action.desired));
      this.options.events.emit('scheduled-action', `${action.name} runs: ${describeAction(action)}`, { action: action.name });
      this.setDesired(desired, `scheduled action ${action.name} (min ${t.minCapacity}, max ${t.maxCapacity})`);
    }
  }

  private trackCpuTarget(): void {
    const now = Date.now();
    const warmedUp = (i: ShopInstance) => now - i.launchedAt >= this.timings.instanceWarmupSeconds * 1000;
    const active = this.active();
    const warmingUp = active.filter((i) => i.state === 'pending' || !warmedUp(i));
    const eligible = active.filter((i) => i.state === 'in-service' && warmedUp(i));
    const readings = eligible.map((i) => i.cpuPercent()).filter((p): p is number => p !== undefined);
    if (readings.length === 0 || warmingUp.length > 0 || this.refreshing) return;
    const average = readings.reduce((a, b) => a + b, 0) / readings.length;
    const { cpuTargetPercent, minCapacity, maxCapacity, scaleInCooldownSeconds, cpuWindowSeconds } = this.timings;
    const wanted = targetTrackingCapacity(active.length, average, cpuTargetPercent, minCapacity, maxCapacity);
    const why = `average CPU ${average.toFixed(0)}% over ${cpuWindowSeconds}s vs target ${cpuTargetPercent}%`;
    if (wanted > this.desired) {
      this.setDesired(wanted, `scale out: ${why}`);
    } else if (wanted < this.desired && now - this.lastScalingAt >= scaleInCooldownSeconds * 1000) {
      this.setDesired(wanted, `scale in: ${why}, cooldown ${scaleInCooldownSeconds}s passed`);
    }
  }

  private async reconcileCapacity(): Promise<void> {
    const active = this.active();
    if (active.length < this.desired) {
      for (let n = active.length; n < this.desired; n++) {
        const zone = zoneForLaunch(this.active(), this.blockedZones);
        if (!zone) {
          if (!this.launchBlockedReported) this.options.events.emit('launch-blocked', `cannot launch: every zone is failed (${this.blocked.join(', ')}); run restore`);
          this.launchBlockedReported = true;
          return;
        }
        const counts = countByZone(this.active());
        const reason = `capacity ${this.active().length} < desired ${this.desired}`;
        if (!(await this.takeFromWarmPool(reason))) await this.launch(zone, `${reason}; zone ${zone} has ${counts[zone]}; no warm instance to take`);
      }
    } else if (active.length === this.desired && !this.refreshing && active.every((i) => i.state === 'in-service')) {
      await this.rebalanceZones(active);
    } else if (active.length > this.desired && !this.refreshing && active.every((i) => i.state === 'in-service')) {
      // Wait for launches in flight: the surplus may be a rebalancing launch not yet healthy.
      for (let n = active.length; n > this.desired; n--) {
        const victim = instanceToTerminate(this.active());
        if (!victim) return;
        const reason = `capacity ${this.active().length} > desired ${this.desired}; ${victim.id} is the oldest in the fullest zone`;
        const pooled = [...this.instances.values()].filter((i) => i.warm).length + this.returning.size;
        const toWarmPool = returnsToPool(this.timings.warmPool, victim, this.generation, pooled, warmPoolSize(this.timings.warmPool, this.desired, this.timings.maxCapacity));
        if (toWarmPool) this.returning.add(victim.id);
        void this.drainInstance(victim, reason, { toWarmPool });
      }
    }
  }

  /**
   * Availability Zone rebalancing: when zones differ by more than one instance (after a zone
   * came back), launch in the emptiest zone first; the surplus is then drained from the
   * fullest zone (EC2 Auto Scaling User Guide, "Rebalancing activities").
   */
  private async rebalanceZones(active: ShopInstance[]): Promise<void> {
    const counts = countByZone(active);
    const open = (Object.keys(counts) as Zone[]).filter((z) => !this.blockedZones.has(z));
    if (open.length < 2) return;
    const values = open.map((z) => counts[z]);
    if (Math.max(...values) - Math.min(...values) <= 1) return;
    const zone = zoneForLaunch(active, this.blockedZones);
    if (zone) await this.launch(zone, `rebalancing zones (${open.map((z) => `${z}: ${counts[z]}`).join(', ')})`);
  }

  private async launch(zone: Zone, reason: string, options: { warm?: boolean } = {}): Promise<ShopInstance> {
    const id = `i-${++this.sequence}${zone}`;
    const port = await this.nextPort();
    const warm = options.warm ?? false;
    const inst = ShopInstance.launch(
      { id, zone, port, generation: this.generation, release: this.options.launch.release, cpuWindowSeconds: this.timings.cpuWindowSeconds, warm },
      this.options.launch,
    );
    this.instances.set(id, inst);
    this.options.events.emit('instance-launch', `launch ${id} in zone ${zone} on port ${port}${warm ? ' into the warm pool' : ''}: ${reason}`, { instance: id, zone, port, warm });
    // An instance entering the warm pool stays off the load balancer until a scale-out takes it.
    if (warm) return inst;
    await this.register(inst);
    return inst;
  }

  private async register(inst: ShopInstance): Promise<void> {
    const id = inst.id;
    const port = inst.port;
    try {
      inst.slot = await this.options.loadBalancer.register(port);
    } catch (err) {
      this.options.logger.error({ err, instance: id }, 'could not register the instance in HAProxy');
    }
  }

  /**
   * A scale-out served by the warm pool: a stopped instance of the current version is resumed and
   * registered; it then passes the target health check like any new target. Undefined when the pool
   * has none to give.
   */
  private async takeFromWarmPool(reason: string): Promise<ShopInstance | undefined> {
    const stopped = [...this.instances.values()].filter((i) => i.state === 'warmed:stopped');
    const inst = warmInstanceFor(stopped, this.active(), this.blockedZones, this.generation);
    if (!inst) return undefined;
    inst.resumeFromWarmPool();
    this.options.events.emit('instance-from-warm-pool', `${reason}: ${inst.id} (zone ${inst.zone}) leaves the warm pool, resumed and registered`, {
      instance: inst.id,
      zone: inst.zone,
    });
    await this.register(inst);
    return inst;
  }

  /**
   * Keeps the warm pool at its size, one launch at a time and only while the group itself has no
   * launch in flight: on one machine a booting instance takes CPU from the ones serving, which AWS's
   * separate hosts do not. An instance booting into the pool is stopped once it answers its own
   * health check; instances of an older launch template version and any surplus are terminated.
   */
  private async maintainWarmPool(): Promise<void> {
    if (this.stopped) return;
    const pool = [...this.instances.values()].filter((i) => i.warm);
    for (const inst of pool.filter((i) => i.state === 'warmed:pending')) {
      if (!(await inst.answersHealthCheck(this.timings.healthCheckPath, this.timings.tickMs))) continue;
      inst.stopWarm();
      this.options.events.emit('instance-warmed', `${inst.id} (zone ${inst.zone}) passed its own health check and is stopped in the warm pool`, {
        instance: inst.id,
        zone: inst.zone,
      });
    }
    const current = pool.filter((i) => i.generation === this.generation);
    for (const old of pool.filter((i) => i.generation !== this.generation)) {
      void this.drainInstance(old, `${old.id} in the warm pool runs an older launch template version`, { delaySeconds: 0 });
    }
    const size = warmPoolSize(this.timings.warmPool, this.desired, this.timings.maxCapacity);
    const surplus = Math.max(0, current.length - size);
    for (const extra of current.filter((i) => i.state === 'warmed:stopped').slice(0, surplus)) {
      void this.drainInstance(extra, `the warm pool keeps ${size} at desired capacity ${this.desired}`, { delaySeconds: 0 });
    }
    const active = this.active();
    const groupSettled = active.length >= this.desired && active.every((i) => i.state === 'in-service') && !this.refreshing;
    if (current.length + this.returning.size >= size || current.some((i) => i.state === 'warmed:pending') || !groupSettled) return;
    const zone = zoneForLaunch(current, this.blockedZones);
    if (zone) await this.launch(zone, `the warm pool has ${current.length} of ${size}`, { warm: true });
  }

  /**
   * Deregistration as the ALB does it: stop new requests (HAProxy "drain"), wait the
   * deregistration delay for requests in flight, then SIGTERM (the shop drains itself for
   * DRAIN_SECONDS and exits 0), SIGKILL past the bound, and free the slot.
   */
  drainInstance(inst: ShopInstance, reason: string, options: { delaySeconds?: number; toWarmPool?: boolean } = {}): Promise<void> {
    const running = this.drains.get(inst.id);
    if (running) return running;
    const drain = this.drainNow(inst, reason, options.delaySeconds ?? this.timings.deregistrationDelaySeconds, options.toWarmPool ?? false).finally(() => {
      this.drains.delete(inst.id);
      this.returning.delete(inst.id);
    });
    this.drains.set(inst.id, drain);
    return drain;
  }

  private async drainNow(inst: ShopInstance, reason: string, delay: number, toWarmPool: boolean): Promise<void> {
    inst.state = 'draining';
    if (inst.running) {
      this.options.events.emit('instance-draining', `${reason}; draining ${inst.id} in HAProxy for ${delay}s`, { instance: inst.id, zone: inst.zone });
      if (inst.slot) await this.options.loadBalancer.drain(inst.slot).catch(() => undefined);
      await sleep(delay * 1000);
      // ReuseOnScaleIn: deregistered and stopped rather than terminated, unless the twin is stopping.
      if (toWarmPool && !this.stopped && inst.running) {
        if (inst.slot) await this.options.loadBalancer.deregister(inst.slot).catch(() => undefined);
        inst.slot = undefined;
        inst.stopWarm();
        this.options.events.emit('instance-to-warm-pool', `${inst.id} drained and stopped in the warm pool (reuse on scale-in)`, { instance: inst.id, zone: inst.zone });
        return;
      }
      inst.state = 'terminating';
      this.options.events.emit('instance-terminating', `SIGTERM to ${inst.id} after draining`, { instance: inst.id, zone: inst.zone });
      inst.kill('SIGTERM');
      const bound = setTimeout(() => inst.kill('SIGKILL'), (this.timings.instanceDrainSeconds + this.timings.killAfterSeconds) * 1000);
      await inst.exit;
      clearTimeout(bound);
      this.options.events.emit('instance-terminated', `${inst.id} stopped (${inst.exitDescription})`, { instance: inst.id, zone: inst.zone });
    }
    inst.state = 'terminating';
    await this.forget(inst);
  }

  private async forget(inst: ShopInstance): Promise<void> {
    inst.stopStress();
    if (inst.slot) await this.options.loadBalancer.deregister(inst.slot).catch(() => undefined);
    inst.slot = undefined;
    this.instances.delete(inst.id);
  }

  private async nextPort(): Promise<number> {
    if (this.options.firstPort === 0) return freePort();
    const used = new Set([...this.instances.values()].map((i) => i.port));
    for (let port = this.options.firstPort; port < this.options.firstPort + 1000; port++) {
      if (!used.has(port) && (await isPortFree(port))) return port;
    }
    throw new Error(`no free instance port from ${this.options.firstPort}: pick another with --first-instance-port N`);
  }
}

function roundOrNull(n: number | undefined): number | null {
  return n === undefined ? null : Math.round(n);
}

function describeAction(a: ScheduledAction): string {
  return [`desired ${a.desired}`, a.min === undefined ? '' : `min ${a.min}`, a.max === undefined ? '' : `max ${a.max}`].filter(Boolean).join(', ');
}
