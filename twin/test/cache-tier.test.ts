import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@evermall/testkit';
import { cache } from '@evermall/topology';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { CacheTier, type CacheStatus } from '../src/cache/cache-tier.js';
import { redisCommand } from '../src/cache/redis-probe.js';
import { twinPaths } from '../src/config/paths.js';
import { EventLog } from '../src/events.js';
import { isAlive, sleep, waitFor } from '../src/processes.js';

const PASSWORD = 'cache-tier-test-password';
const TIMEOUT_MS = 60_000;

/**
 * The cache tier on its own (no twin around it): a client that only knows the one endpoint keeps
 * writing through a primary kill, the killed node comes back as the replica, a tier taken down
 * stays down until restored, and a stop leaves no process.
 */
describe('cache tier (issue 14)', () => {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'evermall-cache-'));
  // The nodes run as postgres when we are root: they must be able to walk into the state dir.
  chmodSync(stateDir, 0o755);
  const paths = twinPaths(stateDir);
  mkdirSync(paths.logs, { recursive: true });
  const events = new EventLog(pino({ level: 'silent' }), paths.events);
  let tier: CacheTier | undefined;
  let endpointPort = 0;

  afterAll(async () => {
    await tier?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  /** One command through the endpoint, as the shop sends it: AUTH, then the command. */
  const viaEndpoint = (...args: string[]) => redisCommand(args, { port: endpointPort, password: PASSWORD, timeoutMs: cache.connectTimeoutMs });
  const status = () => (tier as CacheTier).status();
  const until = <T>(what: string, check: (s: CacheStatus) => T | undefined) => waitFor(what, async () => check(await status()), TIMEOUT_MS, 100);

  it('serves writes through one endpoint, follows a primary kill, and takes the killed node back as the replica', { timeout: 180_000 }, async () => {
    endpointPort = await freePort();
    const ports = { endpoint: endpointPort, a: await freePort(), b: await freePort(), sentinels: [await freePort(), await freePort(), await freePort()] };
    tier = new CacheTier({ paths, ports, password: PASSWORD, events });
    await tier.start();

    const before = await status();
    expect(before.primary).toBe('a');
    expect(before.nodes.map((n) => [n.name, n.role, n.serving])).toEqual([
      ['a', 'primary', true],
      ['b', 'replica', false],
    ]);
    expect(before.sentinels.every((s) => s.primary === `127.0.0.1:${ports.a}`)).toBe(true);
    expect(tier.settings).toEqual({ url: `redis://127.0.0.1:${endpointPort}`, password: PASSWORD });
    await expect(redisCommand(['PING'], { port: endpointPort, timeoutMs: cache.connectTimeoutMs })).rejects.toThrow(/NOAUTH/);

    expect(await viaEndpoint('SET', 'catalog:before', 'kept')).toBe('OK');
    // The replica has it before the kill (WAIT numreplicas timeout), so the failover keeps it.
    expect(await viaEndpoint('WAIT', '1', '2000')).toBe(1);

    const killedAt = Date.now();
    await tier.failPrimary('test');
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const ok = await viaEndpoint('SET', 'catalog:after', 'written').catch(() => undefined);
      if (ok === 'OK') break;
      if (Date.now() - killedAt > TIMEOUT_MS) throw new Error('no write went through the endpoint after the primary was killed');
      await sleep(cache.retryDelayMs);
    }
    const seconds = (Date.now() - killedAt) / 1000;
    process.stdout.write(`cache failover: a write through the endpoint succeeded ${seconds.toFixed(2)} s after the primary was killed (${attempts} attempts)\n`);

    expect(await viaEndpoint('GET', 'catalog:before')).toBe('kept');
    expect(await viaEndpoint('GET', 'catalog:after')).toBe('written');
    const after = await until('node a back as the replica of node b', (s) => (s.nodes.find((n) => n.name === 'a')?.link?.status === 'up' && s.primary === 'b' ? s : undefined));
    expect(after.nodes.map((n) => [n.name, n.role, n.serving])).toEqual([
      ['a', 'replica', false],
      ['b', 'primary', true],
    ]);
    expect(after.nodes.find((n) => n.name === 'a')?.link?.primaryPort).toBe(ports.b);
    expect(after.sentinels.every((s) => s.primary === `127.0.0.1:${ports.b}`)).toBe(true);
    const kinds = await waitFor(
      'the rejoin in the event log',
      () => (events.recent().some((e) => e.kind === 'cache-node-rejoined') ? events.recent().map((e) => e.kind) : undefined),
      TIMEOUT_MS,
    );
    expect(kinds).toEqual(expect.arrayContaining(['cache-node-killed', 'cache-primary-changed', 'cache-node-started', 'cache-node-rejoined']));
  });

  it('stays down after fail-cache until restored, then takes writes again', { timeout: 120_000 }, async () => {
    if (!tier) throw new Error('the first test starts the tier');
    const down = await tier.failNodes(['a', 'b'], 'fail-cache');
    expect(down.sort()).toEqual(['a', 'b']);
    await expect(viaEndpoint('SET', 'k', 'v')).rejects.toThrow();
    // Longer than a Sentinel takes to call a node down and the tier's watch to act on it: nothing comes back by itself.
    await sleep(cache.failover.downAfterMs * 3);
    const held = await status();
    expect(held.nodes.map((n) => n.role)).toEqual(['down', 'down']);
    expect(held.failed.sort()).toEqual(['a', 'b']);
    await expect(viaEndpoint('SET', 'k', 'v')).rejects.toThrow();

    expect((await tier.restore()).sort()).toEqual(['a', 'b']);
    await waitFor('a write through the endpoint after restore', async () => ((await viaEndpoint('SET', 'k', 'v')) === 'OK' ? true : undefined), TIMEOUT_MS, 100);
    const back = await until('one primary and its replica in sync', (s) =>
      s.nodes.some((n) => n.role === 'primary') && s.nodes.some((n) => n.link?.status === 'up') ? s : undefined,
    );
    expect(back.failed).toEqual([]);
    expect(back.nodes.filter((n) => n.serving)).toHaveLength(1);
  });

  it('stops every process it started', { timeout: 60_000 }, async () => {
    if (!tier) throw new Error('the first test starts the tier');
    const pids = tier.pids();
    expect(pids).toHaveLength(6); // two nodes, three Sentinels, the endpoint
    // Nodes and Sentinels show their config file (under the state dir) in ps, HAProxy its -f:
    // what a check for leftovers of a twin looks for.
    const named = () =>
      execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes(stateDir));
    expect(named()).toHaveLength(6);
    await tier.stop();
    tier = undefined;
    expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
    expect(named()).toEqual([]);
  });
});
