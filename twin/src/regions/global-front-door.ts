import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { frontDoorFailover } from '@evermall/topology';
import { frontDoorSettings, loadBalancerSettings } from '../config/twin-settings.js';
import { orderingPaused } from '../front-door/ordering-paused.js';
import { RuntimeApi } from '../load-balancer/runtime-api.js';
import { spawnPart, stopGroup, waitFor } from '../processes.js';

export type RegionName = 'a' | 'b';

/** One region's entry point: its front door, and its load balancer, where the deep check asks `/readyz`. */
export interface RegionEntry {
  frontDoorPort: number;
  loadBalancerPort: number;
}

export interface GlobalFrontDoorOptions {
  /** Where its config and Runtime API socket live. */
  dir: string;
  logsDir: string;
  port: number;
  regions: Record<RegionName, RegionEntry>;
  /** The health check's interval and failure threshold: topology's frontDoorFailover (Route 53's), or a test's. */
  intervalSeconds?: number;
  failureThreshold?: number;
  haproxy?: string;
}

/** A record of the global front door as its checks see it. */
export interface GlobalRecordStatus {
  /** `a`, `b`, or `b_backup_site`. */
  name: string;
  region: RegionName;
  /** failover record: primary (region a until a promotion flips it), secondary, or the last resort. */
  role: 'primary' | 'secondary' | 'backup site';
  /** HAProxy's: UP, DOWN, MAINT (flipped out), "no check" for the backup site, or a transition like "DOWN 1/2". */
  status: string;
  /** Takes traffic when it is its turn: UP, or "UP 1/2" (a check failed, the threshold not reached). */
  healthy: boolean;
}

const BACKEND = 'regions';
const START_TIMEOUT_MS = 15_000;
const STOP_BOUND_MS = 5_000;

/**
 * Route 53 failover between the two regions' entry points, as one HAProxy in front of both front
 * doors. Each record has a health check on its region's deep check path (`/readyz` through the
 * region's load balancer: its writer answers and is out of recovery), every interval, unhealthy
 * and healthy again after `failureThreshold` results in a row, as Route 53 counts them. Region a
 * is the primary record; region b, the secondary, answers only once it is healthy, which a standby
 * region never is: its writer is in recovery. With neither healthy, requests go to region b's
 * front door anyway (the last `backup` server, unchecked), whose own deep check has it serving
 * the static backup site and answering writes 503 ORDERING_PAUSED. The promotion runbook flips
 * the records: region a's goes to maintenance (Runtime API), so region a, once back as the standby
 * region, never takes traffic again by passing a check. Route 53 is DNS, not a proxy: this hop
 * appends nothing to X-Forwarded-For, so the shop sees the same two proxies as before.
 */
export class GlobalFrontDoor {
  private process: ChildProcess | undefined;
  private readonly api: RuntimeApi;

  constructor(private readonly options: GlobalFrontDoorOptions) {
    this.api = new RuntimeApi(this.socket);
  }

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  get pid(): number | undefined {
    return this.process?.exitCode === null ? this.process.pid : undefined;
  }

  private get socket(): string {
    return path.join(this.options.dir, 'admin.sock');
  }

  private get configFile(): string {
    return path.join(this.options.dir, 'haproxy.cfg');
  }

  /** The HAProxy 2.6 configuration; section references are to its configuration manual. */
  render(): string {
    const { port, regions } = this.options;
    const interval = this.options.intervalSeconds ?? frontDoorFailover.intervalSeconds;
    const threshold = this.options.failureThreshold ?? frontDoorFailover.failureThreshold;
    const lb = loadBalancerSettings;
    return `# Rendered by twin/src/regions/global-front-door.ts. Do not edit.
global
  stats socket ${this.socket} mode 600 level admin
  maxconn 4096

defaults
  mode http
  timeout connect ${lb.connectTimeoutMs}ms
  timeout client ${lb.clientTimeoutSeconds}s
  # A region's front door waits for its whole answer; so does this hop, which stands for DNS.
  timeout server ${lb.edgeTimeoutSeconds}s
  # Route 53's checkers allow a few seconds for an answer (frontDoorSettings.checkTimeoutMs).
  timeout check ${frontDoorSettings.checkTimeoutMs}ms

frontend global_front_door
  bind 127.0.0.1:${port}
  # No "option forwardfor": DNS adds no hop.
  default_backend ${BACKEND}

backend ${BACKEND}
  # The failover records' health checks: ${frontDoorFailover.deepCheckPath} through each region's load balancer
  # ("check port", §5.2), every ${interval}s, ${threshold} results in a row either way (§5.2 inter/fall/rise).
  option httpchk
  http-check send meth GET uri ${frontDoorFailover.deepCheckPath}
  http-check expect status 200
  default-server inter ${interval}s fall ${threshold} rise ${threshold}
  # Primary record: region a. Secondary: region b, used only while no primary is up ("backup", §5.2);
  # the first backup that is up takes all of it ("option allbackups" unset, §4.2).
  server a 127.0.0.1:${regions.a.frontDoorPort} check port ${regions.a.loadBalancerPort}
  server b 127.0.0.1:${regions.b.frontDoorPort} check port ${regions.b.loadBalancerPort} backup
  server b_backup_site 127.0.0.1:${regions.b.frontDoorPort} backup
  # Until region a's record is marked down its dead front door refuses connections: what HAProxy
  # answers then is the shop's "ordering is paused", as the front doors answer, not its own page (§4.2 "http-error").
  http-error status 503 content-type "${orderingPaused.contentType}" string '${orderingPaused.body}' hdr retry-after ${orderingPaused.retryAfterSeconds}
`;
  }

  async start(): Promise<void> {
    const bin = this.options.haproxy ?? 'haproxy';
    mkdirSync(this.options.dir, { recursive: true });
    rmSync(this.socket, { force: true });
    writeFileSync(this.configFile, this.render());
    try {
      execFileSync(bin, ['-c', '-q', '-f', this.configFile], { stdio: 'pipe' });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
      throw new Error(`HAProxy rejected ${this.configFile}: ${stderr.trim()}`);
    }
    this.process = spawnPart(bin, ['-f', this.configFile, '-db'], { logFile: path.join(this.options.logsDir, 'haproxy-global-front-door.log') });
    await waitFor('the global front door (HAProxy) runtime API', async () => ((await this.api.command('show info')).includes('Pid:') ? true : undefined), START_TIMEOUT_MS, 100);
  }

  async stop(): Promise<void> {
    // SIGUSR1 = soft stop: finish requests in flight, then exit (management guide §4).
    if (this.process) await stopGroup(this.process, STOP_BOUND_MS, 'SIGUSR1');
  }

  /** The runbook's DNS change: region a's record out (maintenance), region b's the one left. */
  async flipToRegionB(): Promise<void> {
    const answer = (await this.api.command(`set server ${BACKEND}/a state maint`)).trim();
    if (answer) throw new Error(`HAProxy: "set server ${BACKEND}/a state maint" → ${answer}`);
  }

  async records(): Promise<GlobalRecordStatus[]> {
    const rows = await this.api.stats().catch((): Record<string, string>[] => []);
    const role = (name: string): GlobalRecordStatus['role'] => (name === 'a' ? 'primary' : name === 'b' ? 'secondary' : 'backup site');
    return rows
      .filter((r) => r.pxname === BACKEND && r.svname !== 'BACKEND')
      .map((r) => {
        const name = r.svname ?? '';
        const status = r.status ?? '';
        return { name, region: name === 'a' ? 'a' : 'b', role: role(name), status, healthy: status.startsWith('UP') || status === 'no check' };
      });
  }
}
