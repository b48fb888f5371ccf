import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../free-port.js';
import { ownedDir, systemUser, type Owner } from '../system-user.js';

/**
 * A throwaway Redis for tests: Debian's `redis-server` (7.0, the twin's; REDIS_SERVER moves it) on
 * a free loopback port, in a temp dir, with no persistence, as the `redis` user when we are root.
 * `stop()` shuts it down and removes the dir; if the owning process exits first it is killed.
 */
export interface RedisServer {
  /** redis://127.0.0.1:port, without the password (the shop takes CACHE_PASSWORD apart, as on AWS). */
  readonly url: string;
  readonly port: number;
  readonly password: string | undefined;
  /** Graceful stop (SIGTERM, nothing saved) and the temp dir removed; `restart()` may start it again. */
  stop(): Promise<void>;
  /** SIGKILL, as a crashed node: clients see their connections reset. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty (nothing is persisted). */
  restart(): Promise<void>;
  flushAll(): Promise<void>;
  /** Sends one command and returns the reply's first line, e.g. `+OK`; for faults such as CLIENT PAUSE. */
  command(...args: string[]): Promise<string>;
}

export interface RedisServerOptions {
  password?: string;
}

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const COMMAND_TIMEOUT_MS = 2_000;

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function redisBinary(): string {
  const bin = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
  if (!existsSync(bin)) throw new Error(`redis-server not found at ${bin}: apt-get install -y redis-server`);
  return bin;
}

/** redis-server refuses nothing as root, but a test server has no business running as root: the `redis` user Debian creates. */
function redisOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const owner = systemUser('redis') ?? systemUser('nobody');
  if (!owner) throw new Error('Running as root needs a "redis" user to run redis-server: apt-get install -y redis-server');
  return owner;
}

/** One command in RESP over a fresh connection (AUTH first when there is a password); resolves with the reply's first line. */
function sendCommand(port: number, password: string | undefined, args: string[]): Promise<string> {
  const encode = (parts: string[]) => `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const expected = password ? 2 : 1;
    let buffer = '';
    const timer = setTimeout(() => socket.destroy(new Error(`redis did not answer ${args[0]} within ${COMMAND_TIMEOUT_MS} ms`)), COMMAND_TIMEOUT_MS);
    socket.on('connect', () => socket.write((password ? encode(['AUTH', password]) : '') + encode(args)));
    socket.on('data', (data: Buffer) => {
      buffer += data.toString();
      const lines = buffer.split('\r\n');
      if (lines.length <= expected) return;
      clearTimeout(timer);
      socket.end();
      if (password && !lines[0]!.startsWith('+OK')) reject(new Error(`redis refused AUTH: ${lines[0]}`));
      else resolve(lines[expected - 1]!);
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const bin = redisBinary();
  const owner = redisOwner();
  const dir = ownedDir(mkdtempSync(path.join(os.tmpdir(), 'evermall-redis-')), owner);
  const port = await freePort();
  const password = options.password;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const run = async () => {
    ownedDir(dir, owner);
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      // No persistence: a test cache starts empty and a restart loses everything, like a replaced node.
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--logfile',
      '',
      ...(password ? ['--requirepass', password] : []),
    ];
    const started = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, ...owner });
    child = started;
    running.add(started);
    let stderr = '';
    started.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    exited = new Promise((resolve) =>
      started.once('exit', () => {
        running.delete(started);
        resolve();
      }),
    );
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (started.exitCode !== null) throw new Error(`redis-server exited during start: ${stderr}`);
      try {
        if ((await sendCommand(port, password, ['PING'])) === '+PONG') return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`redis-server did not answer PING within ${READY_TIMEOUT_MS} ms: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const halt = async (signal: 'SIGTERM' | 'SIGKILL') => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    // SIGTERM makes redis-server shut down cleanly; with no save points configured it writes nothing.
    current.kill(signal);
    const timer = setTimeout(() => current.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  await run();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    password,
    async stop() {
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => halt('SIGKILL'),
    async restart() {
      await halt('SIGTERM');
      await run();
    },
    async flushAll() {
      const reply = await sendCommand(port, password, ['FLUSHALL']);
      if (reply !== '+OK') throw new Error(`FLUSHALL answered ${reply}`);
    },
    command: (...args: string[]) => sendCommand(port, password, args),
  };
}
