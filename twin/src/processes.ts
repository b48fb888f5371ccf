import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';

/** The uid/gid Postgres runs as: the `postgres` user when we are root (Postgres refuses root). */
export interface Owner {
  uid: number;
  gid: number;
}

export function postgresOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('Running as root needs a "postgres" user to run PostgreSQL: apt-get install -y postgresql-15');
  }
}

/** mkdir -p, then hand the folder to `owner` (so Postgres, running unprivileged, can write it). */
export function ownedDir(dir: string, owner: Owner | undefined): string {
  mkdirSync(dir, { recursive: true });
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

export interface SpawnOptions {
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  owner?: Owner | undefined;
}

/**
 * Starts a child in its own process group, output appended to `logFile`. Its own group means
 * Ctrl-C in the terminal reaches only the twin, which then stops the parts in order, and a
 * fault can SIGKILL a part with everything it forked (pg_autoctl → postgres).
 */
export function spawnPart(command: string, args: string[], options: SpawnOptions): ChildProcess {
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, 'a');
  if (options.owner) chownSync(options.logFile, options.owner.uid, options.owner.gid);
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: true,
      ...(options.owner ? { uid: options.owner.uid, gid: options.owner.gid } : {}),
    });
    return child;
  } finally {
    closeSync(fd);
  }
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Signals a whole process group; quiet when it is already gone. */
export function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Resolves when `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM the group, SIGKILL it after `boundMs`; resolves when the child has exited. */
export async function stopGroup(child: ChildProcess, boundMs: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  signalGroup(child.pid, signal);
  const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), boundMs);
  await exited(child);
  clearTimeout(timer);
}

/** Waits until `check` returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: unknown;
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await sleep(everyMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
