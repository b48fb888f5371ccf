import type { ChildProcess } from 'node:child_process';
import { exited, signalGroup, spawnPart, stopGroup, type Owner } from '../processes.js';
import { cacheSettings } from '../config/twin-settings.js';

export interface CacheProcessOptions {
  command: string;
  args: string[];
  logFile: string;
  cwd: string;
  owner: Owner | undefined;
  /** It exited without kill() or stop() asking: a crash. The tier decides when it comes back. */
  onExitUnasked: (how: string) => void;
}

/**
 * One process of the cache tier (a node, a Sentinel, the endpoint's HAProxy) in its own process
 * group, as the cache's owner. It remembers whether its last exit was asked for, so the tier
 * restarts only what crashed.
 */
export class CacheProcess {
  private child: ChildProcess | undefined;
  /** How many times it was started again after a crash or a fault. */
  restarts = 0;

  constructor(private readonly options: CacheProcessOptions) {}

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** Starts it (again), with `extraArgs` after the configured ones (e.g. a node's `--replicaof`). */
  start(extraArgs: string[] = []): void {
    if (this.running) return;
    if (this.child) this.restarts += 1;
    const { command, args, logFile, cwd, owner } = this.options;
    const child = spawnPart(command, [...args, ...extraArgs], { logFile, cwd, owner });
    this.child = child;
    child.once('exit', (code, how) => {
      if (child === this.child && !askedToExit.has(child)) this.options.onExitUnasked(how ?? `exit code ${code}`);
    });
  }

  /** SIGKILL to its group, as a crashed host; resolves once it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    askedToExit.add(child);
    signalGroup(child.pid, 'SIGKILL');
    await exited(child);
  }

  /** SIGTERM (a Redis node shuts down without saving: it has no `save`), SIGKILL past the bound. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    askedToExit.add(child);
    await stopGroup(child, cacheSettings.stopBoundMs, signal);
  }
}

/** Children whose exit kill() or stop() asked for. */
const askedToExit = new WeakSet<ChildProcess>();
