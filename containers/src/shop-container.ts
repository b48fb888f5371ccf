import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { databaseCredentialsFile, databaseRoles } from '@evermall/shop/release';
import { drainSeconds, shutdownBoundSeconds } from '@evermall/topology';
import { podman, ulimitFlags } from './engine.js';
import { cliCommand, imageDirectories, imageUser } from './layout.js';

/**
 * The shop's image run as the EC2 unit runs the release: as the service user, the root file
 * system read-only, only the service's directories and /tmp writable, the database login in a
 * read-only secrets directory, no capabilities, no new privileges. On the host network (see
 * engine.ts), so it listens on 127.0.0.1:`port` of this machine and reaches PostgreSQL and the
 * payment provider there. For the CLI's `run` and the image test.
 */
export interface ShopContainerOptions {
  readonly image: string;
  readonly port: number;
  /** The writer's URL without a password; the login comes from `credentials`. */
  readonly databaseUrl: string;
  readonly credentials: { readonly username: string; readonly password: string };
  readonly environment: Record<string, string>;
  /** The media directory on the host (EFS on AWS); default: a new temp dir, removed on stop. */
  readonly mediaDir?: string;
}

export interface ShopContainer {
  readonly name: string;
  readonly baseUrl: string;
  logs(): string;
  /** Whether the process runs and what `podman healthcheck run` says of it. */
  healthcheck(): 'healthy' | 'unhealthy';
  /** `podman exec` as the container's user. */
  exec(command: string[]): { status: number; output: string };
  /** SIGTERM, waits for the graceful stop, removes the container and its host dirs; returns the exit code. */
  stop(): number;
}

/** The flags every shop container gets, whatever it runs. */
function confinement(secretsDir: string, mediaDir: string): string[] {
  const { uid, gid } = imageUser;
  // `U` hands the tmpfs to the container's user (podman-run(1), --tmpfs); its uid= option is refused.
  const tmpfs = (dir: string) => ['--tmpfs', `${dir}:rw,nosuid,nodev,noexec,mode=0755,U`];
  return [
    '--network=host',
    ...ulimitFlags(),
    '--read-only',
    '--read-only-tmpfs=false',
    ...tmpfs(imageDirectories.state),
    ...tmpfs(imageDirectories.logs),
    '--tmpfs',
    '/tmp:rw,nosuid,nodev,mode=1777',
    '--volume',
    `${mediaDir}:${imageDirectories.media}:rw`,
    '--volume',
    `${secretsDir}:${imageDirectories.secrets}:ro`,
    '--user',
    `${uid}:${gid}`,
    '--cap-drop=ALL',
    '--security-opt=no-new-privileges',
  ];
}

function envFlags(env: Record<string, string>): string[] {
  return Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
}

/** A secrets directory as the env step writes it: root's, readable by the service's group only. */
function secretsDirWith(credentials: { username: string; password: string }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-container-secrets-'));
  const file = databaseCredentialsFile({ secrets: dir });
  writeFileSync(file, JSON.stringify(credentials), { mode: 0o640 });
  chownSync(file, 0, imageUser.gid);
  chownSync(dir, 0, imageUser.gid);
  chmodSync(dir, 0o750);
  return dir;
}

function mediaDirFor(given: string | undefined): { dir: string; owned: boolean } {
  if (given) return { dir: given, owned: false };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-container-media-'));
  chownSync(dir, imageUser.uid, imageUser.gid);
  return { dir, owned: true };
}

/**
 * Runs the release's migrations from the image as the migration role (`cli.js migrate`), the
 * step a deploy takes once per release before any instance or pod runs it.
 */
export function migrateWithImage(options: { image: string; databaseUrl: string; credentials: { username: string; password: string } }): string {
  const secrets = secretsDirWith(options.credentials);
  const media = mediaDirFor(undefined);
  try {
    return podman(['run', '--rm', ...confinement(secrets, media.dir), ...envFlags({ DATABASE_URL: options.databaseUrl }), options.image, ...cliCommand('migrate')]);
  } finally {
    rmSync(secrets, { recursive: true, force: true });
    rmSync(media.dir, { recursive: true, force: true });
  }
}

export function startShopContainer(options: ShopContainerOptions): ShopContainer {
  const name = `evermall-shop-${randomBytes(4).toString('hex')}`;
  const secrets = secretsDirWith(options.credentials);
  const media = mediaDirFor(options.mediaDir);
  const cleanup = () => {
    rmSync(secrets, { recursive: true, force: true });
    if (media.owned) rmSync(media.dir, { recursive: true, force: true });
  };
  try {
    podman([
      'run',
      '--detach',
      '--name',
      name,
      ...confinement(secrets, media.dir),
      ...envFlags({ INSTANCE_ID: name, PORT: String(options.port), DATABASE_URL: options.databaseUrl, ...options.environment }),
      options.image,
    ]);
  } catch (err) {
    cleanup();
    throw err;
  }
  return {
    name,
    baseUrl: `http://127.0.0.1:${options.port}`,
    logs: () => podman(['logs', name]),
    healthcheck: () => {
      try {
        podman(['healthcheck', 'run', name]);
        return 'healthy';
      } catch {
        return 'unhealthy';
      }
    },
    exec: (command) => {
      try {
        return { status: 0, output: podman(['exec', name, ...command]) };
      } catch (err) {
        return { status: (err as { status?: number }).status ?? 1, output: String((err as Error).message) };
      }
    },
    stop: () => {
      try {
        // Past the shop's own bound (drain and in-flight requests), as systemd's TimeoutStopSec is.
        podman(['stop', '--time', String(shutdownBoundSeconds + drainSeconds), name]);
        const [state] = JSON.parse(podman(['inspect', name])) as { State: { ExitCode: number } }[];
        return state!.State.ExitCode;
      } finally {
        podman(['rm', '--force', '--ignore', name]);
        cleanup();
      }
    },
  };
}

/** The app role's URL for a database on this machine's PostgreSQL (the password comes from the credentials file). */
export function appDatabaseUrl(port: number, database: string, role: keyof typeof databaseRoles = 'app'): string {
  return `postgres://${databaseRoles[role]}@127.0.0.1:${port}/${database}?sslmode=disable`;
}
