import path from 'node:path';
import { serviceEnvironment, writableDirectories, type ServiceDirectories } from '@evermall/shop/release';
import type { CacheSettings } from '../cache/cache-tier.js';
import type { TwinPaths } from '../config/paths.js';
import type { SignInSettings } from '../identity/identity-providers.js';
import type { PaymentProviderSettings } from '../payments/payment-provider.js';
import type { Owner } from '../processes.js';
import { runShopCli, type ShopCliLaunch } from '../shop-cli.js';
import { Releases } from './releases.js';
import type { InstanceEnvironment, InstanceIdentity } from './shop-instance.js';
import { handOver, serviceOwner } from './service-user.js';

/** Per-client limits when every client is 127.0.0.1: room for a drill's shoppers, still a bound. */
const loopbackClientLimits = { loginPerMinute: 100_000, registerPerHour: 1_000_000, anonymousCartsPerHour: 1_000_000 } as const;

export interface LaunchTemplateOptions {
  paths: TwinPaths;
  /** The shop workspace, whose build.mjs builds each release. */
  shopDir: string;
  /** The instances' URLs (no password: they read the app login's file) and the CLI's (the migration role). */
  database: { writerUrl: string; readerUrl: string; migratorUrl: () => string };
  sessionSecret: string;
  /**
   * The payment provider (the twin's Toss Payments stand-in): instances run NODE_ENV=production,
   * where the shop refuses its test provider.
   */
  payments: PaymentProviderSettings;
  /** Sign-in: the twin's user pool (an OpenID Connect provider standing in for Cognito), the shop as its client. */
  oidc: SignInSettings;
  /** The cache tier's primary endpoint (HAProxy with a role:master check) and AUTH password, as ElastiCache's are on AWS. */
  cache: CacheSettings;
  drainSeconds: number;
  logLevel: string;
  /** The twin's trace collector (tracing/collector.ts): instances send their spans there, as to an agent on AWS. */
  traceCollectorUrl?: string;
  /**
   * The message broker's one endpoint (twin/src/broker/): every instance runs the outbox relay,
   * which publishes to it (EVENT_BROKER_URL; the order events topic's ARN on AWS).
   */
  eventBrokerUrl?: string;
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
    this.writable = { state: paths.shop.state, media: paths.s3Media, logs: paths.shop.logs, secrets: paths.shop.secrets };
    this.logsDir = this.writable.logs;
    this.releases = new Releases(paths.releases, options.shopDir, path.join(paths.logs, 'shop-build.log'));
    // The secrets directory is not handed over: DatabaseLogins keeps it root's, readable by the service's group.
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

  /**
   * Builds a new release for the instances launched from now on; removes old ones no instance runs.
   * A deploy's release (every one after the first, which comes before the database) is migrated
   * once, as the migration role, before any instance runs it: instances cannot change the schema.
   */
  async newRelease(inUse: Iterable<string> = [], signal?: AbortSignal): Promise<string> {
    const deploy = this.current !== undefined;
    const dir = await this.releases.build(signal);
    if (deploy) await this.migrate(signal, dir);
    this.current = dir;
    this.releases.prune([dir, ...inUse]);
    return dir;
  }

  environment(instance: InstanceIdentity & { release: string }): Record<string, string> {
    const { database, sessionSecret, payments, oidc, cache, drainSeconds, logLevel, traceCollectorUrl, eventBrokerUrl } = this.options;
    const environment = serviceEnvironment({
      zone: instance.zone,
      instanceId: instance.id,
      host: '127.0.0.1',
      port: instance.port,
      directories: { release: instance.release, ...this.writable },
      // The twin serves plain HTTP on loopback, with the SPA on the same origin.
      cookieSecure: false,
      allowedOrigins: '',
      // The front door then the load balancer, each appending its client's address to
      // X-Forwarded-For ("option forwardfor" in haproxy-config.ts), as CloudFront and the ALB do;
      // both on loopback. Every shopper is on loopback too, so the per-client limits are sized
      // for a whole drill's shoppers; the per-account limits apply as on AWS.
      proxies: { nearestAddresses: '127.0.0.1', hops: 2 },
      clientLimits: loopbackClientLimits,
      drainSeconds,
      database: { writerUrl: database.writerUrl, readerUrl: database.readerUrl },
      sessionSecret,
      payments,
      oidc,
      cache,
      logLevel,
    });
    return {
      ...environment,
      ...(traceCollectorUrl ? { OTEL_EXPORTER_OTLP_ENDPOINT: traceCollectorUrl } : {}),
      ...(eventBrokerUrl ? { EVENT_BROKER_URL: eventBrokerUrl } : {}),
    };
  }

  /**
   * The shop CLI from the current release, as an instance would run it (same user, environment and
   * directories) but logged in as the migration role: it migrates and seeds.
   */
  cli(overrides: { logLevel?: string } = {}, release: string = this.release): ShopCliLaunch {
    const env: Record<string, string> = {
      ...this.environment({ id: 'shop-cli', zone: 'cli', port: 0, release }),
      ...(overrides.logLevel ? { LOG_LEVEL: overrides.logLevel } : {}),
    };
    // The app's login file would override the URL's: the CLI logs in as the migrator instead.
    delete env.DATABASE_CREDENTIALS_FILE;
    env.DATABASE_URL = env.DATABASE_READ_URL = this.options.database.migratorUrl();
    return { release, owner: this.owner, env };
  }

  /** `shop migrate` from `release` as the migration role; throws naming its log when it fails. */
  async migrate(signal?: AbortSignal, release: string = this.release): Promise<void> {
    const logFile = path.join(this.options.paths.logs, 'shop-migrate.log');
    const code = await runShopCli(['migrate'], this.cli({ logLevel: 'warn' }, release), logFile, signal);
    if (code !== 0) throw new Error(`shop migrate failed as the migration role: see ${logFile}`);
  }
}
