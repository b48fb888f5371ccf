import { chownSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { systemUser, type Owner } from '../system-user.js';

/**
 * What starting one node of Debian's `rabbitmq-server` (3.10) takes, shared by the test kit's
 * throwaway node and the twin's three-node broker: where the server and epmd live, whom it runs
 * as, the files in its own directory (which is also its $HOME, for the Erlang cookie), the
 * environment that moves everything there, and the probe that says it takes connections.
 */
export interface RabbitmqNodeSpec {
  /** Its directory: config, cookie, data (mnesia/), logs; handed to the owner. */
  dir: string;
  /** `name@localhost`: peers and the CLI reach it by this name through epmd. */
  nodeName: string;
  /** AMQP 0-9-1 listener on 127.0.0.1. */
  port: number;
  /** Erlang distribution (node-to-node and CLI) listener. */
  distPort: number;
  /** The port of the epmd this node registers with; nodes of one cluster share it. */
  epmdPort: number;
  /** rabbitmq.conf (sysctl format). */
  config: string;
  /** The Erlang cookie: nodes of one cluster, and the CLI talking to them, must share it. */
  cookie: string;
  owner: Owner | undefined;
}

const PROBE_TIMEOUT_MS = 1_000;

export function rabbitmqHome(): string {
  const home = process.env.RABBITMQ_HOME ?? '/usr/lib/rabbitmq';
  if (!existsSync(path.join(home, 'bin', 'rabbitmq-server'))) throw new Error(`rabbitmq-server not found under ${home}: apt-get install -y rabbitmq-server`);
  return home;
}

/** rabbitmq-server, rabbitmqctl, … in the installation's bin/. */
export function rabbitmqBinary(name: 'rabbitmq-server' | 'rabbitmqctl'): string {
  return path.join(rabbitmqHome(), 'bin', name);
}

export function epmdBinary(): string {
  const found = ['/usr/bin/epmd', '/usr/lib/erlang/bin/epmd'].find((p) => existsSync(p));
  if (!found) throw new Error('epmd (Erlang) not found: apt-get install -y rabbitmq-server');
  return found;
}

/** The broker has no business running as root: the `rabbitmq` user Debian's package creates. */
export function rabbitmqOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const owner = systemUser('rabbitmq');
  if (!owner) throw new Error('Running as root needs a "rabbitmq" user to run rabbitmq-server: apt-get install -y rabbitmq-server');
  return owner;
}

/** Writes the node's config, plugin list, empty env file and cookie into its directory (which must exist), owned by its owner. */
export function writeRabbitmqNodeFiles(spec: RabbitmqNodeSpec): void {
  const files: [string, string, number][] = [
    // The Erlang cookie lives in $HOME and must be private to its owner (Erlang refuses it otherwise).
    ['.erlang.cookie', spec.cookie, 0o400],
    ['rabbitmq.conf', spec.config, 0o600],
    ['enabled_plugins', '[].\n', 0o644],
    ['rabbitmq-env.conf', '', 0o644],
  ];
  for (const [name, text, mode] of files) {
    const file = path.join(spec.dir, name);
    // A read-only cookie from the last start cannot be opened for writing: replace it.
    rmSync(file, { force: true });
    writeFileSync(file, text, { mode });
    if (spec.owner) chownSync(file, spec.owner.uid, spec.owner.gid);
  }
}

/** The environment rabbitmq-server (and rabbitmqctl, for `nodeName`) runs with: everything in `dir`, nothing shared with a system broker. */
export function rabbitmqNodeEnvironment(spec: Pick<RabbitmqNodeSpec, 'dir' | 'nodeName' | 'port' | 'distPort' | 'epmdPort'>): Record<string, string> {
  const { dir } = spec;
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    LANG: 'C.UTF-8',
    ERL_EPMD_PORT: String(spec.epmdPort),
    RABBITMQ_NODENAME: spec.nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(spec.port),
    RABBITMQ_DIST_PORT: String(spec.distPort),
    RABBITMQ_CONF_ENV_FILE: path.join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    // The log on stdout, where the owner keeps it (a failed start's last lines, the twin's log file).
    RABBITMQ_LOGS: '-',
    RABBITMQ_PID_FILE: path.join(dir, 'rabbitmq.pid'),
  };
}

/**
 * Whether an AMQP 0-9-1 broker answers on `port`: the client's protocol header is answered with
 * connection.start, a method frame (type 1) on channel 0 (AMQP 0-9-1 §4.2.2). RabbitMQ opens its
 * listener last in its boot, so an answer means the node takes connections. (The node logs the
 * probe's abandoned connection as a warning: probe at start-up, not on a timer.)
 */
export function answersAmqp(port: number): Promise<boolean> {
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

/** Whether something accepts TCP connections on 127.0.0.1:`port` (epmd, a node's listener); the connection is closed at once, which RabbitMQ does not log. */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), PROBE_TIMEOUT_MS);
    socket.on('connect', () => done(true));
    socket.on('error', () => done(false));
  });
}
