import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connectRabbitmqEventBus, SHOP_QUEUES, type QueueSpec } from '@evermall/shop';
import { acceptsConnections, answersAmqp, epmdBinary, ownedDir, rabbitmqOwner, type Owner } from '@evermall/testkit';
import type { TwinPaths } from '../config/paths.js';
import { brokerSettings } from '../config/twin-settings.js';
import type { EventLog } from '../events.js';
import { RuntimeApi } from '../load-balancer/runtime-api.js';
import { waitFor } from '../processes.js';
import { renderBrokerNodeConfig } from './broker-config.js';
import { BROKER_BACKEND, renderBrokerEndpointConfig } from './broker-endpoint-config.js';
import { BrokerNode } from './broker-node.js';
import { BrokerProcess } from './broker-process.js';

/** What every instance and the consumers get: one amqp URL (EVENT_BROKER_URL), as they get one SNS topic on AWS. */
export interface BrokerSettings {
  url: string;
}

export interface BrokerNodeStatus {
  name: string;
  /** Its Erlang name, for rabbitmqctl -n. */
  nodeName: string;
  port: number;
  /** Its process runs. */
  running: boolean;
  /** The endpoint sends connections to it (its check passes). */
  serving: boolean;
  /** A fault holds it down until restore. */
  held: boolean;
  /** Started again after a crash, not yet seen back in the cluster. */
  rejoining: boolean;
  restarts: number;
}

/** The broker as the status page shows it. */
export interface BrokerStatus {
  /** The one endpoint, without its password. */
  endpoint: string;
  endpointRunning: boolean;
  nodes: BrokerNodeStatus[];
}

export interface MessageBrokerOptions {
  paths: TwinPaths;
  ports: { endpoint: number; epmd: number; nodes: readonly { amqp: number; dist: number }[] };
  /** The default user's password (twin.json's brokerPassword). */
  password: string;
  events: EventLog;
  /** Who the nodes run as; the `rabbitmq` user when the twin is root. */
  owner?: Owner | undefined;
  /** The queues declared at start: the shop's consumers' (the publisher declares the same). */
  queues?: readonly QueueSpec[];
}

/** A fault command that cannot act on the broker as it is now (the CLI prints the message). */
export class MessageBrokerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MessageBrokerError';
  }
}

const ENDPOINT = 'endpoint';
const HOST = 'localhost';

/**
 * Flushes the quorum queues' Raft server registry (ra's names.dets) to disk. Ra 2.2 (RabbitMQ
 * 3.10) writes a queue member's registration there lazily; a node killed within about a second of
 * a queue's declaration forgets it and starts that member again as a new, empty one (logged as
 * "running pre init for 0 registered servers"). Measured here: with all three nodes SIGKILLed
 * right after a declaration, the queue came back with no leader and all 2,000 confirmed messages
 * gone; 10 s after it, all 2,000 came back. Ra syncs the table after every registration since
 * rabbitmq/ra#443 ("Sync name.dets to disk", 2024); this does once what that does each time.
 */
const SYNC_RAFT_REGISTRY = '{ok, T} = ra_system:lookup_name(quorum_queues, directory_rev), dets:sync(T).';

/**
 * The SNS + SQS stand-in: a durable message broker of three RabbitMQ nodes (Debian's 3.10) in one
 * cluster, the shop's queues quorum queues replicated on all three, behind one endpoint (a HAProxy
 * of its own in TCP mode). A node that crashes loses nothing (a majority confirmed every message
 * before the publisher was told) and the other two go on serving; it is started again after a
 * pause and catches up from them. Nodes a fault took down stay down until restore. Everything
 * lives under `<state>/broker/` and survives restarts of the twin.
 *
 * The broker is regional, as SNS and SQS are: `fail-zone` leaves it alone.
 */
export class MessageBroker {
  private readonly owner: Owner | undefined;
  private readonly nodes: BrokerNode[];
  private readonly epmd: BrokerProcess;
  private readonly endpoint: BrokerProcess;
  private readonly endpointApi: RuntimeApi;
  private readonly queues: readonly QueueSpec[];
  /** Nodes a fault holds down until restore. */
  private readonly held = new Set<string>();
  /** Nodes started again, until they are seen back in the cluster. */
  private readonly rejoining = new Set<string>();
  /** When each node that is not running went down (for the restart pause). */
  private readonly downSince = new Map<string, number>();
  private watchTimer: NodeJS.Timeout | undefined;
  private watching = false;
  private readonly stopping = new AbortController();

