import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ownedDir, postgresOwner, type Owner } from '@evermall/testkit';
import { cache, type Zone } from '@evermall/topology';
import type { TwinPaths } from '../config/paths.js';
import { cacheSettings } from '../config/twin-settings.js';
import type { EventLog } from '../events.js';
import { RuntimeApi } from '../load-balancer/runtime-api.js';
import { waitFor } from '../processes.js';
import { renderNodeConfig, renderSentinelConfig } from './cache-config.js';
import { CACHE_BACKEND, renderCacheEndpointConfig } from './cache-endpoint-config.js';
import { CacheProcess } from './cache-process.js';
import { redisCommand, redisInfo } from './redis-probe.js';

/** What every instance gets (ServiceHost.cache in @evermall/shop/release): ElastiCache's primary endpoint and AUTH token on AWS. */
export interface CacheSettings {
  url: string;
  password: string;
}

export type CacheNodeName = 'a' | 'b';

export interface CacheNodeStatus {
  name: CacheNodeName;
  zone: Zone;
  port: number;
  /** From the node's own INFO replication; `down` when it does not answer. */
  role: 'primary' | 'replica' | 'down';
  /** A replica's link to its primary (INFO replication master_link_status), and which port it follows. */
  link?: { primaryPort: number; status: string } | undefined;
  /** Taking the endpoint's connections (HAProxy's check passes). */
  serving: boolean;
  restarts: number;
}

export interface CacheSentinelStatus {
  name: string;
  port: number;
  running: boolean;
  /** The primary this Sentinel names (SENTINEL get-master-addr-by-name), as host:port. */
  primary: string | undefined;
}

/** The cache tier as the status page shows it. */
export interface CacheStatus {
  /** The one primary endpoint instances connect to. */
  url: string;
  endpointRunning: boolean;
  /** The node the Sentinels agree is primary (a majority of them), if they do. */
  primary: CacheNodeName | undefined;
  nodes: CacheNodeStatus[];
  sentinels: CacheSentinelStatus[];
  /** Nodes a fault took down, kept down until restore. */
  failed: CacheNodeName[];
}

export interface CacheTierOptions {
  paths: TwinPaths;
  ports: { endpoint: number; a: number; b: number; sentinels: readonly number[] };
  /** AUTH password of the nodes, the Sentinels and the endpoint's check (twin.json's cachePassword). */
  password: string;
  events: EventLog;
  /** Who the processes run as; the database's user by default (postgres when the twin is root). */
  owner?: Owner | undefined;
}

interface CacheNode {
  name: CacheNodeName;
  zone: Zone;
  port: number;
  process: CacheProcess;
}

interface Sentinel {
  name: string;
  port: number;
  process: CacheProcess;
}

const ENDPOINT = 'endpoint';

/**
 * The ElastiCache replication group stand-in: Debian's redis-server as the primary (zone a) and
 * its replica (zone b), three redis-sentinels that promote the replica when the primary dies
 * (quorum 2), and one primary endpoint (a HAProxy of its own with a `role:master` check) that
 * follows the promotion. Everything runs as the database's user with its files under
 * `<state>/cache/`.
 *
 * A node that crashes (or `failPrimary` kills) comes back on its own, but a dead primary only
 * once the Sentinels have promoted the other node, and then as its replica: a primary without
 * persistence that restarts empty before the failover would hand its empty data set to the
 * replica (redis.io, "Replication", "Safety of replication when master has persistence turned
 * off"). Nodes `failTier` took down stay down until `restore`.
 */
export class CacheTier {
  private readonly owner: Owner | undefined;
  private readonly nodes: CacheNode[];
  private readonly sentinels: Sentinel[];
  private readonly endpoint: CacheProcess;
  private readonly endpointApi: RuntimeApi;
  /** Nodes a fault took down; they stay down until restore. */
  private readonly failed = new Set<CacheNodeName>();
  /** Nodes started again as replicas, until their link to the primary is up. */
  private readonly rejoining = new Set<CacheNodeName>();
  private knownPrimary: CacheNodeName | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private watching = false;
  private readonly stopping = new AbortController();

