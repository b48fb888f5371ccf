import path from 'node:path';
import { serviceEnvironment, writableDirectories, type ServiceDirectories } from '@evermall/shop/release';
import type { TwinPaths } from '../config/paths.js';
import type { Owner } from '../processes.js';
import type { ShopCliLaunch } from '../shop-cli.js';
import { Releases } from './releases.js';
import type { InstanceEnvironment, InstanceIdentity } from './shop-instance.js';
import { handOver, serviceOwner } from './service-user.js';

export interface LaunchTemplateOptions {
  paths: TwinPaths;
  /** The shop workspace, whose build.mjs builds each release. */
  shopDir: string;
  database: { writerUrl: string; readerUrl: string };
  sessionSecret: string;
  drainSeconds: number;
  logLevel: string;
}

/**
 * The twin's launch template: what an instance runs (the current release), as whom (the shop's
 * service user when the twin is root), where it may write (the service's directories, mapped under
 * the state dir: state, media = the EFS folder, logs) and with what environment: the one
 * shop/src/release/service.ts describes and infra renders into the systemd unit.
 */
export class LaunchTemplate implements InstanceEnvironment {
  readonly owner: Owner | undefined;
  readonly logsDir: string;
  private readonly releases: Releases;
  /** The service's writable directories on the twin; the release is the only other one. */
  private readonly writable: Omit<ServiceDirectories, 'release'>;
  private current: string | undefined;

  constructor(private readonly options: LaunchTemplateOptions) {
    const { paths } = options;
    this.owner = serviceOwner();
    this.writable = { state: paths.shop.state, media: paths.efs, logs: paths.shop.logs };
    this.logsDir = this.writable.logs;
    this.releases = new Releases(paths.releases, options.shopDir, path.join(paths.logs, 'shop-build.log'));
    handOver(writableDirectories(this.writable), this.owner);
  }

  /** Who the instances run as, for people. */
  get runsAs(): string {
    return this.owner
      ? `user ${this.owner.uid}:${this.owner.gid}, the shop's service user`
      : `ourselves (uid ${process.getuid?.() ?? '?'}): not root, so there is no service user to switch to`;
  }

  /** The release new instances run. */
  get release(): string {
    if (!this.current) throw new Error('no shop release built yet');
    return this.current;
  }

  /** Builds a new release for the instances launched from now on; removes old ones no instance runs. */
  async newRelease(inUse: Iterable<string> = [], signal?: AbortSignal): Promise<string> {
    const dir = await this.releases.build(signal);
    this.current = dir;
    this.releases.prune([dir, ...inUse]);
    return dir;
  }

  environment(instance: InstanceIdentity & { release: string }): Record<string, string> {
    const { database, sessionSecret, drainSeconds, logLevel } = this.options;
    return serviceEnvironment({
      zone: instance.zone,
      instanceId: instance.id,
      host: '127.0.0.1',
      port: instance.port,
      directories: { release: instance.release, ...this.writable },
      // The twin serves plain HTTP on loopback, with the SPA on the same origin.
      cookieSecure: false,
      allowedOrigins: '',
      drainSeconds,
      database,
      sessionSecret,
      logLevel,
    });
  }

  /** The shop CLI from the current release, as an instance would run it: same user, environment and directories. */
  cli(overrides: { logLevel?: string } = {}): ShopCliLaunch {
    const env = { ...this.environment({ id: 'shop-cli', zone: 'cli', port: 0, release: this.release }), ...(overrides.logLevel ? { LOG_LEVEL: overrides.logLevel } : {}) };
    return { release: this.release, owner: this.owner, env };
  }
}