  constructor(private readonly options: MessageBrokerOptions) {
    if (options.ports.nodes.length !== brokerSettings.nodes) throw new Error(`the broker needs ports for ${brokerSettings.nodes} nodes`);
    this.owner = options.owner === undefined ? rabbitmqOwner() : options.owner;
    this.queues = options.queues ?? SHOP_QUEUES;
    const { paths } = options;
    const names = options.ports.nodes.map((_, i) => `broker-${i + 1}`);
    const cluster = names.map((name) => `${name}@${HOST}`);
    // A fresh cookie each start: it only has to be shared by the nodes (and rabbitmqctl) running now.
    const cookie = randomBytes(20).toString('hex');
    this.nodes = options.ports.nodes.map(
      (ports, i) =>
        new BrokerNode({
          name: names[i]!,
          nodeName: cluster[i]!,
          dir: paths.broker.node(names[i]!),
          port: ports.amqp,
          distPort: ports.dist,
          epmdPort: options.ports.epmd,
          config: renderBrokerNodeConfig({ port: ports.amqp, cluster, password: options.password }),
          cookie,
          owner: this.owner,
          logFile: path.join(paths.logs, `${names[i]}.log`),
          onExitUnasked: (how) => this.nodeExited(names[i]!, how),
        }),
    );
    const part = (name: string, command: string, args: string[], onExitUnasked: (how: string) => void) =>
      new BrokerProcess({ command, args, logFile: path.join(paths.logs, `broker-${name}.log`), cwd: paths.broker.node(name), owner: this.owner, onExitUnasked });
    this.epmd = part('epmd', epmdBinary(), ['-port', String(options.ports.epmd), '-address', '127.0.0.1'], (how) =>
      this.restartLater(this.epmd, `the broker's epmd exited (${how})`),
    );
    // -db: in the foreground, so the broker owns the process and its exit.
    this.endpoint = part(ENDPOINT, 'haproxy', ['-f', paths.broker.endpointConfig, '-db'], (how) =>
      this.restartLater(this.endpoint, `the broker endpoint's HAProxy exited (${how})`),
    );
    this.endpointApi = new RuntimeApi(paths.broker.endpointSocket);
  }

  /** The one endpoint with the default user's login and the shop's virtual host: EVENT_BROKER_URL. */
  get url(): string {
    return `amqp://${brokerSettings.user}:${this.options.password}@127.0.0.1:${this.options.ports.endpoint}/${brokerSettings.vhost}`;
  }

  /** Known before the broker starts: the launch template passes it to every instance. */
  get settings(): BrokerSettings {
    return { url: this.url };
  }

  /** The nodes' short names (`broker-1`, …). */
  get nodeNames(): string[] {
    return this.nodes.map((n) => n.name);
  }

  pids(): number[] {
    return [this.endpoint.pid, ...this.nodes.map((n) => n.process.pid), this.epmd.pid].flatMap((pid) => (pid ? [pid] : []));
  }

