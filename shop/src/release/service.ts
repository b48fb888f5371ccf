import path from 'node:path';
import { drainSeconds, frontDoorFailover, shopRuntime, shutdownBoundSeconds } from '@evermall/topology';
import { releaseLayout } from './layout.js';

/**
 * The shop as a service: the release it runs, the user it runs as, the directories it may write
 * and its environment. infra renders this into the systemd unit of an EC2 instance
 * (infra/lib/constructs/user-data.ts); the twin applies it to every instance process
 * (twin/src/instances/shop-instance.ts). Both run the same release built by shop/build.mjs.
 */

export { releaseLayout, runtimeMajor } from './layout.js';
/** How the backup site lays out the catalog's JSON answers, for the uploads and the twin's front door. */
export { catalogAnswers, catalogAnswerFile } from '../static-site/catalog-answers.js';
export { databaseRoles } from '../db/roles.js';
export { releaseInputsDigest, releaseManifestFile, releaseTarget, type ReleaseManifest } from './inputs.js';
export { ensureCurrentRelease, staleReason } from './current-release.js';
/** The consumers' queues, which infra subscribes to the order events topic (infra/lib/constructs/order-events.ts). */
export { SHOP_QUEUES, ORDER_NOTIFIER_QUEUE, SALES_FEED_QUEUE } from '../events/queues.js';
export { deadLetterQueueOf, type QueueSpec } from '../events/event-bus.js';
export { filterPolicyOf } from '../events/sns-sqs-event-bus.js';
/** The originals' keys as an IAM wildcard: what infra lets the instances put in the media bucket. */
export { MEDIA_KEY_GLOB } from '../media/media-keys.js';

/** The unprivileged user the shop runs as. The EFS access point forces the same uid/gid on media. */
export const serviceUser = { name: 'evermall', uid: 1001, gid: 1001 } as const;

/** The files of a release in `dir`. */
export function releaseFiles(dir: string): { runtime: string; server: string; cli: string; migrations: string } {
  return {
    runtime: path.join(dir, releaseLayout.runtime),
    server: path.join(dir, releaseLayout.server),
    cli: path.join(dir, releaseLayout.cli),
    migrations: path.join(dir, releaseLayout.migrations),
  };
}

/** What starts the service: the release's own Node, its heap sized by topology, running its server bundle. */
export function serviceCommand(release: string): [command: string, ...args: string[]] {
  const files = releaseFiles(release);
  return [files.runtime, `--max-semi-space-size=${shopRuntime.maxSemiSpaceMiB}`, `--max-old-space-size=${shopRuntime.maxOldSpaceMiB}`, files.server];
}

/** Where the service's files are on one host. */
export interface ServiceDirectories {
  /** The release (runtime, server.js, cli.js, migrations). Read-only to the service. */
  readonly release: string;
  /**
   * The service's own state, writable. The static backup site is exported in here (backupSiteDir):
   * the exporter builds each version beside the site folder and swaps a symlink onto it
   * (shop/src/static-site/export-static-site.ts), so the folder holding the site must be writable.
   */
  readonly state: string;
  /** Product images when the host names no media bucket (the twin's stand-in for it), shared by every instance. Writable. */
  readonly media: string;
  /** The service's log. Writable. */
  readonly logs: string;
  /**
   * Secrets the host writes for the service (the database login, refreshed after every rotation):
   * root's, readable by the service's group, not writable by the service.
   */
  readonly secrets: string;
}

/** The database login the service reads for every new connection (DATABASE_CREDENTIALS_FILE). */
export function databaseCredentialsFile(directories: Pick<ServiceDirectories, 'secrets'>): string {
  return path.join(directories.secrets, 'db-credentials.json');
}

/** The static backup site an instance exports (BACKUP_SITE_DIR). */
export function backupSiteDir(directories: Pick<ServiceDirectories, 'state'>): string {
  return path.join(directories.state, 'backup-site');
}

/** Everything the service may write; the rest of the file system is read-only to it. */
export function writableDirectories(directories: Pick<ServiceDirectories, 'state' | 'media' | 'logs'>): string[] {
  return [directories.state, directories.media, directories.logs];
}

/**
 * How the service is confined besides its writable directories, in systemd.exec(5) terms. The
 * twin's equivalent is ownership: the release is root's and read-only to the service user, and
 * only the writable directories are handed to it.
 */
export const serviceSandbox = {
  NoNewPrivileges: 'yes',
  ProtectSystem: 'strict',
  ProtectHome: 'yes',
  PrivateTmp: 'yes',
} as const;

