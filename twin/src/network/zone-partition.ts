import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { zones, type Zone } from '@evermall/topology';
import { isAlive } from '../processes.js';

/**
 * A silent network partition between the twin's two zones, on one machine where every part
 * listens on loopback.
 *
 * How: each zone's processes go into their own net_cls cgroup (cgroup v1; the kernel tags every
 * socket of a process with its group's class id, existing sockets included when the process is
 * moved). An nftables output chain stamps each connection's conntrack mark with the zone of the
 * process that opened it, on every packet it sends in the original direction; a second chain drops
 * every packet, either way, of a connection that a zone opened to a port the other zone listens
 * on. Nothing answers the dropped packets (no RST, no ICMP): the two sides see exactly what a
 * split network shows them, connections that go quiet until a timeout tells. Parts in no zone
 * (the monitor, the load balancer, the front door, the drills' own probes) reach both sides, as
 * RDS's control plane and an ALB do.
 *
 * Why not network namespaces: the twin's forty-odd parts all listen on 127.0.0.1 and find each
 * other there, as the instances of one VPC find each other by private address; moving the zones
 * into namespaces would mean giving every part an address per zone. The cgroup split drops the
 * same packets (tested by zone-partition.test.ts with real sockets) without that rewrite.
 *
 * Processes that start while the partition holds (a replacement instance, a restarted postmaster,
 * the backends a postmaster forks) are swept into their zone every SWEEP_MS: the children of a
 * process in a group are born in it, and a swept process's sockets are re-tagged at once.
 */

/** Where the net_cls hierarchy is mounted when the system has not mounted it already. */
const NET_CLS_MOUNT = '/sys/fs/cgroup/net_cls';
/** How often processes started during the partition are moved into their zone. */
const SWEEP_MS = 250;
/** The conntrack mark bit for "opened by zone a" and "opened by zone b". */
const ZONE_MARK: Record<Zone, number> = { a: 0x1, b: 0x2 };

export interface ZoneMembers {
  /** The pids whose whole process tree (descendants included) belongs to the zone right now. */
  pids: number[];
  /** The TCP ports the zone's parts listen on: what the other zone may no longer reach. */
  ports: number[];
}

export class ZonePartitionError extends Error {}

/**
 * One partition; `start` splits, `heal` joins again. `members` is asked on every sweep, so
 * processes the twin starts later (replacements) join their zone's side.
 */
export class ZonePartition {
  private readonly name: string;
  private readonly table: string;
  private sweeper: NodeJS.Timeout | undefined;
  private root: string | undefined;
  private ports: Record<Zone, number[]> | undefined;

  constructor(
    /** Unique per twin (its pid), so two twins on one machine never share rules or groups. */
    id: string,
    private readonly members: () => Record<Zone, ZoneMembers>,
  ) {
    this.name = `evermall-twin-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    this.table = `evermall_partition_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;
  }

  /**
   * Removes the rules of twins that died without healing (SIGKILL): their table names carry their
   * pid. A leftover would keep dropping packets to ports a later twin may reuse.
   */
  static clearStale(): string[] {
    if (process.getuid?.() !== 0) return [];
    const listed = spawnSync('nft', ['list', 'tables'], { encoding: 'utf8' });
    if (listed.status !== 0) return [];
    const stale = [...listed.stdout.matchAll(/^table inet (evermall_partition_(\d+))$/gm)].filter((m) => !isAlive(Number(m[2]))).map((m) => m[1]!);
    for (const table of stale) spawnSync('nft', ['delete', 'table', 'inet', table]);
    return stale;
  }

  get active(): boolean {
    return this.sweeper !== undefined;
  }

  /** The ports each side lost to the other, while the partition holds. */
  get split(): Record<Zone, number[]> | undefined {
    return this.ports;
  }

  /**
   * Splits the zones: groups made, every current process of each zone moved in, the rules loaded.
   * Throws ZonePartitionError, having changed nothing, when this machine cannot do it (not root,
   * no nft, no net_cls controller).
   */
  start(): Record<Zone, number[]> {
    if (this.active) throw new ZonePartitionError('the zones are already partitioned; restore heals them');
    if (process.getuid?.() !== 0) throw new ZonePartitionError('a zone partition needs root (cgroups and nftables)');
    const nft = spawnSync('nft', ['--version'], { encoding: 'utf8' });
    if (nft.status !== 0) throw new ZonePartitionError('a zone partition needs nftables: apt-get install nftables (npm start installs it)');
    const root = netClsRoot();
    const now = this.members();
    const ports = { a: [...new Set(now.a.ports)], b: [...new Set(now.b.ports)] };
    if (!ports.a.length || !ports.b.length) throw new ZonePartitionError('each zone needs a listening part to partition');
    const dir = path.join(root, this.name);
    mkdirSync(dir, { recursive: true });
    for (const zone of zones) {
      mkdirSync(path.join(dir, zone), { recursive: true });
      writeFileSync(path.join(dir, zone, 'net_cls.classid'), String(classId(zone)));
    }
    this.root = dir;
    this.sweep(now);
    const loaded = spawnSync('nft', ['-f', '-'], { input: ruleset(this.table, ports), encoding: 'utf8' });
    if (loaded.status !== 0) {
      this.release();
      throw new ZonePartitionError(`nft refused the partition rules: ${loaded.stderr.trim()}`);
    }
    this.ports = ports;
    this.sweeper = setInterval(() => {
      try {
        this.sweep(this.members());
      } catch {
        // a process that exited between listing and moving: the next sweep sees the new list
      }
    }, SWEEP_MS);
    this.sweeper.unref();
    return ports;
  }

