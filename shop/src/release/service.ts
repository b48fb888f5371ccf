import path from 'node:path';
import { drainSeconds, frontDoorFailover, shutdownBoundSeconds } from '@evermall/topology';
import { releaseLayout } from './layout.js';

/**
 * The shop as a service: the release it runs, the user it runs as, the directories it may write
 * and its environment. infra renders this into the systemd unit of an EC2 instance
 * (infra/lib/constructs/user-data.ts); the twin applies it to every instance process
 * (twin/src/instances/shop-instance.ts). Both run the same release built by shop/build.mjs.
 */

export { releaseLayout, runtimeMajor } from './layout.js';

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

/** What starts the service: the release's own Node running its server bundle. */
export function serviceCommand(release: string): [command: string, ...args: string[]] {
  const files = releaseFiles(release);
  return [files.runtime, files.server];
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
  /** Uploaded product images, shared by every instance (EFS). Writable. */
  readonly media: string;
  /** The service's log. Writable. */
  readonly logs: string;
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
  /** Defaults to topology's drain; the twin's tests shorten it. */
  readonly drainSeconds?: number;
  /** On AWS these come from an environment file written at every start (a rotated password), not from here. */
  readonly database?: { readonly writerUrl: string; readonly readerUrl: string };
  readonly sessionSecret?: string;
  readonly logLevel?: string;
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
    BACKUP_SITE_DIR: backupSiteDir(directories),
    BACKUP_EXPORT_INTERVAL_SECONDS: String(frontDoorFailover.backupExportIntervalSeconds),
    ...(host.database ? { DATABASE_URL: host.database.writerUrl, DATABASE_READ_URL: host.database.readerUrl } : {}),
    ...(host.sessionSecret ? { SESSION_SECRET: host.sessionSecret } : {}),
    ...(host.logLevel ? { LOG_LEVEL: host.logLevel } : {}),
  };
}
