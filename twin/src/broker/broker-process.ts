import type { ChildProcess } from 'node:child_process';
import { brokerSettings } from '../config/twin-settings.js';
import { exited, signalGroup, spawnPart, stopGroup, type Owner } from '../processes.js';

export interface BrokerProcessOptions {
  command: string;
  args: string[];
  logFile: string;
  cwd: string;
  owner: Owner | undefined;
  /** Computed at each start (a node's files are written just before). */
  env?: () => Record<string, string>;
  /** It exited without kill() or stop() asking: a crash. The broker decides when it comes back. */
  onExitUnasked: (how: string) => void;
}

/**
 * One process of the broker (a RabbitMQ node, its epmd, the endpoint's HAProxy) in its own
 * process group, as the broker's owner: a stop or a kill reaches everything it forked (the Erlang
 * VM, erl_child_setup, inet_gethost). It remembers whether its last exit was asked for, so the
 * broker restarts only what crashed.
 */
export class BrokerProcess {
  private child: ChildProcess | undefined;
  /** How many times it was started again after a crash or a fault. */
  restarts = 0;

  constructor(private readonly options: BrokerProcessOptions) {}

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  start(): void {
    if (this.running) return;
    if (this.child) this.restarts += 1;
    const { command, args, logFile, cwd, owner, env } = this.options;
    const child = spawnPart(command, args, { logFile, cwd, owner, ...(env ? { env: env() } : {}) });
    this.child = child;
    child.once('exit', (code, how) => {
      if (child === this.child && !askedToExit.has(child)) this.options.onExitUnasked(how ?? `exit code ${code}`);
    });
  }

  /** SIGKILL to its group, as a crashed host: nothing flushed, connections reset. Resolves once it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    askedToExit.add(child);
    signalGroup(child.pid, 'SIGKILL');
    await exited(child);
  }

  /** `signal` (SIGTERM: rabbitmq-server stops the node properly), SIGKILL past the bound; then whatever is left in its group. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    askedToExit.add(child);
    await stopGroup(child, brokerSettings.stopBoundMs, signal);
    signalGroup(child.pid, 'SIGKILL');
  }
}

/** Children whose exit kill() or stop() asked for. */
const askedToExit = new WeakSet<ChildProcess>();
