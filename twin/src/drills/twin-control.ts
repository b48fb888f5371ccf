import { request } from 'undici';

/** The twin's status as its status-page server reports it (GET /api/status; twin/README.md). */
export interface TwinStatus {
  instances: { id: string; zone: string; port: number; pid: number; state: string; healthy: boolean; cpuPercent: number | null }[];
  database: { writerUrl: string; readerUrl: string; nodes: { name: string; zone: string; role: string; state: string; port: number }[] };
  frontDoor: { url: string; mode: 'primary' | 'backup' };
  loadBalancer: { url: string; statsUrl: string };
  traffic: { rps: number; p99Ms: number };
  /** The controller's live policy (the target can differ from topology's when a drill overrides it). */
  autoScaling?: { desired: number; min: number; max: number; cpuTargetPercent: number };
  events: { at: string; kind: string; reason: string }[];
}

/** Fault commands a drill may send (issue 3). */
export type TwinCommand = 'kill-instance' | 'fail-zone' | 'fail-db-primary' | 'fail-site' | 'stress-cpu' | 'scale' | 'restore' | 'deploy';

/** What a drill needs of a twin: its status and its fault commands. */
export interface TwinControl {
  status(): Promise<TwinStatus>;
  command(name: TwinCommand, args?: Record<string, unknown>): Promise<unknown>;
}

const COMMAND_TIMEOUT_MS = 120_000;
const STATUS_TIMEOUT_MS = 5_000;

/** Drives a twin through its status-page server's HTTP API, so a drill works with any running twin. */
export class TwinHttpControl implements TwinControl {
  constructor(readonly statusPageUrl: string) {}

  async status(): Promise<TwinStatus> {
    const res = await request(new URL('/api/status', this.statusPageUrl), { headersTimeout: STATUS_TIMEOUT_MS, bodyTimeout: STATUS_TIMEOUT_MS });
    if (res.statusCode !== 200) throw new Error(`twin status answered ${res.statusCode}`);
    return (await res.body.json()) as TwinStatus;
  }

  async command(name: TwinCommand, args: Record<string, unknown> = {}): Promise<unknown> {
    const res = await request(new URL(`/api/commands/${name}`, this.statusPageUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(args),
      headersTimeout: COMMAND_TIMEOUT_MS,
      bodyTimeout: COMMAND_TIMEOUT_MS,
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`twin command ${name} answered ${res.statusCode}: ${text.slice(0, 300)}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
}

/** Healthy, serving instances: what the load balancer can send traffic to. */
export const healthyInstances = (s: TwinStatus) => s.instances.filter((i) => i.healthy);
