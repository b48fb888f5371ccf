import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Podman, rootful and daemonless, set up for the machines this project runs on (a VM whose root
 * lacks CAP_SYS_RESOURCE, with cgroups v1 plus a cgroup2 mount holding one controller: "hybrid"):
 *
 * - runc, not crun: crun refuses hybrid cgroups ("crun: cgroups in hybrid mode not supported,
 *   drop all controllers from cgroupv2"); runc runs on the v1 hierarchy with the cgroupfs manager.
 * - explicit rlimits no higher than the host's hard limits: podman's defaults (RLIMIT_NOFILE
 *   1048576, RLIMIT_NPROC from the host) need CAP_SYS_RESOURCE to raise, and without it runc stops
 *   with "error setting rlimit type 7: operation not permitted".
 * - the host network only: netavark's bridge needs iptables, and the tests reach the shop on
 *   loopback anyway (a published port would bind 127.0.0.1 only as well).
 *
 * Build steps run with chroot isolation, so building needs no OCI runtime at all.
 */
export const engineFlags = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'] as const;

/** The ulimits every container gets: the host's own hard limits, capped at the usual container values. */
export function ulimitFlags(limitsFile = '/proc/self/limits'): string[] {
  const hard = (name: string, fallback: number): number => {
    const line = readFileSync(limitsFile, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(name));
    const value = line?.slice(name.length).trim().split(/\s+/)[1];
    return value === undefined || value === 'unlimited' ? fallback : Number(value);
  };
  // 65536 open files and 4096 processes are plenty for one Node process and what it forks.
  const nofile = Math.min(hard('Max open files', 65536), 65536);
  const nproc = Math.min(hard('Max processes', 4096), 4096);
  return ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`];
}

export class EngineError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly status: number | null,
    readonly stderr: string,
  ) {
    super(`podman ${args.slice(0, 2).join(' ')} failed (${status === null ? 'killed' : `exit ${status}`}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
    this.name = 'EngineError';
  }
}

/** Runs podman to its end and returns its standard output; throws EngineError with its last lines otherwise. */
export function podman(args: readonly string[], options: { input?: string } = {}): string {
  const res = spawnSync('podman', [...engineFlags, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, input: options.input });
  if (res.error) throw new EngineError(args, null, `${res.error.message} (is podman installed? node scripts/ensure-system.mjs)`);
  if (res.status !== 0) throw new EngineError(args, res.status, res.stderr);
  return res.stdout;
}

/**
 * Runs podman with its output passed line by line to `progress`, for the long steps (a build, an
 * import), so a person sees them move. Resolves with the full output; rejects with EngineError.
 */
export function podmanWithProgress(args: readonly string[], progress: (line: string) => void, stdin?: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('podman', [...engineFlags, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let all = '';
    let tail = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      all += text;
      tail = (tail + text).slice(-8000);
      for (const line of text.split('\n')) if (line.trim()) progress(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    if (stdin) stdin.pipe(child.stdin);
    else child.stdin.end();
    child.once('error', (err) => reject(new EngineError(args, null, err.message)));
    child.once('close', (code) => (code === 0 ? resolve(all) : reject(new EngineError(args, code, tail))));
  });
}

/** True when podman has an image by this name. */
export function imageExists(ref: string): boolean {
  return spawnSync('podman', [...engineFlags, 'image', 'exists', ref]).status === 0;
}