  /**
   * Starts epmd, the nodes, the endpoint; then declares the shop's queues and flushes their
   * registration on every node. Resolves when a publish through the endpoint reaches all three.
   */
  async start(): Promise<void> {
    requireCommand('haproxy');
    const signal = this.stopping.signal;
    const wait = <T>(what: string, check: () => Promise<T | undefined>) => waitFor(what, check, brokerSettings.startTimeoutMs, 200, signal);
    this.writeFiles();
    this.epmd.start();
    // Listening before a node starts: a node that finds no epmd starts a daemon of its own, which would outlive the twin.
    await wait("the broker's epmd to listen", async () => ((await acceptsConnections(this.options.ports.epmd)) ? true : undefined));

    const launch = (nodes: BrokerNode[]) => {
      signal.throwIfAborted();
      for (const node of nodes) node.process.start();
      return Promise.all(nodes.map((node) => wait(`broker node ${node.name} to answer AMQP`, async () => ((await this.answers(node)) ? true : undefined))));
    };
    // Nodes with data first, all at once (each waits for its peers' tables); a blank node joins
    // the first running node of its list, so blank ones start once a cluster runs to join, and on
    // the cluster's first start node 1 forms it alone.
    const formed = this.nodes.filter((n) => existsSync(path.join(n.dir, 'mnesia')));
    const blank = this.nodes.filter((n) => !formed.includes(n));
    const [first] = this.nodes as [BrokerNode];
    if (formed.length > 0) await launch(formed);
    else await launch([first]);
    await launch(blank.filter((n) => !n.running));
    await wait(`the broker's ${this.nodes.length} nodes to run as one cluster`, async () => ((await this.clusterSeenBy(first)).size === this.nodes.length ? true : undefined));

    signal.throwIfAborted();
    this.endpoint.start();
    await wait('the broker endpoint to send connections to every node', async () => ((await this.serving()).size === this.nodes.length ? true : undefined));
    // The publisher declares the same queues (idempotent); declaring them here first lets their
    // registration be flushed before any event is published.
    const bus = await connectRabbitmqEventBus({ url: this.url, queues: this.queues });
    await bus.close();
    await this.syncRaftRegistry(first, true);

    this.watchTimer = setInterval(() => void this.watch(), brokerSettings.watchIntervalMs);
    this.watchTimer.unref();
  }

  /**
   * SIGKILLs one node, as a crashed host: `name`, or the one leading the first queue (its
   * followers must elect a new leader), or any running one. It is started again after a pause and
   * rejoins.
   */
  async killNode(name: string | undefined, reason: string): Promise<BrokerNodeStatus> {
    const leader = name ? undefined : await this.queueLeader(this.queues[0]?.name ?? '').catch(() => undefined);
    const node = this.pick(name ?? leader);
    this.downSince.set(node.name, Date.now());
    await node.process.kill();
    this.options.events.emit('broker-node-killed', `${reason}: broker node ${node.name} (port ${node.port}) got SIGKILL; the other two serve, it starts again and catches up`, {
      node: node.name,
    });
    return this.nodeStatus(node, await this.serving());
  }

