import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { serviceCommand } from '@evermall/shop/release';
import type { Zone } from '@evermall/topology';
import { isAlive, signalGroup, spawnPart, exited, type Owner } from '../processes.js';
import { instanceSettings } from '../config/twin-settings.js';
import { cpuSeconds, RollingCpu } from './cpu-meter.js';
import { CpuQuota } from './cpu-quota.js';

/**
 * The lifecycle states of EC2 Auto Scaling that the twin models. An instance of the warm pool is
 * `warmed:pending` while it boots and passes its own health check off the load balancer, then
 * `warmed:stopped` (EC2 Auto Scaling User Guide, "Warm pool instance lifecycle").
 */
export type InstanceState = 'warmed:pending' | 'warmed:stopped' | 'pending' | 'in-service' | 'draining' | 'terminating';

/** Who an instance is, as its environment names it (ZONE, INSTANCE_ID, PORT). */
export interface InstanceIdentity {
  id: string;
  zone: string;
  port: number;
}

/** How instances are launched (LaunchTemplate): as whom, with what environment, logging where. */
export interface InstanceEnvironment {
  /** Where each instance's stdout and stderr go (the service's logs directory). */
  logsDir: string;
  /** The shop's service user when the twin is root; undefined runs instances as ourselves. */
  owner: Owner | undefined;
  /** The service environment of one instance running `release`; nothing of the twin's own environment leaks in. */
  environment(instance: InstanceIdentity & { release: string }): Record<string, string>;
}

/**
 * An EC2 instance stand-in: one shop process with ZONE and INSTANCE_ID, plus whatever else runs
 * on that "host" (a CPU stress). Its CPU is the sum of them, as CloudWatch sees a whole VM,
 * as a percent of the host's vCPUs: `instanceSettings.vcpu`, enforced by a kernel CPU quota
 * (CpuQuota) where the machine allows one, else one whole CPU.
 */
export class ShopInstance {
  /** When it was launched, or when it left the warm pool: the grace period and the warmup count from it. */
  launchedAt = Date.now();
  state: InstanceState = 'pending';
  /** Passing the load balancer's target check. */
  healthy = false;
  /** A fault that leaves the process running: frozen (`hang`) or short of CPU (`starve`). */
  fault: 'hung' | 'starved' | undefined;
  inServiceAt: number | undefined;
  slot: string | undefined;
  private readonly stress = new Set<ChildProcess>();
  private readonly stressSeconds = new Map<number, number>();
  readonly cpu: RollingCpu;
  readonly exit: Promise<void>;
  private readonly quota: CpuQuota | undefined;

  private constructor(
    readonly id: string,
    readonly zone: Zone,
    readonly port: number,
    /** The launch template version: a deploy replaces every instance of an older one. */
    readonly generation: number,
    /** The release folder it runs (`<release>/runtime/node <release>/server.js`). */
    readonly release: string,
    readonly process: ChildProcess,
    private readonly logsDir: string,
    cpuWindowSeconds: number,
  ) {
    this.cpu = new RollingCpu(cpuWindowSeconds);
    this.exit = exited(process);
    const quota = CpuQuota.create(`${globalThis.process.pid}-${id}`, instanceSettings.vcpu);
    if (quota?.add(process.pid)) this.quota = quota;
    else quota?.remove();
    void this.exit.then(() => {
      this.stopStress();
      this.quota?.remove();
    });
  }

  /** The vCPUs this host has: its quota, or one whole CPU of the machine when no quota could be set. */
  get vcpu(): number {
    return this.quota?.vcpu ?? 1;
  }

  /** CPU over the rolling window as a percent of this host's vCPUs, like CPUUtilization. */
  cpuPercent(): number | undefined {
    const used = this.cpu.percent();
    return used === undefined ? undefined : used / this.vcpu;
  }

  /** Starts the release's own Node on its server bundle, as the systemd unit does on an EC2 instance. */
  static launch(
    spec: { id: string; zone: Zone; port: number; generation: number; release: string; cpuWindowSeconds: number; warm?: boolean },
    launch: InstanceEnvironment,
  ): ShopInstance {
    const [command, ...args] = serviceCommand(spec.release);
    const child = spawnPart(command, args, {
      cwd: spec.release,
      logFile: path.join(launch.logsDir, `instance-${spec.id}.log`),
      env: launch.environment({ id: spec.id, zone: spec.zone, port: spec.port, release: spec.release }),
      owner: launch.owner,
    });
    const instance = new ShopInstance(spec.id, spec.zone, spec.port, spec.generation, spec.release, child, launch.logsDir, spec.cpuWindowSeconds);
    if (spec.warm) instance.state = 'warmed:pending';
    return instance;
  }

