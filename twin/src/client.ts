import type { Zone } from '@evermall/topology';
import { readStateFile } from './config/state-file.js';
import type { CommandName, CommandResult, TwinStatus } from './status/status-types.js';

/** How long a status probe may take before a twin counts as not answering. */
const PROBE_TIMEOUT_MS = 2000;

export class TwinCommandError extends Error {
  constructor(readonly command: string, message: string) {
    super(message);
    this.name = 'TwinCommandError';
  }
}

/** HTTP client for a running twin's control API (twin/README.md, "Control API"). */
export class TwinClient {
  constructor(readonly baseUrl: string) {}

  async status(): Promise<TwinStatus> {
    const res = await fetch(new URL('/api/status', this.baseUrl));
    if (!res.ok) throw new Error(`twin status answered HTTP ${res.status}`);
    return (await res.json()) as TwinStatus;
  }

  /** Runs a command; throws TwinCommandError with the twin's message when it refuses. */
  async command(name: CommandName, args: Record<string, unknown> = {}): Promise<CommandResult> {
    const res = await fetch(new URL(`/api/commands/${name}`, this.baseUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) });
    const body = (await res.json()) as CommandResult;
    if (!body.ok) throw new TwinCommandError(name, body.message);
    return body;
  }

  killInstance(id?: string): Promise<CommandResult> {
    return this.command('kill-instance', id ? { id } : {});
  }

  failZone(zone: Zone): Promise<CommandResult> {
    return this.command('fail-zone', { zone });
  }

  failDbPrimary(): Promise<CommandResult> {
    return this.command('fail-db-primary');
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

  stressCpu(id?: string, seconds?: number): Promise<CommandResult> {
    return this.command('stress-cpu', { ...(id ? { id } : {}), ...(seconds ? { seconds } : {}) });
  }

  deploy(): Promise<CommandResult> {
    return this.command('deploy');
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