  constructor(private readonly options: CacheTierOptions) {
    if (cache.replicas !== 1) throw new Error(`topology.cache.replicas is ${cache.replicas}: the twin runs one primary and one replica (ports a and b)`);
    if (options.ports.sentinels.length !== cacheSettings.sentinels) throw new Error(`the cache tier needs ${cacheSettings.sentinels} Sentinel ports`);
    this.owner = options.owner === undefined ? postgresOwner() : options.owner;
    const { paths } = options;
    const part = (name: string, command: string, args: string[], onExitUnasked: (how: string) => void) =>
      new CacheProcess({ command, args, logFile: path.join(paths.logs, `cache-${name}.log`), cwd: paths.cache.node(name), owner: this.owner, onExitUnasked });
    this.nodes = (['a', 'b'] as const).map((name) => ({
      name,
      zone: name,
      port: options.ports[name],
      process: part(name, 'redis-server', [this.configFile(name)], (how) => this.nodeExited(name, how)),
    }));
    this.sentinels = options.ports.sentinels.map((port, i) => {
      const name = `sentinel-${i + 1}`;
      const process: CacheProcess = part(name, 'redis-sentinel', [this.configFile(name)], (how) => this.restartLater(process, `${name} exited (${how})`));
      return { name, port, process };
    });
    // -db: in the foreground, so the tier owns the process and its exit.
    this.endpoint = part(ENDPOINT, 'haproxy', ['-f', paths.cache.endpointConfig, '-db'], (how) => this.restartLater(this.endpoint, `the cache endpoint's HAProxy exited (${how})`));
    this.endpointApi = new RuntimeApi(paths.cache.endpointSocket);
  }

  /** The primary endpoint: what the shop's CACHE_URL names. */
  get url(): string {
    return `redis://127.0.0.1:${this.options.ports.endpoint}`;
  }

  /** Known before the tier starts: the shop CLI loads the same configuration as the instances. */
  get settings(): CacheSettings {
    return { url: this.url, password: this.options.password };
  }

  pids(): number[] {
    return [this.endpoint, ...this.sentinels.map((s) => s.process), ...this.nodes.map((n) => n.process)].flatMap((p) => (p.pid ? [p.pid] : []));
  }

  /**
   * Writes every config afresh (a cold cache, node a primary), then starts the primary, the
   * replica, the Sentinels and the endpoint, each once the one before answers; resolves when the
   * endpoint sends connections to the primary and every Sentinel knows the replica and the
   * other Sentinels (a failover needs both).
   */
  async start(): Promise<void> {
    for (const bin of ['redis-server', 'redis-sentinel', 'haproxy']) requireCommand(bin);
    const [primary, replica] = this.nodes as [CacheNode, CacheNode];
    this.writeConfigs(primary.port);
    const signal = this.stopping.signal;
    const wait = <T>(what: string, check: () => Promise<T | undefined>) => waitFor(what, check, cacheSettings.startTimeoutMs, 100, signal);
    // A stop that came while a wait's last check was answering: start nothing more.
    const launch = (process: CacheProcess) => {
      signal.throwIfAborted();
      process.start();
    };

    launch(primary.process);
    await wait(`cache node ${primary.name} to answer`, async () => ((await this.command(primary.port, ['PING'])) === 'PONG' ? true : undefined));
    launch(replica.process);
    await wait(`cache node ${replica.name} to replicate node ${primary.name}`, async () => ((await this.info(replica.port)).get('master_link_status') === 'up' ? true : undefined));

    for (const sentinel of this.sentinels) launch(sentinel.process);
    const others = this.sentinels.length - 1;
    await wait('the Sentinels to find the replica and each other', async () => {
      for (const sentinel of this.sentinels) {
        const known = await this.command(sentinel.port, ['SENTINEL', 'SENTINELS', cacheSettings.masterName]);
        const replicas = await this.command(sentinel.port, ['SENTINEL', 'REPLICAS', cacheSettings.masterName]);
        if (!Array.isArray(known) || known.length < others || !Array.isArray(replicas) || replicas.length < cache.replicas) return undefined;
      }
      return true;
    });
    this.knownPrimary = primary.name;

    launch(this.endpoint);
    await wait('the cache endpoint to send connections to the primary only', async () => {
      const serving = await this.serving();
      return serving.size === 1 && serving.has(primary.name) ? true : undefined;
    });
    await wait('a command through the cache endpoint', async () => ((await this.command(this.options.ports.endpoint, ['PING'])) === 'PONG' ? true : undefined));

    this.watchTimer = setInterval(() => void this.watch(), cacheSettings.watchIntervalMs);
    this.watchTimer.unref();
  }