  /** The node leading `queue`'s Raft group, as the cluster's metadata records it; undefined when no node answers. */
  async queueLeader(queue: string): Promise<string | undefined> {
    if (!/^[\w.-]+$/.test(queue)) throw new Error(`not a queue name: ${queue}`);
    const node = this.nodes.find((n) => n.running && !this.rejoining.has(n.name));
    if (!node) return undefined;
    const printed = await node.eval(
      `{ok, Q} = rabbit_amqqueue:lookup(rabbit_misc:r(<<"${brokerSettings.vhost}">>, queue, <<"${queue}">>)), {_, Leader} = amqqueue:get_pid(Q), Leader.`,
    );
    return this.nodes.find((n) => printed.replace(/'/g, '') === n.nodeName)?.name;
  }

  /** Stops one node gracefully and holds it down until startNode or restore. */
  async stopNode(name: string, reason: string): Promise<void> {
    const node = this.node(name);
    this.held.add(node.name);
    await node.process.stop();
    this.options.events.emit('broker-node-stopped', `${reason}: broker node ${node.name} stopped, down until restore`, { node: node.name });
  }

  /** Starts a node a fault holds down (or one that is down anyway); resolves once it answers AMQP. */
  async startNode(name: string): Promise<void> {
    const node = this.node(name);
    this.held.delete(node.name);
    await this.revive([node]);
  }

  /** The whole broker crashes: every node SIGKILLed, all held down until restore. The endpoint stays up and refuses nothing but finds no node. */
  async failAll(reason: string): Promise<string[]> {
    const down: string[] = [];
    await Promise.all(
      this.nodes.map(async (node) => {
        this.held.add(node.name);
        if (!node.running) return;
        await node.process.kill();
        down.push(node.name);
      }),
    );
    this.options.events.emit('broker-down', `${reason}: every broker node got SIGKILL and stays down until restore; the outbox keeps the events`, { nodes: down });
    return down;
  }

  /** Starts every node a fault holds down, all at once (each waits for the others' tables); resolves once they answer AMQP. */
  async restore(): Promise<string[]> {
    const back = this.nodes.filter((n) => this.held.has(n.name));
    this.held.clear();
    await this.revive(back);
    return back.map((n) => n.name);
  }

  async status(): Promise<BrokerStatus> {
    const serving = await this.serving().catch(() => new Set<string>());
    return {
      endpoint: `amqp://${brokerSettings.user}@127.0.0.1:${this.options.ports.endpoint}/${brokerSettings.vhost}`,
      endpointRunning: this.endpoint.running,
      nodes: this.nodes.map((node) => this.nodeStatus(node, serving)),
    };
  }

  /** The endpoint first (no new connections), then every node at once, then epmd. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('the broker is stopping'));
    if (this.watchTimer) clearInterval(this.watchTimer);
    // SIGUSR1 = soft stop (HAProxy management guide §4).
    await this.endpoint.stop('SIGUSR1');
    await Promise.all(this.nodes.map((node) => node.process.stop()));
    await this.epmd.stop();
  }

  /** Each watch: start crashed nodes again after the pause, report restarted ones back in the cluster. */
  private async watch(): Promise<void> {
    if (this.watching || this.stopping.signal.aborted) return;
    this.watching = true;
    try {
      const due = this.nodes.filter((n) => !n.running && !this.held.has(n.name) && Date.now() - (this.downSince.get(n.name) ?? 0) >= brokerSettings.restartDelayMs);
      for (const node of due) {
        node.process.start();
        this.rejoining.add(node.name);
        this.options.events.emit('broker-node-started', `broker node ${node.name} started again after a crash`, { node: node.name });
      }
      for (const node of this.nodes.filter((n) => this.rejoining.has(n.name) && n.running)) {
        // A quiet check first: rabbitmqctl only once its listener is open.
        if (!(await acceptsConnections(node.port))) continue;
        const running = await this.clusterSeenBy(node).catch(() => new Set<string>());
        const expected = this.nodes.filter((n) => n.running).map((n) => n.nodeName);
        if (!expected.every((n) => running.has(n))) continue;
        await this.syncRaftRegistry(node, false);
        this.rejoining.delete(node.name);
        this.options.events.emit(
          'broker-node-rejoined',
          `broker node ${node.name} is back in the cluster (${running.size} nodes running); its queue replicas catch up from the leaders`,
          {
            node: node.name,
          },
        );
      }
    } catch (err) {
      if (!this.stopping.signal.aborted) this.options.events.emit('broker-watch-failed', `the broker watch failed: ${(err as Error).message}`);
    } finally {
      this.watching = false;
    }
  }

  /** Starts `nodes` at once and waits until each answers AMQP; they are then rejoining until the watch sees them in the cluster. */
  private async revive(nodes: BrokerNode[]): Promise<void> {
    const starting = nodes.filter((n) => !n.running);
    for (const node of starting) {
      node.process.start();
      this.rejoining.add(node.name);
      this.options.events.emit('broker-node-started', `broker node ${node.name} started`, { node: node.name });
    }
    await Promise.all(
      starting.map((node) =>
        waitFor(`broker node ${node.name} to answer AMQP`, async () => ((await this.answers(node)) ? true : undefined), brokerSettings.startTimeoutMs, 200, this.stopping.signal),
      ),
    );
  }

  private nodeExited(name: string, how: string): void {
    if (this.stopping.signal.aborted) return;
    this.downSince.set(name, Date.now());
    this.options.events.emit('broker-node-exited', `broker node ${name} exited (${how}); it starts again in ${brokerSettings.restartDelayMs / 1000}s`, { node: name });
  }

  /** epmd or the endpoint that crashed comes back after a pause. */
  private restartLater(process: BrokerProcess, what: string): void {
    if (this.stopping.signal.aborted) return;
    this.options.events.emit('broker-process-exited', `${what}; starting it again in ${brokerSettings.restartDelayMs / 1000}s`);
    setTimeout(() => {
      if (!this.stopping.signal.aborted) process.start();
    }, brokerSettings.restartDelayMs).unref();
  }

  /** The cluster's running nodes as `node` sees them (rabbit_nodes:all_running/0). */
  private async clusterSeenBy(node: BrokerNode): Promise<Set<string>> {
    const printed = await node.eval('rabbit_nodes:all_running().');
    return new Set([...printed.matchAll(/'?([\w-]+@[\w.-]+)'?/g)].map((m) => m[1]!));
  }

  /** SYNC_RAFT_REGISTRY on `node`, or on every node it is connected to (`everywhere`); throws unless each says ok. */
  private async syncRaftRegistry(node: BrokerNode, everywhere: boolean): Promise<void> {
    const expression = everywhere ? SYNC_RAFT_REGISTRY.replace('dets:sync(T).', 'rpc:multicall(dets, sync, [T]).') : SYNC_RAFT_REGISTRY;
    const printed = (await node.eval(expression)).replace(/\s/g, '');
    const expected = everywhere ? `{[${this.nodes.map(() => 'ok').join(',')}],[]}` : 'ok';
    if (printed !== expected) throw new Error(`flushing the quorum queues' registry on ${everywhere ? 'every broker node' : node.name} answered ${printed}`);
  }

  private answers(node: BrokerNode): Promise<boolean> {
    if (!node.running) throw new Error(`broker node ${node.name} exited while starting: see ${path.join(this.options.paths.logs, `${node.name}.log`)}`);
    return answersAmqp(node.port);
  }

  private nodeStatus(node: BrokerNode, serving: Set<string>): BrokerNodeStatus {
    return {
      name: node.name,
      nodeName: node.nodeName,
      port: node.port,
      running: node.running,
      serving: serving.has(node.name),
      held: this.held.has(node.name),
      rejoining: this.rejoining.has(node.name),
      restarts: node.process.restarts,
    };
  }

  /** Nodes HAProxy sends connections to (their check passes). */
  private async serving(): Promise<Set<string>> {
    if (!this.endpoint.running) return new Set();
    const rows = await this.endpointApi.stats();
    const names = new Set(this.nodes.map((n) => n.name));
    // The backend's own row (svname BACKEND) is UP while any node is.
    return new Set(rows.filter((r) => r.pxname === BROKER_BACKEND && names.has(r.svname ?? '') && r.status?.startsWith('UP')).map((r) => r.svname ?? ''));
  }

  private pick(name: string | undefined): BrokerNode {
    if (name) {
      const node = this.node(name);
      if (!node.running) throw new MessageBrokerError(`broker node ${name} is not running; see npm run twin -- status`);
      return node;
    }
    const running = this.nodes.filter((n) => n.running);
    const node = running[Math.floor(Math.random() * running.length)];
    if (!node) throw new MessageBrokerError('no broker node is running; restore-broker starts them');
    return node;
  }

  private node(name: string): BrokerNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new MessageBrokerError(`no broker node "${name}"; one of: ${this.nodeNames.join(', ')}`);
    return node;
  }

  /** The nodes' folders (their data kept), the endpoint's config (checked by HAProxy), epmd's folder. */
  private writeFiles(): void {
    const { paths, ports } = this.options;
    ownedDir(paths.broker.root, this.owner);
    for (const node of this.nodes) ownedDir(paths.broker.node(node.name), this.owner);
    for (const name of ['epmd', ENDPOINT]) {
      const dir = paths.broker.node(name);
      rmSync(dir, { recursive: true, force: true });
      ownedDir(dir, this.owner);
    }
    writeFileSync(
      paths.broker.endpointConfig,
      renderBrokerEndpointConfig({ listenPort: ports.endpoint, adminSocket: paths.broker.endpointSocket, nodes: this.nodes.map((n) => ({ name: n.name, port: n.port })) }),
      { mode: 0o600 },
    );
    if (this.owner) chownSync(paths.broker.endpointConfig, this.owner.uid, this.owner.gid);
    try {
      execFileSync('haproxy', ['-c', '-q', '-f', paths.broker.endpointConfig], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`HAProxy rejected ${paths.broker.endpointConfig}: ${(err as { stderr?: Buffer }).stderr?.toString().trim() ?? String(err)}`);
    }
    mkdirSync(paths.logs, { recursive: true });
  }
}

function requireCommand(command: string): void {
  try {
    execFileSync(command, ['-v'], { stdio: 'ignore' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${command} is not installed: run node scripts/ensure-system.mjs (as root it installs it)`);
  }
}