/** The few values that differ from host to host. */
export interface ServiceHost {
  readonly zone: string;
  readonly instanceId: string;
  /** Every interface behind the ALB; loopback on the twin. */
  readonly host: string;
  readonly port: number;
  readonly directories: ServiceDirectories;
  /** Reached over HTTPS (the ALB), so cookies get `Secure`. */
  readonly cookieSecure: boolean;
  /** Origins besides the request's own host that may post with cookies. */
  readonly allowedOrigins: string;
  /**
   * The proxies in front of the shop (TRUSTED_PROXIES, TRUSTED_PROXY_HOPS): the addresses the
   * nearest one connects from and how many append to X-Forwarded-For. The shop takes the entry
   * the outermost one appended as the client, so a client's own X-Forwarded-For is ignored.
   */
  readonly proxies: { readonly nearestAddresses: string; readonly hops: number };
  /** Per-client-address limits, where every client shares one address (the twin's load on loopback). */
  readonly clientLimits?: { readonly loginPerMinute: number; readonly registerPerHour: number; readonly anonymousCartsPerHour: number };
  /** Defaults to topology's drain; the twin's tests shorten it. */
  readonly drainSeconds?: number;
  /**
   * The URLs without a login: the login is read from databaseCredentialsFile() for every new
   * connection. On AWS the URLs come from the environment file the env step writes, not from here.
   */
  readonly database?: { readonly writerUrl: string; readonly readerUrl: string };
  readonly sessionSecret?: string;
  readonly logLevel?: string;
  /**
   * The payment provider (Toss Payments) and its keys. On AWS the env step writes them from Secrets
   * Manager into the environment file instead; the twin passes its local stand-in's here.
   */
  readonly payments?: { readonly tossApiUrl: string; readonly tossSdkUrl: string; readonly clientKey: string; readonly secretKey: string };
  /**
   * Sign-in through the user pool (OpenID Connect): Cognito on AWS, where the env step writes these
   * from the Identity stack's secret instead; the twin's oidc-provider stand-in here. `providers` is
   * `key:PoolName` pairs, e.g. `kakao:Kakao` (infra/lib/constructs/identity-providers.ts).
   */
  /** The cache tier's one primary endpoint (ElastiCache's on AWS, written by the env step; HAProxy's on the twin). */
  readonly cache?: { readonly url: string; readonly password: string };
  readonly oidc?: { readonly issuerUrl: string; readonly clientId: string; readonly clientSecret: string; readonly redirectUrl: string; readonly providers: string };
  /**
   * The S3 media bucket uploads go to and images are served from (infra's MediaPipeline, whose
   * ObjectCreated events run the resize function). Absent on the twin: images stay in
   * directories.media, the folder its function runner watches.
   */
  readonly mediaBucket?: { readonly name: string; readonly region: string };
}

/** The service's environment on one host (shop/src/config.ts validates it at start). */
export function serviceEnvironment(host: ServiceHost): Record<string, string> {
  const { directories } = host;
  return {
    NODE_ENV: 'production',
    HOST: host.host,
    PORT: String(host.port),
    ZONE: host.zone,
    INSTANCE_ID: host.instanceId,
    MEDIA_DIR: directories.media,
    MIGRATIONS_DIR: releaseFiles(directories.release).migrations,
    DRAIN_SECONDS: String(host.drainSeconds ?? drainSeconds),
    SHUTDOWN_TIMEOUT_SECONDS: String(shutdownBoundSeconds),
    COOKIE_SECURE: String(host.cookieSecure),
    ALLOWED_ORIGINS: host.allowedOrigins,
    TRUSTED_PROXIES: host.proxies.nearestAddresses,
    TRUSTED_PROXY_HOPS: String(host.proxies.hops),
    ...(host.clientLimits
      ? {
          LOGIN_RATE_LIMIT_PER_MINUTE: String(host.clientLimits.loginPerMinute),
          REGISTER_RATE_LIMIT_PER_HOUR: String(host.clientLimits.registerPerHour),
          ANONYMOUS_CART_RATE_LIMIT_PER_HOUR: String(host.clientLimits.anonymousCartsPerHour),
        }
      : {}),
    BACKUP_SITE_DIR: backupSiteDir(directories),
    BACKUP_EXPORT_INTERVAL_SECONDS: String(frontDoorFailover.backupExportIntervalSeconds),
    DATABASE_CREDENTIALS_FILE: databaseCredentialsFile(directories),
    // The service logs in as the app role, which may not change the schema: migrations run once per
    // release as the migration role, before instances run it (twin: LaunchTemplate; AWS: the bootstrap).
    MIGRATE_ON_START: 'false',
    ...(host.database ? { DATABASE_URL: host.database.writerUrl, DATABASE_READ_URL: host.database.readerUrl } : {}),
    ...(host.sessionSecret ? { SESSION_SECRET: host.sessionSecret } : {}),
    ...(host.logLevel ? { LOG_LEVEL: host.logLevel } : {}),
    ...(host.payments
      ? {
          PAYMENT_PROVIDER: 'toss',
          TOSS_API_URL: host.payments.tossApiUrl,
          TOSS_SDK_URL: host.payments.tossSdkUrl,
          TOSS_CLIENT_KEY: host.payments.clientKey,
          TOSS_SECRET_KEY: host.payments.secretKey,
        }
      : {}),
    ...(host.cache ? { CACHE_URL: host.cache.url, CACHE_PASSWORD: host.cache.password } : {}),
    ...(host.mediaBucket ? { MEDIA_BUCKET: host.mediaBucket.name, MEDIA_BUCKET_REGION: host.mediaBucket.region } : {}),
    ...(host.oidc
      ? {
          OIDC_ISSUER_URL: host.oidc.issuerUrl,
          OIDC_CLIENT_ID: host.oidc.clientId,
          OIDC_CLIENT_SECRET: host.oidc.clientSecret,
          OIDC_REDIRECT_URL: host.oidc.redirectUrl,
          OIDC_PROVIDERS: host.oidc.providers,
        }
      : {}),
  };
}
