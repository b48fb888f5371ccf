import type { Zone } from '@evermall/topology';
import { readStateFile } from './config/state-file.js';
import type { CommandName, CommandResult, KillConsumersResult, TwinStatus } from './status/status-types.js';

/** How long a status probe may take before a twin counts as not answering. */
const PROBE_TIMEOUT_MS = 2000;
/** A status read on a busy 2-core machine (during a drill's load) answers well within this. */
const STATUS_TIMEOUT_MS = 5000;
/** The slowest command (deploy, fail-zone) answers once it has acted, well within this. */
const COMMAND_TIMEOUT_MS = 120_000;

export class TwinCommandError extends Error {
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(message);
    this.name = 'TwinCommandError';
  }
}

/** The one client of a running twin's control API (twin/README.md, "Control API"): the CLI, drills, bench and tests use it. */
export class TwinClient {
  constructor(readonly baseUrl: string) {}

  async status(): Promise<TwinStatus> {
    const res = await fetch(new URL('/api/status', this.baseUrl), { signal: AbortSignal.timeout(STATUS_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`twin status answered HTTP ${res.status}`);
    return (await res.json()) as TwinStatus;
  }

  /** Runs a command; throws TwinCommandError with the twin's message when it refuses. */
  async command(name: CommandName, args: Record<string, unknown> = {}): Promise<CommandResult> {
    const res = await fetch(new URL(`/api/commands/${name}`, this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(args),
      signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
    });
    const body = (await res.json()) as CommandResult;
    if (!body.ok) throw new TwinCommandError(name, body.message);
    return body;
  }

  /** SIGKILLs the event consumers' process once a batch is in flight (waiting up to `waitSeconds`); it starts again by itself. */
  async killConsumers(waitSeconds?: number): Promise<KillConsumersResult> {
    return (await this.command('kill-consumers', waitSeconds === undefined ? {} : { waitSeconds })) as KillConsumersResult;
  }

  killInstance(id?: string): Promise<CommandResult> {
    return this.command('kill-instance', id ? { id } : {});
  }

  /** Freezes an instance (SIGSTOP), a random one without an id. */
  hangInstance(id?: string): Promise<CommandResult> {
    return this.command('hang-instance', id ? { id } : {});
  }

  /** Limits an instance's CPU to `vcpu` until restore(). */
  slowInstance(id?: string, vcpu?: number): Promise<CommandResult> {
    return this.command('slow-instance', { ...(id ? { id } : {}), ...(vcpu ? { vcpu } : {}) });
  }

  failZone(zone: Zone): Promise<CommandResult> {
    return this.command('fail-zone', { zone });
  }

  failDbPrimary(): Promise<CommandResult> {
    return this.command('fail-db-primary');
  }

  /** SIGKILLs the cache primary; the Sentinels promote the replica and the old primary comes back as its replica. */
  failCachePrimary(): Promise<CommandResult> {
    return this.command('fail-cache-primary');
  }

  /** Takes both cache nodes down until restoreCache() or restore(). */
  failCache(): Promise<CommandResult> {
    return this.command('fail-cache');
  }

  restoreCache(): Promise<CommandResult> {
    return this.command('restore-cache');
  }

  failSite(): Promise<CommandResult> {
    return this.command('fail-site');
  }

  restore(): Promise<CommandResult> {
    return this.command('restore');
  }

  scale(desired: number): Promise<CommandResult> {
    return this.command('scale', { desired });
  }

  /** A scheduled action: at `at` (ISO 8601, or `+seconds`), set desired and optionally the group's min and max. */
  scheduleScale(at: string, capacity: { desired: number; min?: number; max?: number }): Promise<CommandResult> {
    return this.command('schedule-scale', { at, ...capacity });
  }

  stressCpu(id?: string, seconds?: number): Promise<CommandResult> {
    return this.command('stress-cpu', { ...(id ? { id } : {}), ...(seconds ? { seconds } : {}) });
  }

  deploy(): Promise<CommandResult> {
    return this.command('deploy');
  }

  /** Rotates the app's database password by alternating users, as Secrets Manager does. */
  rotateDbPassword(): Promise<CommandResult> {
    return this.command('rotate-db-password');
  }

  down(): Promise<CommandResult> {
    return this.command('down');
  }
}

/** The client of the twin running from `stateDir`, or undefined when none answers. */
export async function findRunningTwin(stateDir = '.twin'): Promise<TwinClient | undefined> {
  const controlUrl = readStateFile(stateDir)?.controlUrl;
  if (!controlUrl) return undefined;
  try {
    const res = await fetch(new URL('/api/status', controlUrl), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await res.body?.cancel();
    return res.ok ? new TwinClient(controlUrl) : undefined;
  } catch {
    return undefined;
  }
}
