import { appPort } from '@evermall/topology';
import { releaseFiles, serviceCommand, serviceEnvironment, serviceUser, writableDirectories, type ServiceDirectories } from '@evermall/shop/release';

/**
 * Where things are inside the image: the EC2 instance's layout (infra's instanceDirectories), so a
 * path in a runbook means the same on both. The root file system is read-only when the container
 * runs; the writable directories (state, media, logs) and /tmp are volumes (podman: tmpfs or bind
 * mounts; Kubernetes: emptyDir and the EFS volume), the secrets directory is mounted read-only.
 */
export const imageDirectories: ServiceDirectories = {
  release: '/opt/evermall/current',
  state: '/var/lib/evermall',
  media: '/var/lib/evermall/media',
  logs: '/var/log/evermall',
  secrets: '/run/evermall',
};

/** Writable paths of a running container besides the service's own directories: a private /tmp, as systemd's PrivateTmp gives. */
export const scratchDirectories = ['/tmp'] as const;

export function writablePaths(): string[] {
  return [...writableDirectories(imageDirectories), ...scratchDirectories];
}

/** The image's ENTRYPOINT (the release's Node with topology's heap) and CMD (the server bundle). */
export function imageCommand(): { entrypoint: string[]; cmd: string[] } {
  const [runtime, ...args] = serviceCommand(imageDirectories.release);
  const server = args.pop()!;
  return { entrypoint: [runtime, ...args], cmd: [server] };
}

/** What a one-off task runs instead of the server: the release's CLI (`migrate`, `create-admin`). */
export function cliCommand(...args: string[]): string[] {
  return [releaseFiles(imageDirectories.release).cli, ...args];
}

export const imageUser = serviceUser;
export const imagePort = appPort;

/**
 * The environment the image itself sets: what follows from its layout and is the same wherever it
 * runs. Per-deployment values (database, secrets, proxies, zone, instance id) come from `podman
 * run -e` or the chart.
 */
export function imageEnvironment(): Record<string, string> {
  const all = serviceEnvironment({
    zone: 'unset',
    instanceId: 'unset',
    host: '0.0.0.0',
    port: appPort,
    directories: imageDirectories,
    cookieSecure: true,
    allowedOrigins: '',
    proxies: { nearestAddresses: '', hops: 0 },
  });
  const fromLayout = ['NODE_ENV', 'HOST', 'PORT', 'MEDIA_DIR', 'MIGRATIONS_DIR', 'BACKUP_SITE_DIR', 'DATABASE_CREDENTIALS_FILE', 'MIGRATE_ON_START'];
  return Object.fromEntries(fromLayout.map((name) => [name, all[name]!]));
}