  /**
   * SIGKILLs the node that is primary now, as a crashed host. The Sentinels promote the replica
   * and the endpoint follows; the killed node comes back as the new primary's replica.
   */
  async failPrimary(reason: string): Promise<CacheNodeStatus> {
    const primary = (await this.nodeStatuses()).find((n) => n.role === 'primary');
    const node = primary && this.node(primary.name);
    if (!primary || !node) throw new CacheTierError('no cache primary right now; wait for the failover in progress (npm run twin -- status)');
    await node.process.kill();
    this.options.events.emit(
      'cache-node-killed',
      `${reason}: cache primary, node ${node.name} (zone ${node.zone}, port ${node.port}), got SIGKILL; the Sentinels promote the replica`,
      {
        node: node.name,
      },
    );
    return primary;
  }

  /** SIGKILLs `names` (both nodes: the whole tier) and keeps them down until restore. The Sentinels and the endpoint stay up. */
  async failNodes(names: readonly CacheNodeName[], reason: string): Promise<CacheNodeName[]> {
    const down: CacheNodeName[] = [];
    for (const name of names) {
      this.failed.add(name);
      const node = this.node(name);
      if (!node?.process.running) continue;
      await node.process.kill();
      down.push(name);
    }
    this.options.events.emit('cache-nodes-down', `${reason}: cache node${names.length > 1 ? 's' : ''} ${names.join(', ')} down until restore`, { nodes: [...names] });
    return down;
  }

  /** Starts the nodes a fault took down: the Sentinels' primary first, then the other as its replica. */
  async restore(): Promise<CacheNodeName[]> {
    const back = [...this.failed];
    this.failed.clear();
    await this.reviveDownNodes(await this.sentinelsPrimary());
    return back;
  }

  /** The Sentinels' primary, as a majority of them name it. */
  async sentinelsPrimary(): Promise<CacheNodeName | undefined> {
    const views = await Promise.all(this.sentinels.map((s) => this.sentinelView(s)));
    const votes = new Map<string, number>();
    for (const view of views) if (view) votes.set(view, (votes.get(view) ?? 0) + 1);
    const [address] = [...votes].find(([, n]) => n >= Math.floor(this.sentinels.length / 2) + 1) ?? [];
    return this.nodes.find((n) => address === `127.0.0.1:${n.port}`)?.name;
  }

  async status(): Promise<CacheStatus> {
    const [nodes, sentinels, primary] = await Promise.all([
      this.nodeStatuses(),
      Promise.all(this.sentinels.map(async (s) => ({ name: s.name, port: s.port, running: s.process.running, primary: await this.sentinelView(s) }))),
      this.sentinelsPrimary(),
    ]);
    return { url: this.url, endpointRunning: this.endpoint.running, primary, nodes, sentinels, failed: [...this.failed] };
  }

