import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Zone } from '@evermall/topology';
import { ZonePartition } from '../src/network/zone-partition.js';

/**
 * The partition with real sockets, real cgroups and real nftables rules: one process per zone
 * holds connections to a listener of each zone, and the test (in no zone, like the monitor and the
 * load balancer) checks who still reaches whom.
 */

/** A zone's process: a Node child that connects, keeps connections and echoes on command (stdin → stdout JSON lines). */
const AGENT = `
const net = require('node:net');
const rl = require('node:readline').createInterface({ input: process.stdin });
const held = new Map();
function echo(sock, ms) {
  return new Promise((resolve) => {
    const t = setTimeout(() => { sock.removeAllListeners('data'); resolve('timeout'); }, ms);
    sock.once('data', () => { clearTimeout(t); resolve('ok'); });
    sock.write('ping\\n');
  });
}
rl.on('line', async (line) => {
  const [cmd, port, ms] = line.split(' ');
  let result;
  if (cmd === 'connect') {
    result = await new Promise((resolve) => {
      const sock = net.connect(Number(port), '127.0.0.1');
      const t = setTimeout(() => { sock.destroy(); resolve('timeout'); }, Number(ms));
      sock.once('error', (e) => { clearTimeout(t); resolve(e.code); });
      sock.once('connect', async () => { clearTimeout(t); const r = await echo(sock, Number(ms)); sock.destroy(); resolve(r); });
    });
  } else if (cmd === 'hold') {
    result = await new Promise((resolve) => {
      const sock = net.connect(Number(port), '127.0.0.1', () => { held.set(port, sock); resolve('ok'); });
      sock.once('error', (e) => resolve(e.code));
    });
  } else if (cmd === 'held') {
    result = await echo(held.get(port), Number(ms));
  } else if (cmd === 'spawn') {
    const child = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    result = String(child.pid);
  }
  process.stdout.write(JSON.stringify({ line, result }) + '\\n');
});
`;

class Agent {
  private readonly lines: AsyncIterator<string>;
  constructor(readonly child: ChildProcess) {
    this.lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  }
  async ask(line: string): Promise<string> {
    this.child.stdin!.write(`${line}\n`);
    const next = await this.lines.next();
    return (JSON.parse(next.value as string) as { result: string }).result;
  }
}

const WAIT_MS = 1500;

function listen(): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer((sock) => sock.on('data', () => sock.write('pong\n')).on('error', () => undefined));
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;

function unzonedConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1', () => {
      sock.once('data', () => {
        sock.destroy();
        resolve('ok');
      });
      sock.write('ping\n');
    });
    sock.setTimeout(WAIT_MS, () => {
      sock.destroy();
      resolve('timeout');
    });
    sock.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

describe('ZonePartition', () => {
  const servers: Record<Zone, net.Server | undefined> = { a: undefined, b: undefined };
  const agents: Partial<Record<Zone, Agent>> = {};
  const extraPids: Record<Zone, number[]> = { a: [], b: [] };
  let partition: ZonePartition;
  const port = (z: Zone) => portOf(servers[z]!);

  beforeAll(async () => {
    servers.a = await listen();
    servers.b = await listen();
    for (const z of ['a', 'b'] as const) agents[z] = new Agent(spawn(process.execPath, ['-e', AGENT], { stdio: ['pipe', 'pipe', 'inherit'] }));
    partition = new ZonePartition(`test-${process.pid}`, () => ({
      a: { pids: [agents.a!.child.pid!, ...extraPids.a], ports: [port('a')] },
      b: { pids: [agents.b!.child.pid!, ...extraPids.b], ports: [port('b')] },
    }));
  });

  afterAll(async () => {
    partition?.heal();
    for (const a of Object.values(agents)) a?.child.kill('SIGKILL');
    for (const pid of [...extraPids.a, ...extraPids.b]) process.kill(pid, 'SIGKILL');
    await Promise.all(Object.values(servers).map((s) => new Promise((r) => s?.close(r))));
  });

  it('splits the zones silently, keeps each zone and the unzoned parts whole, and heals', async () => {
    const { a, b } = agents as Record<Zone, Agent>;
    // Before: everyone reaches everyone; each zone holds a connection to the other zone's listener.
    expect(await a.ask(`connect ${port('b')} ${WAIT_MS}`)).toBe('ok');
    expect(await b.ask(`connect ${port('a')} ${WAIT_MS}`)).toBe('ok');
    expect(await a.ask(`hold ${port('b')}`)).toBe('ok');
    expect(await b.ask(`hold ${port('a')}`)).toBe('ok');
    expect(await a.ask(`held ${port('b')} ${WAIT_MS}`)).toBe('ok');

    expect(partition.start()).toEqual({ a: [port('a')], b: [port('b')] });
    expect(partition.active).toBe(true);

    // Across the split: new connections and held ones go quiet (a timeout, never a refusal or a reset).
    expect(await a.ask(`connect ${port('b')} ${WAIT_MS}`)).toBe('timeout');
    expect(await b.ask(`connect ${port('a')} ${WAIT_MS}`)).toBe('timeout');
    expect(await a.ask(`held ${port('b')} ${WAIT_MS}`)).toBe('timeout');
    expect(await b.ask(`held ${port('a')} ${WAIT_MS}`)).toBe('timeout');
    // Within a zone, and from no zone, nothing changed.
    expect(await a.ask(`connect ${port('a')} ${WAIT_MS}`)).toBe('ok');
    expect(await b.ask(`connect ${port('b')} ${WAIT_MS}`)).toBe('ok');
    expect(await unzonedConnect(port('a'))).toBe('ok');
    expect(await unzonedConnect(port('b'))).toBe('ok');

    // A process a zone starts during the partition is on its zone's side, as a replacement instance would be.
    const late = Number(await a.ask('spawn'));
    const procs = () => import('node:fs').then((fs) => fs.readFileSync(`/proc/${late}/cgroup`, 'utf8'));
    await expect.poll(procs, { timeout: 5000 }).toMatch(/net_cls[^\n]*evermall-twin-test-\d+\/a/);
    extraPids.a.push(late);

    expect(partition.heal()).toBe(true);
    expect(partition.active).toBe(false);
    expect(await a.ask(`connect ${port('b')} ${WAIT_MS}`)).toBe('ok');
    expect(await b.ask(`connect ${port('a')} ${WAIT_MS}`)).toBe('ok');
    expect(await procs()).not.toMatch(/evermall-twin-test/);
    expect(partition.heal()).toBe(false);
  });
});
