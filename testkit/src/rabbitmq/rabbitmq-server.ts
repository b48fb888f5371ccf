import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../free-port.js';
import { ownedDir, systemUser, type Owner } from '../system-user.js';

/**
 * A throwaway RabbitMQ node for tests: Debian's `rabbitmq-server` (3.10; RABBITMQ_HOME moves it)
 * on free loopback ports, its data and logs in a temp dir, as the `rabbitmq` user when we are
 * root. It has its own epmd (Erlang's port mapper) on a free port, started and stopped with it,
 * so no shared daemon outlives the test. `restart()` keeps the data dir: what the node had made
 * durable (quorum queues, their messages) is there again, as after a crash of a real broker.
 */
export interface RabbitmqServer {
  /** amqp://guest:guest@127.0.0.1:port (RabbitMQ lets `guest` in from loopback only). */
  readonly url: string;
  readonly port: number;
  /** Graceful stop (SIGTERM: the node closes its queues), epmd stopped, the temp dir removed. */
  stop(): Promise<void>;
  /** SIGKILL to the node's process group, as a crashed broker: connections reset, nothing flushed. */
  kill(): Promise<void>;
  /** Stops the node gracefully and keeps its data dir and epmd: a broker that is down until `restart()`. */
  stopNode(): Promise<void>;
  /** Starts the node again (stopping it first if it runs) on the same ports and data dir. */
  restart(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const PROBE_TIMEOUT_MS = 1_000;

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) if (child.pid) killGroup(child.pid, 'SIGKILL');
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function rabbitmqHome(): string {
  const home = process.env.RABBITMQ_HOME ?? '/usr/lib/rabbitmq';
  if (!existsSync(path.join(home, 'bin', 'rabbitmq-server'))) throw new Error(`rabbitmq-server not found under ${home}: apt-get install -y rabbitmq-server`);
  return home;
}

function epmdBinary(): string {
  const found = ['/usr/bin/epmd', '/usr/lib/erlang/bin/epmd'].find((p) => existsSync(p));
  if (!found) throw new Error('epmd (Erlang) not found: apt-get install -y rabbitmq-server');
  return found;
}

/** The broker has no business running as root: the `rabbitmq` user Debian's package creates. */
function rabbitmqOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const owner = systemUser('rabbitmq');
  if (!owner) throw new Error('Running as root needs a "rabbitmq" user to run rabbitmq-server: apt-get install -y rabbitmq-server');
  return owner;
}

/**
 * Whether an AMQP 0-9-1 broker answers on `port`: the client's protocol header is answered with
 * connection.start, a method frame (type 1) on channel 0 (AMQP 0-9-1 §4.2.2). RabbitMQ opens its
 * listener last in its boot, so an answer means the node takes connections.
 */
function answersAmqp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), PROBE_TIMEOUT_MS);
    socket.on('connect', () => socket.write(Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1])));
    socket.on('data', (data: Buffer) => done(data[0] === 1));
    socket.on('error', () => done(false));
  });
}

async function untilListening(port: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (exited() || Date.now() > deadline) throw new Error(`epmd did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startRabbitmqServer(): Promise<RabbitmqServer> {
  const home = rabbitmqHome();
  const epmd = epmdBinary();
  const owner = rabbitmqOwner();
  const dir = ownedDir(mkdtempSync(path.join(os.tmpdir(), 'evermall-rabbitmq-')), owner);
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const nodeName = `evermall-${randomBytes(4).toString('hex')}@localhost`;
  // The Erlang cookie lives in $HOME and must be private to its owner (Erlang refuses it otherwise).
  const cookie = path.join(dir, '.erlang.cookie');
  writeFileSync(cookie, randomBytes(20).toString('hex'), { mode: 0o400 });
  const configFile = path.join(dir, 'rabbitmq.conf');
  writeFileSync(configFile, `listeners.tcp.1 = 127.0.0.1:${port}\n`);
  const pluginsFile = path.join(dir, 'enabled_plugins');
  writeFileSync(pluginsFile, '[].\n');
  const envFile = path.join(dir, 'rabbitmq-env.conf');
  writeFileSync(envFile, '');
  if (owner) for (const file of [cookie, configFile, pluginsFile, envFile]) chownSync(file, owner.uid, owner.gid);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    LANG: 'C.UTF-8',
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONF_ENV_FILE: envFile,
    RABBITMQ_CONFIG_FILE: configFile,
    RABBITMQ_ENABLED_PLUGINS_FILE: pluginsFile,
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    // The log on stdout, where a failed start's last lines are kept for its error.
    RABBITMQ_LOGS: '-',
    RABBITMQ_PID_FILE: path.join(dir, 'rabbitmq.pid'),
  };
  let node: ChildProcess | undefined;
  let mapper: ChildProcess | undefined;
  let nodeExited: Promise<void> = Promise.resolve();
  let output = '';

  const launch = (command: string, args: string[]): { child: ChildProcess; exited: Promise<void> } => {
    // Its own process group (detached), so a stop reaches erl's helpers (erl_child_setup, inet_gethost) too.
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir, env, detached: true, ...owner });
    running.add(child);
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        running.delete(child);
        resolve();
      }),
    );
    return { child, exited };
  };

  const run = async () => {
    ownedDir(dir, owner);
    if (!mapper || mapper.exitCode !== null || mapper.signalCode !== null) {
      const started = launch(epmd, ['-port', String(epmdPort), '-address', '127.0.0.1']).child;
      mapper = started;
      // Listening before the node starts: a node that finds no epmd starts a daemon of its own, which would outlive the test.
      await untilListening(epmdPort, () => started.exitCode !== null);
    }
    const started = launch(path.join(home, 'bin', 'rabbitmq-server'), []);
    node = started.child;
    nodeExited = started.exited;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (started.child.exitCode !== null) throw new Error(`rabbitmq-server exited during start: ${output}`);
      if (await answersAmqp(port)) return;
      if (Date.now() > deadline) throw new Error(`rabbitmq-server did not answer AMQP within ${READY_TIMEOUT_MS} ms: ${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const halt = async (signal: 'SIGTERM' | 'SIGKILL') => {
    const current = node;
    if (!current?.pid || current.exitCode !== null || current.signalCode !== null) return;
    // SIGTERM: the server script stops the node properly (its own trap); SIGKILL: the whole group at once.
    if (signal === 'SIGTERM') current.kill('SIGTERM');
    else killGroup(current.pid, 'SIGKILL');
    const timer = setTimeout(() => killGroup(current.pid!, 'SIGKILL'), STOP_TIMEOUT_MS);
    await nodeExited;
    clearTimeout(timer);
    // Whatever the node left in its group (a helper that outlived it) goes with it.
    killGroup(current.pid, 'SIGKILL');
  };

  const stopMapper = async () => {
    const current = mapper;
    if (!current?.pid || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    killGroup(current.pid, 'SIGKILL');
    await exited;
  };

  try {
    await run();
  } catch (err) {
    await halt('SIGKILL');
    await stopMapper();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    port,
    async stop() {
      await halt('SIGTERM');
      await stopMapper();
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => halt('SIGKILL'),
    stopNode: () => halt('SIGTERM'),
    async restart() {
      await halt('SIGTERM');
      await run();
    },
  };
}
