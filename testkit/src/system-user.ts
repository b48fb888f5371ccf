import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync } from 'node:fs';

/** A uid/gid a child process runs as. */
export interface Owner {
  uid: number;
  gid: number;
}

/**
 * The uid/gid PostgreSQL runs as: ourselves, or the `postgres` user when we are root, because
 * postgres and initdb refuse to run as root.
 */
export function postgresOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const owner = systemUser('postgres');
  if (!owner) throw new Error('Running as root needs a "postgres" user to run PostgreSQL: apt-get install -y postgresql-15');
  return owner;
}

/** The uid/gid of the machine's user `name` (`id -u`, `id -g`), or undefined when there is none. */
export function systemUser(name: string): Owner | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/** mkdir -p, then hand the folder to `owner` (so a process running unprivileged can write it). */
export function ownedDir(dir: string, owner: Owner | undefined): string {
  mkdirSync(dir, { recursive: true });
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return dir;
}
