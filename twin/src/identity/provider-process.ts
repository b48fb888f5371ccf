import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { oidcServeScript, type OidcServeConfig } from '@evermall/testkit';
import { identitySettings } from '../config/twin-settings.js';
import type { EventLog } from '../events.js';
import { exited, spawnPart, stopGroup, waitFor } from '../processes.js';

export interface ProviderProcessOptions {
  role: 'pool' | 'social';
  /** For people and events: 'user pool', 'social IdP'. */
  label: string;
  host: string;
  port: number;
  dataDir: string;
  configFile: string;
  config: OidcServeConfig;
  logFile: string;
  events: EventLog;
}

/** What the status shows of one provider process. */
export interface ProviderProcessStatus {
  issuer: string;
  running: boolean;
  /** Times it died and was started again since the twin started. */
  restarts: number;
}

/** tsx's loader, resolved here: the provider runs the test kit's TypeScript as the twin itself does. */
const TSX_LOADER = import.meta.resolve('tsx');

/**
 * One sign-in provider (the test kit's oidc `serve.ts`) as a child process in its own process
 * group, on the same Node as the twin: started once its discovery document answers, started
 * again when it dies (as the managed service it stands in for would be back), stopped with the
 * twin. Its config file (registrations with client secrets) is written each start, mode 0600.
 */
export class ProviderProcess {
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopping = false;
  private restarts = 0;

  constructor(private readonly options: ProviderProcessOptions) {}

  get issuer(): string {
    return `http://${this.options.host}:${this.options.port}`;
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  async start(): Promise<void> {
    const { configFile, config, dataDir, label, logFile } = this.options;
    mkdirSync(path.dirname(configFile), { recursive: true });
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    const child = this.spawn();
    const died = exited(child).then(() => {
      throw new Error(`the ${label} exited while starting: see ${logFile}`);
    });
    // Handled here too: once started, its later exit is exitedUnasked's business, not a rejection.
    died.catch(() => undefined);
    await Promise.race([waitFor(`the ${label} at ${this.issuer}`, () => this.answers(), identitySettings.startTimeoutMs, 100), died]);
    this.started = true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.child) await stopGroup(this.child, identitySettings.stopBoundMs);
  }

  status(): ProviderProcessStatus {
    return { issuer: this.issuer, running: this.pid !== undefined, restarts: this.restarts };
  }

  private spawn(): ChildProcess {
    const { role, host, port, dataDir, configFile, logFile } = this.options;
    const child = spawnPart(
      process.execPath,
      ['--import', TSX_LOADER, oidcServeScript, '--role', role, '--host', host, '--port', String(port), '--data-dir', dataDir, '--config', configFile],
      { logFile },
    );
    this.child = child;
    child.once('exit', (code, signal) => this.exitedUnasked(child, signal ?? String(code)));
    return child;
  }

  /** A provider that died after it started comes back after a pause; one that dies while starting fails the start instead. */
  private exitedUnasked(child: ChildProcess, how: string): void {
    if (this.stopping || !this.started || child !== this.child) return;
    this.restarts += 1;
    const seconds = identitySettings.restartDelayMs / 1000;
    this.options.events.emit('identity-provider-exited', `the ${this.options.label} exited (${how}); starting it again in ${seconds}s`, { role: this.options.role });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.spawn();
      this.options.events.emit('identity-provider-started', `the ${this.options.label} started again at ${this.issuer}`, { role: this.options.role });
    }, identitySettings.restartDelayMs);
  }

  private async answers(): Promise<true | undefined> {
    const res = await fetch(`${this.issuer}/.well-known/openid-configuration`);
    await res.body?.cancel();
    return res.ok ? true : undefined;
  }
}
