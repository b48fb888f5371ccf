import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Owner } from '@evermall/testkit';

/** The user a part runs as (spawnPart's `owner`); the test kit's `postgresOwner()` gives Postgres's. */
export type { Owner };

export interface SpawnOptions {
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  owner?: Owner | undefined;
  /** Aborting it SIGKILLs the child's group; an aborted signal refuses to start the child at all. */
  signal?: AbortSignal | undefined;
}

/**
 * Starts a child in its own process group, output appended to `logFile`. Its own group means
 * Ctrl-C in the terminal reaches only the twin, which then stops the parts in order, and a
 * fault can SIGKILL a part with everything it forked (pg_autoctl → postgres).
 */
export function spawnPart(command: string, args: string[], options: SpawnOptions): ChildProcess {
  options.signal?.throwIfAborted();
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
    const signal = options.signal;
    if (signal) {
      const kill = () => signalGroup(child.pid, 'SIGKILL');
      signal.addEventListener('abort', kill, { once: true });
      child.once('exit', () => signal.removeEventListener('abort', kill));
    }
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

/**
 * The processes whose parent is `pid`, from /proc. PostgreSQL's backends and auxiliary processes
 * call setsid() at start, so each leads a process group of its own: signalling the postmaster's
 * group does not reach them, and a "frozen" server would go on answering its open connections.
 */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // Exited while we read.
    }
  }
  return children;
}

/** Signals one process; quiet when it is already gone. */
export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
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

/** Waits until `check` returns a value (not undefined) or the deadline passes; gives up at once when `signal` aborts. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 200, signal?: AbortSignal): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
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
