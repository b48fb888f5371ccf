import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../free-port.js';
import { ownedDir } from '../system-user.js';
import { acceptsConnections, answersAmqp, epmdBinary, rabbitmqBinary, rabbitmqNodeEnvironment, rabbitmqOwner, writeRabbitmqNodeFiles } from './rabbitmq-node.js';

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
  /**
   * SIGSTOP to the node's process group, as a frozen host: the kernel still accepts its TCP
   * connections, and nothing answers them until `thaw()` (SIGCONT).
   */
  freeze(): void;
  thaw(): void;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

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

async function untilListening(port: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await acceptsConnections(port))) {
    if (exited() || Date.now() > deadline) throw new Error(`epmd did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startRabbitmqServer(): Promise<RabbitmqServer> {
  const server = rabbitmqBinary('rabbitmq-server');
  const epmd = epmdBinary();
  const owner = rabbitmqOwner();
  const dir = ownedDir(mkdtempSync(path.join(os.tmpdir(), 'evermall-rabbitmq-')), owner);
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const nodeName = `evermall-${randomBytes(4).toString('hex')}@localhost`;
  const spec = { dir, nodeName, port, distPort, epmdPort, config: `listeners.tcp.1 = 127.0.0.1:${port}\n`, cookie: randomBytes(20).toString('hex'), owner };
  writeRabbitmqNodeFiles(spec);
  const env = rabbitmqNodeEnvironment(spec);
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
    const started = launch(server, []);
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
    // A frozen node (freeze()) hears the SIGTERM only once it runs again.
    killGroup(current.pid, 'SIGCONT');
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
    freeze() {
      if (node?.pid && node.exitCode === null) killGroup(node.pid, 'SIGSTOP');
    },
    thaw() {
      if (node?.pid && node.exitCode === null) killGroup(node.pid, 'SIGCONT');
    },
    stopNode: () => halt('SIGTERM'),
    async restart() {
      await halt('SIGTERM');
      await run();
    },
  };
}