  /** Endpoint first (no new connections), then the Sentinels (so stopping the primary starts no failover), then the replica and the primary. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('the cache tier is stopping'));
    if (this.watchTimer) clearInterval(this.watchTimer);
    // SIGUSR1 = soft stop (HAProxy management guide §4).
    await this.endpoint.stop('SIGUSR1');
    await Promise.all(this.sentinels.map((s) => s.process.stop()));
    const primary = await this.nodeStatuses().then((nodes) => nodes.find((n) => n.role === 'primary')?.name);
    for (const node of [...this.nodes].sort((x, y) => Number(x.name === primary) - Number(y.name === primary))) await node.process.stop();
  }

  /** Each watch: notice a promotion, bring back crashed nodes, report a rejoined replica. */
  private async watch(): Promise<void> {
    if (this.watching || this.stopping.signal.aborted) return;
    this.watching = true;
    try {
      const primary = await this.sentinelsPrimary();
      if (primary && this.knownPrimary && primary !== this.knownPrimary) {
        const node = this.node(primary);
        this.options.events.emit(
          'cache-primary-changed',
          `the Sentinels promoted cache node ${primary} (zone ${node?.zone}, port ${node?.port}) to primary; the endpoint follows`,
          {
            from: this.knownPrimary,
            to: primary,
          },
        );
      }
      if (primary) this.knownPrimary = primary;
      await this.reviveDownNodes(primary);
      for (const name of this.rejoining) {
        const node = this.node(name);
        const info = node && (await this.info(node.port).catch(() => undefined));
        if (info?.get('master_link_status') !== 'up') continue;
        this.rejoining.delete(name);
        this.options.events.emit('cache-node-rejoined', `cache node ${name} is a replica of port ${info.get('master_port')} again, in sync`, { node: name });
      }
    } finally {
      this.watching = false;
    }
  }

  /**
   * Starts nodes that are down and not held down by a fault. The Sentinels' primary starts as
   * primary only when no node runs (there is no data left to lose); any other starts as the
   * running primary's replica. A dead primary the Sentinels have not replaced yet waits.
   */
  private async reviveDownNodes(sentinelsPrimary: CacheNodeName | undefined): Promise<void> {
    if (this.stopping.signal.aborted) return;
    const primary = sentinelsPrimary && this.node(sentinelsPrimary);
    if (!primary) return;
    const down = this.nodes.filter((n) => !n.process.running && !this.failed.has(n.name));
    if (down.includes(primary) && !this.nodes.some((n) => n.process.running)) {
      primary.process.start(['--replicaof', 'no', 'one']);
      this.options.events.emit('cache-node-started', `cache node ${primary.name} started as primary, empty (the Sentinels' primary; no node was running)`, { node: primary.name });
      await waitFor(
        `cache node ${primary.name} to answer`,
        async () => ((await this.command(primary.port, ['PING'])) === 'PONG' ? true : undefined),
        cacheSettings.startTimeoutMs,
        100,
        this.stopping.signal,
      );
    }
    if (!primary.process.running) return;
    for (const node of down) {
      if (node === primary || node.process.running) continue;
      node.process.start(['--replicaof', '127.0.0.1', String(primary.port)]);
      this.rejoining.add(node.name);
      this.options.events.emit('cache-node-started', `cache node ${node.name} started again as a replica of node ${primary.name}`, { node: node.name });
    }
  }

  private nodeExited(name: CacheNodeName, how: string): void {
    if (this.stopping.signal.aborted) return;
    this.options.events.emit('cache-node-exited', `cache node ${name} exited (${how}); it comes back as a replica once the Sentinels have a primary`, { node: name });
  }

  /** A Sentinel or the endpoint that crashed comes back after a pause. */
  private restartLater(process: CacheProcess, what: string): void {
    if (this.stopping.signal.aborted) return;
    this.options.events.emit('cache-process-exited', `${what}; starting it again in ${cacheSettings.restartDelayMs / 1000}s`);
    setTimeout(() => {
      if (!this.stopping.signal.aborted) process.start();
    }, cacheSettings.restartDelayMs).unref();
  }