  /** Joins the zones again: rules gone, every process back in the root group. Quiet when not split. */
  heal(): boolean {
    if (!this.active) return false;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.ports = undefined;
    spawnSync('nft', ['delete', 'table', 'inet', this.table], { encoding: 'utf8' });
    this.release();
    return true;
  }

  /** Moves every process of each zone's trees into its group. */
  private sweep(now: Record<Zone, ZoneMembers>): void {
    if (!this.root) return;
    const tree = processTree();
    for (const zone of zones) {
      const procs = path.join(this.root, zone, 'cgroup.procs');
      const inGroup = new Set(readFileSync(procs, 'utf8').split('\n').filter(Boolean).map(Number));
      for (const pid of descendants(tree, now[zone].pids)) {
        if (inGroup.has(pid)) continue;
        try {
          writeFileSync(procs, String(pid));
        } catch {
          // exited meanwhile
        }
      }
    }
  }

  /** Moves everything back to the hierarchy's root group and removes the zone groups. */
  private release(): void {
    const dir = this.root;
    this.root = undefined;
    if (!dir) return;
    const rootProcs = path.join(path.dirname(dir), 'cgroup.procs');
    for (const zone of zones) {
      const group = path.join(dir, zone);
      if (!existsSync(group)) continue;
      for (const pid of readFileSync(path.join(group, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
        try {
          writeFileSync(rootProcs, pid);
        } catch {
          // exited meanwhile
        }
      }
      try {
        rmdirSync(group);
      } catch {
        // a process forked between the read and the move; the group is empty once it exits
      }
    }
    try {
      rmdirSync(dir);
    } catch {
      // see above
    }
  }
}

/** The net_cls class id of a zone's group: major 0x4576 ("Ev"), minor the zone's mark. */
function classId(zone: Zone): number {
  return (0x4576 << 16) | ZONE_MARK[zone];
}

/**
 * The rules: stamp the opener's zone on the connection (output, before filtering), then drop
 * both directions of a connection one zone opened to the other's ports. `ct original proto-dst`
 * is the listening port whichever way the packet goes, so the answers are dropped too.
 */
function ruleset(table: string, ports: Record<Zone, number[]>): string {
  const set = (zone: Zone) => `{ ${ports[zone].join(', ')} }`;
  return [
    `table inet ${table} {`,
    '  chain stamp {',
    '    type filter hook output priority mangle; policy accept;',
    ...zones.map((z) => `    ct direction original meta cgroup ${classId(z)} ct mark set ct mark or ${ZONE_MARK[z]}`),
    '  }',
    '  chain split {',
    '    type filter hook output priority filter; policy accept;',
    `    meta l4proto tcp ct mark and ${ZONE_MARK.a} == ${ZONE_MARK.a} ct original proto-dst ${set('b')} drop`,
    `    meta l4proto tcp ct mark and ${ZONE_MARK.b} == ${ZONE_MARK.b} ct original proto-dst ${set('a')} drop`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The net_cls hierarchy's root directory, mounting it when no one has. */
function netClsRoot(): string {
  const mounted = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => f[2] === 'cgroup' && f[3]?.split(',').includes('net_cls'));
  if (mounted?.[1]) return mounted[1];
  const enabled = readFileSync('/proc/cgroups', 'utf8')
    .split('\n')
    .some((l) => /^net_cls\s+\d+\s+\d+\s+1$/.test(l.trim()));
  if (!enabled) throw new ZonePartitionError('a zone partition needs the kernel’s net_cls cgroup controller (cgroup v1), which this kernel does not offer');
  mkdirSync(NET_CLS_MOUNT, { recursive: true });
  const mount = spawnSync('mount', ['-t', 'cgroup', '-o', 'net_cls', 'net_cls', NET_CLS_MOUNT], { encoding: 'utf8' });
  if (mount.status !== 0)
    throw new ZonePartitionError(`could not mount the net_cls cgroup controller: ${mount.stderr.trim()} (a pure cgroup v2 system binds it to the unified hierarchy)`);
  return NET_CLS_MOUNT;
}

/** Every process's parent, from /proc. */
function processTree(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  return children;
}

/** `roots` and all their descendants. */
function descendants(tree: Map<number, number[]>, roots: number[]): number[] {
  const seen = new Set<number>();
  const queue = roots.filter((p) => p > 0);
  while (queue.length) {
    const pid = queue.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    queue.push(...(tree.get(pid) ?? []));
  }
  return [...seen];
}
