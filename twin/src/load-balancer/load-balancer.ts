import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TwinPaths } from '../config/paths.js';
import { spawnPart, stopGroup, waitFor } from '../processes.js';
import { BACKEND, ORIGIN_BACKEND, ORIGIN_SERVER, renderHaproxyConfig, SLOT_PREFIX, slotCount, type FrontDoorListen } from './haproxy-config.js';
import { slotCounters, type SlotCounters } from './anomaly-mitigation.js';
import { RuntimeApi } from './runtime-api.js';

export interface SlotHealth {
  /** HAProxy's status: UP, DOWN, MAINT, DRAIN, or a transition like "UP 1/2". */
  status: string;
  /** Takes traffic: UP, also "UP 1/2" (a check failed but fall is not reached). "DOWN 1/2" is still down, rising. */
  up: boolean;
  /** Its request counters, for anomaly mitigation. */
  counters: SlotCounters;
}

export interface LoadBalancerOptions {
  paths: TwinPaths;
  ports: { listen: number; stats: number; trafficLog: number };
  /** Also serve the front door from this HAProxy (see renderFrontDoor). */
  frontDoor?: FrontDoorListen;
  haproxy?: string;
}

/** A start or a Runtime API answer should come within this on a busy machine. */
const START_TIMEOUT_MS = 15_000;
const STOP_BOUND_MS = 5_000;

/**
 * The ALB stand-in: one HAProxy process whose server slots are filled, drained and emptied
 * through the Runtime API, so instances register and deregister without a reload.
 */
export class LoadBalancer {
  private process: ChildProcess | undefined;
  private readonly api: RuntimeApi;
  private readonly usedSlots = new Set<string>();

  constructor(private readonly options: LoadBalancerOptions) {
    this.api = new RuntimeApi(options.paths.haproxy.socket);
  }

  get url(): string {
    return `http://127.0.0.1:${this.options.ports.listen}`;
  }

  get statsUrl(): string {
    return `http://127.0.0.1:${this.options.ports.stats}/`;
  }

  get pid(): number | undefined {
    return this.process?.exitCode === null ? this.process.pid : undefined;
  }

  render(): string {
    return renderHaproxyConfig({
      listenPort: this.options.ports.listen,
      statsPort: this.options.ports.stats,
      adminSocket: this.options.paths.haproxy.socket,
      trafficLogPort: this.options.ports.trafficLog,
      ...(this.options.frontDoor ? { frontDoor: this.options.frontDoor } : {}),
    });
  }

  async start(): Promise<void> {
    const { haproxy } = this.options.paths;
    const bin = this.options.haproxy ?? 'haproxy';
    mkdirSync(haproxy.root, { recursive: true });
    rmSync(haproxy.socket, { force: true });
    writeFileSync(haproxy.config, this.render());
    try {
      execFileSync(bin, ['-c', '-q', '-f', haproxy.config], { stdio: 'pipe' });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
      throw new Error(`HAProxy rejected ${haproxy.config}: ${stderr.trim()}`);
    }
    // -db: stay in the foreground, so the twin owns the process and its exit.
    this.process = spawnPart(bin, ['-f', haproxy.config, '-db'], { logFile: path.join(this.options.paths.logs, 'haproxy.log') });
    await waitFor('HAProxy runtime API', async () => ((await this.api.command('show info')).includes('Pid:') ? true : undefined), START_TIMEOUT_MS, 100);
  }

  /**
   * Puts an instance into a free slot. It starts DOWN and takes traffic only after passing the
   * health check `rise` times, like an ALB target in its "initial" state.
   */
  async register(port: number): Promise<string> {
    const free = Array.from({ length: slotCount() }, (_, i) => `${SLOT_PREFIX}${i + 1}`).find((s) => !this.usedSlots.has(s));
    if (!free) throw new Error(`all ${slotCount()} HAProxy slots are in use`);
    this.usedSlots.add(free);
    const server = `${BACKEND}/${free}`;
    await this.expectOk(`set server ${server} addr 127.0.0.1 port ${port}`);
    // Leaving maintenance marks a server UP at once; forcing its health down right after makes
    // it earn `rise` passing checks first ("set server ... health", management guide §9.3). Both
    // in one command line (";" separates commands, management guide §9.3), so no request is sent
    // to it in between: with two connections a warm instance answered traffic 65 ms after its
    // registration, before any check, which an ALB target in its "initial" state never does.
    // Under CI load one request still slipped in between the two once (a worker thread picked the
    // server in the instant it was UP), so it leaves maintenance with weight 0, which no balancing
    // algorithm picks, and gets its weight (the default, 1) back only once its health is down.
    await this.expectOk(`set server ${server} weight 0; set server ${server} state ready; set server ${server} health down; set server ${server} weight 1`);
    return free;
  }

  /** No new requests; requests in flight finish (the ALB's "draining"). */
  async drain(slot: string): Promise<void> {
    await this.expectOk(`set server ${BACKEND}/${slot} state drain`);
  }

  /** Takes the slot out of rotation and frees it. */
  async deregister(slot: string): Promise<void> {
    await this.expectOk(`set server ${BACKEND}/${slot} state maint`);
    await this.expectOk(`set server ${BACKEND}/${slot} addr 127.0.0.1 port 1`);
    this.usedSlots.delete(slot);
  }

  /**
   * Takes a slot out of the rotation as if its checks had failed ("set server ... health down",
   * management guide §9.3): its checks go on and bring it back after `rise` passes.
   */
  async markDown(slot: string): Promise<void> {
    await this.expectOk(`set server ${BACKEND}/${slot} health down`);
  }

  /** Front door failover: the ALB origin in (primary) or out of (backup) rotation. */
  async setFrontDoorOrigin(inRotation: boolean): Promise<void> {
    await this.expectOk(`set server ${ORIGIN_BACKEND}/${ORIGIN_SERVER} state ${inRotation ? 'ready' : 'maint'}`);
  }

  async health(): Promise<Map<string, SlotHealth>> {
    const rows = await this.api.stats();
    const out = new Map<string, SlotHealth>();
    for (const row of rows) {
      if (row.pxname !== BACKEND || !row.svname?.startsWith(SLOT_PREFIX)) continue;
      const status = row.status ?? '';
      out.set(row.svname, { status, up: status.startsWith('UP'), counters: slotCounters(row) });
    }
    return out;
  }

  async stop(): Promise<void> {
    // SIGUSR1 = soft stop: finish requests in flight, then exit (management guide §4).
    if (this.process) await stopGroup(this.process, STOP_BOUND_MS, 'SIGUSR1');
  }

  private async expectOk(command: string): Promise<void> {
    const answer = (await this.api.command(command)).trim();
    // Successful "set server" commands answer nothing (or an informational line).
    if (/^(No such|Require|Unknown|Invalid|Can't|Cannot)/i.test(answer)) throw new Error(`HAProxy: "${command}" → ${answer}`);
  }
}