  private async nodeStatuses(): Promise<CacheNodeStatus[]> {
    const serving = await this.serving().catch(() => new Set<string>());
    return Promise.all(
      this.nodes.map(async (node): Promise<CacheNodeStatus> => {
        const base = { name: node.name, zone: node.zone, port: node.port, serving: serving.has(node.name), restarts: node.process.restarts };
        const info = node.process.running ? await this.info(node.port).catch(() => undefined) : undefined;
        if (!info) return { ...base, role: 'down' };
        if (info.get('role') === 'master') return { ...base, role: 'primary' };
        return { ...base, role: 'replica', link: { primaryPort: Number(info.get('master_port')), status: info.get('master_link_status') ?? 'unknown' } };
      }),
    );
  }

  /** Nodes HAProxy sends connections to (its check passes: AUTH, PING, role:master). */
  private async serving(): Promise<Set<string>> {
    if (!this.endpoint.running) return new Set();
    const rows = await this.endpointApi.stats();
    const names = new Set<string>(this.nodes.map((n) => n.name));
    // The backend's own row (svname BACKEND) is UP while any node is.
    return new Set(rows.filter((r) => r.pxname === CACHE_BACKEND && names.has(r.svname ?? '') && r.status?.startsWith('UP')).map((r) => r.svname ?? ''));
  }

  private async sentinelView(sentinel: Sentinel): Promise<string | undefined> {
    if (!sentinel.process.running) return undefined;
    const reply = await this.command(sentinel.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', cacheSettings.masterName]).catch(() => undefined);
    return Array.isArray(reply) && reply.length === 2 ? `${String(reply[0])}:${String(reply[1])}` : undefined;
  }

  private command(port: number, args: string[]) {
    return redisCommand(args, { port, password: this.options.password, timeoutMs: cacheSettings.probeTimeoutMs });
  }

  private info(port: number) {
    return redisInfo('replication', { port, password: this.options.password, timeoutMs: cacheSettings.probeTimeoutMs });
  }

  private node(name: CacheNodeName): CacheNode | undefined {
    return this.nodes.find((n) => n.name === name);
  }

  private configFile(name: string): string {
    return path.join(this.options.paths.cache.node(name), name.startsWith('sentinel') ? 'sentinel.conf' : 'redis.conf');
  }

  /** Every config afresh, each readable only by the owner: they hold the password. */
  private writeConfigs(primaryPort: number): void {
    const { paths, password, ports } = this.options;
    ownedDir(paths.cache.root, this.owner);
    const write = (name: string, file: string, text: string) => {
      const dir = paths.cache.node(name);
      rmSync(dir, { recursive: true, force: true });
      ownedDir(dir, this.owner);
      writeFileSync(file, text, { mode: 0o600 });
      if (this.owner) chownSync(file, this.owner.uid, this.owner.gid);
    };
    for (const node of this.nodes) {
      const dir = paths.cache.node(node.name);
      write(node.name, this.configFile(node.name), renderNodeConfig({ port: node.port, dir, password, replicaOf: node.port === primaryPort ? undefined : primaryPort }));
    }
    for (const s of this.sentinels) write(s.name, this.configFile(s.name), renderSentinelConfig({ port: s.port, dir: paths.cache.node(s.name), password, primaryPort }));
    const endpointConfig = renderCacheEndpointConfig({
      listenPort: ports.endpoint,
      adminSocket: paths.cache.endpointSocket,
      password,
      nodes: this.nodes.map((n) => ({ name: n.name, port: n.port })),
    });
    write(ENDPOINT, paths.cache.endpointConfig, endpointConfig);
    try {
      execFileSync('haproxy', ['-c', '-q', '-f', paths.cache.endpointConfig], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`HAProxy rejected ${paths.cache.endpointConfig}: ${(err as { stderr?: Buffer }).stderr?.toString().trim() ?? String(err)}`);
    }
    mkdirSync(paths.logs, { recursive: true });
  }
}

/** A fault command that cannot act on the tier as it is now (the CLI prints the message). */
export class CacheTierError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CacheTierError';
  }
}

function requireCommand(command: string): void {
  try {
    execFileSync(command, ['-v'], { stdio: 'ignore' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${command} is not installed: run node scripts/ensure-system.mjs (as root it installs it)`);
  }
}