  /** In the warm pool (booting there, or stopped): off the load balancer, not part of the group's capacity. */
  get warm(): boolean {
    return this.state === 'warmed:pending' || this.state === 'warmed:stopped';
  }

  /**
   * The instance's own /healthz, straight to its port and not through the load balancer: what the
   * bootstrap of an instance entering the warm pool checks before it completes its lifecycle hook.
   */
  async answersHealthCheck(path: string, timeoutMs: number): Promise<boolean> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.port}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  /**
   * Stops a warm instance, as the warm pool's Stopped state does: the process is frozen (SIGSTOP),
   * keeps its memory and its warmed-up runtime, and uses no CPU until a scale-out resumes it.
   */
  stopWarm(): void {
    signalGroup(this.process.pid, 'SIGSTOP');
    this.state = 'warmed:stopped';
    this.healthy = false;
  }

  /** Takes the instance out of the warm pool (SIGCONT): it is pending, to be registered with the load balancer. */
  resumeFromWarmPool(): void {
    if (this.state === 'warmed:stopped') signalGroup(this.process.pid, 'SIGCONT');
    this.state = 'pending';
    this.launchedAt = Date.now();
    this.healthy = false;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  get exitDescription(): string {
    return this.process.signalCode ? `killed by ${this.process.signalCode}` : `exit code ${this.process.exitCode}`;
  }

  pids(): number[] {
    return [this.process.pid, ...[...this.stress].map((s) => s.pid)].filter((p): p is number => typeof p === 'number' && isAlive(p));
  }

  /** Samples the CPU of the shop process and of every stress run on this "host" (the last reading of finished ones is kept). */
  sampleCpu(): number | undefined {
    for (const s of this.stress) if (s.pid && s.exitCode === null) this.stressSeconds.set(s.pid, cpuSeconds(s.pid));
    const shop = this.running && this.process.pid ? cpuSeconds(this.process.pid) : 0;
    let total = shop;
    for (const seconds of this.stressSeconds.values()) total += seconds;
    this.cpu.sample(total);
    return this.cpuPercent();
  }

  /** Burns one CPU on this "host" for `seconds`, as `stress --cpu 1` on an EC2 instance would. */
  startStress(seconds: number): void {
    const child = spawnPart(process.execPath, ['-e', `const end = Date.now() + ${Math.round(seconds * 1000)}; while (Date.now() < end) {}`], {
      logFile: path.join(this.logsDir, `stress-${this.id}.log`),
    });
    this.stress.add(child);
    this.quota?.add(child.pid);
    child.once('exit', () => {
      this.stress.delete(child);
      if (!this.running && this.stress.size === 0) this.quota?.remove();
    });
  }

  stopStress(): void {
    for (const s of this.stress) signalGroup(s.pid, 'SIGKILL');
  }

  kill(signal: NodeJS.Signals): void {
    if (signal === 'SIGKILL') this.stopStress();
    // A frozen process acts on nothing but SIGKILL until it is thawed: thaw it so a drain's SIGTERM is handled.
    if (signal !== 'SIGKILL' && this.fault === 'hung') this.heal();
    if (signal !== 'SIGKILL' && this.state === 'warmed:stopped') signalGroup(this.process.pid, 'SIGCONT');
    signalGroup(this.process.pid, signal);
  }

  /**
   * Freezes the shop process (SIGSTOP): the kernel keeps accepting connections on its socket and
   * keeps the open ones open, but nothing answers, as with a process stuck in a deadlock or a host
   * frozen by its hypervisor. Only timeouts tell.
   */
  hang(): void {
    signalGroup(this.process.pid, 'SIGSTOP');
    this.fault = 'hung';
  }

  /**
   * Starves this host of CPU: its quota drops to `vcpu` CPUs (a noisy neighbour, a runaway
   * process, a burstable instance out of credits). False when this machine gives no CPU quota.
   */
  starve(vcpu: number): boolean {
    if (!this.quota?.limit(vcpu)) return false;
    this.fault = 'starved';
    return true;
  }

  /** Ends a fault: thaws a hung process, gives a starved host its own CPUs back. */
  heal(): void {
    if (this.fault === 'hung') signalGroup(this.process.pid, 'SIGCONT');
    if (this.fault === 'starved') this.quota?.limit(undefined);
    this.fault = undefined;
  }
}
