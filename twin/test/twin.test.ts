import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { launchChromium } from '@evermall/testkit';
import { releaseFiles, runtimeMajor, serviceCommand, serviceUser } from '@evermall/shop/release';
import { databaseRoles } from '@evermall/shop';
import { databaseFailover } from '@evermall/topology';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitorSettings, type RunningTwin, type TwinEvent } from '../src/index.js';
import { instanceCacheStates } from '../src/drills/cache-drills.js';
import { greyPng } from './grey-png.js';
import { Shopper, type PendingOrder } from './shopper.js';
import { startTestTwin, type TestTwin } from './test-twin.js';

/**
 * One small twin for every scenario (2 cores: a twin per scenario would not fit the budget).
 * Controller and front-door timings are shortened through startTwin's options; the HAProxy
 * and pg_auto_failover settings stay topology's.
 */
describe('the twin', () => {
  let testTwin: TestTwin | undefined;
  let twin: RunningTwin;
  let stateDir: string;
  let front: string;

  beforeAll(async () => {
    testTwin = await startTestTwin({
      controller: {
        instanceWarmupSeconds: 15,
        cpuWindowSeconds: 5,
        scaleInCooldownSeconds: 5,
        healthCheckGracePeriodSeconds: 45,
        deregistrationDelaySeconds: 1,
        instanceDrainSeconds: 1,
      },
      frontDoor: { intervalSeconds: 1, failureThreshold: 2 },
    });
    ({ twin, stateDir } = testTwin);
    front = twin.urls.frontDoor;
  }, 240_000);

  afterAll(async () => {
    await testTwin?.stop();
  }, 120_000);

  const eventsAfter = async (since: string): Promise<TwinEvent[]> => (await twin.client.status()).events.filter((e) => e.at > since);
  const lastEventAt = async () => (await twin.client.status()).events.at(-1)?.at ?? '';
  const until = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await check().catch(() => undefined);
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  /** The release an instance runs, read from its command line (`<release>/runtime/node <heap flags> <release>/server.js`). */
  const releaseOf = (pid: number | undefined): string => {
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const release = path.dirname(commandLine.at(-1) ?? '');
    expect(commandLine).toEqual(serviceCommand(release));
    return release;
  };
  const uidOf = (pid: number | undefined): number => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  const asRoot = process.getuid?.() === 0;

  it(`runs every instance from a release: its own Node ${runtimeMajor} on the server bundle, as the service user`, async () => {
    const { instances } = await twin.client.status();
    expect(instances.length).toBeGreaterThan(0);
    for (const instance of instances) {
      const release = releaseOf(instance.pid);
      expect(path.dirname(release)).toBe(path.join(stateDir, 'releases'));
      const version = execFileSync(releaseFiles(release).runtime, ['--version'], { encoding: 'utf8' }).trim();
      expect(version).toMatch(new RegExp(`^v${runtimeMajor}\\.`));
      if (asRoot) expect(uidOf(instance.pid)).toBe(serviceUser.uid);
    }
  });

  it.runIf(process.getuid?.() === 0)('lets the service user write its directories but not the release, as the systemd sandbox does', () => {
    const release = releaseOf(twin.parts.controller.list()[0]?.pid);
    const write = (file: string) =>
      spawnSync(releaseFiles(release).runtime, ['-e', `require('node:fs').writeFileSync(${JSON.stringify(file)}, 'x')`], { uid: serviceUser.uid, gid: serviceUser.gid }).status;
    expect(write(path.join(release, 'server.js'))).not.toBe(0);
    expect(write(path.join(release, 'planted.js'))).not.toBe(0);
    expect(write(path.join(stateDir, 's3', 'media', '.write-check'))).toBe(0);
    rmSync(path.join(stateDir, 's3', 'media', '.write-check'));
  });

  it('serves the API from the instances, the SPA with index.html fallback, and /media through the front door', async () => {
    // A path the edge does not cache, so every request reaches the load balancer.
    const servedBy = new Set<string>();
    let requestId = '';
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${front}/api/payments/config`);
      expect(res.status).toBe(200);
      servedBy.add(res.headers.get('x-served-by') ?? '');
      requestId = res.headers.get('x-request-id') ?? '';
    }
    expect([...servedBy].every((s) => /^i-\d+[ab]@[ab]$/.test(s))).toBe(true);
    expect(servedBy.size).toBe(2);
    // The front door's request id names a trace in .twin/traces: its span, and the shop's server span under it.
    expect(twin.parts.traceCollector.store.dir).toBe(path.join(stateDir, 'traces'));
    await until('the request in .twin/traces', async () => {
      const spans = await twin.parts.traceCollector.store.trace(requestId.replaceAll('-', ''));
      const door = spans.find((s) => s.service === 'front-door');
      return door && spans.some((s) => s.service === 'evermall-shop' && s.kind === 'server' && s.parentSpanId === door.spanId) ? true : undefined;
    });
    // The catalog is cached at the front door, as CloudFront caches it.
    const catalog = `${front}/api/products?limit=7`;
    expect((await fetch(catalog)).headers.get('x-cache')).toBe('Miss from front door');
    const cached = await fetch(catalog);
    expect(cached.status).toBe(200);
    expect(cached.headers.get('x-cache')).toBe('Hit from front door');

    const home = await fetch(`${front}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toContain('text/html');
    const deep = await fetch(`${front}/products/some-deep-link`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toBe(await (await fetch(`${front}/index.html`)).text());

    // The seed wrote placeholder images into the shared folder (EFS); any instance serves them.
    const media = readdirSync(path.join(stateDir, 's3', 'media')).find((f) => !f.startsWith('.'));
    expect(media).toBeDefined();
    const res = await fetch(`${front}/media/${media}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-served-by')).toMatch(/@/);
  });

  it('resizes an image that lands in the media folder and serves its variants through the front door', async () => {
    const key = `${randomUUID().replaceAll('-', '')}.png`;
    const media = path.join(stateDir, 's3', 'media');
    // As the shop stores an upload: a dot-named temp file, renamed into place.
    writeFileSync(path.join(media, `.upload-${key}.tmp`), greyPng(500));
    renameSync(path.join(media, `.upload-${key}.tmp`), path.join(media, key));

    const variant = await until(
      'the 320 px WebP variant',
      async () => {
        const res = await fetch(`${front}/media/variants/${key}/320.webp`);
        return res.headers.get('content-type') === 'image/webp' ? res : undefined;
      },
      60_000,
    );
    expect(variant.headers.get('cache-control')).toContain('immutable');
    expect(readdirSync(path.join(media, 'variants', key)).sort()).toEqual(['1280.avif', '1280.webp', '320.avif', '320.webp', '640.avif', '640.webp']);
  });

  it('renders the storefront in Chromium through the front door, with its API calls served by the instances', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const apiAnswers: string[] = [];
      page.on('response', (res) => {
        if (new URL(res.url()).pathname.startsWith('/api/')) apiAnswers.push(`${res.status()} ${res.headers()['x-served-by'] ?? ''}`);
      });
      await page.goto(`${front}/`);
      // A product card links to a product page: the SPA loaded and its catalog call came back.
      await page.locator('a[href^="/p/"]').first().waitFor({ state: 'visible', timeout: 60_000 });
      // Every API answer came from an instance (an anonymous /api/auth/me is a 401, not an error).
      expect(apiAnswers.some((a) => a.startsWith('200 '))).toBe(true);
      expect(apiAnswers.filter((a) => !/^[234]\d\d i-\d+[ab]@[ab]$/.test(a))).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('places an order end to end through the front door, paid at the Toss Payments stand-in', async () => {
    const shopper = new Shopper(front);
    await shopper.register();
    await shopper.addSomethingToCart();
    const res = await shopper.checkout();
    expect(res.status).toBe(201);
    const pending = (await res.json()) as PendingOrder;
    expect(pending.status).toBe('pending_payment');
    const { payments } = await twin.client.status();
    expect(pending.paymentRequest.sdkUrl).toBe(`${payments.url}/v2/standard`);
    const doneBefore = payments.payments.DONE;

    const redirect = await shopper.authorize(pending);
    const confirm = await shopper.confirm(redirect);
    expect(confirm.status).toBe(200);
    expect(((await confirm.json()) as { status: string }).status).toBe('placed');
    // The same confirm again (a customer's retry) changes nothing and says so.
    const again = await shopper.confirm(redirect);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await shopper.orderIds()).toContain(pending.id);
    // The provider took the money once, for the order's total, and the status page counts it.
    const paid = (await fetch(`${payments.url}/__standin/payments`).then((r) => r.json())) as { orderId: string; status: string; totalAmount: number }[];
    expect(paid.filter((p) => p.orderId === `evermall-order-${pending.id}` && p.status === 'DONE').map((p) => p.totalAmount)).toEqual([pending.totalWon]);
    expect((await twin.client.status()).payments.payments.DONE).toBe(doneBefore + 1);
    // The instances' outbox relay published its order.placed to the twin's broker (the row is marked only after the broker's confirm).
    const sql = postgres(twin.parts.database.writerUrl, { max: 1, onnotice: () => undefined });
    try {
      await until('the order.placed event published to the broker', async () => {
        const [row] = await sql<{ published: boolean }[]>`SELECT published_at IS NOT NULL AS published FROM outbox WHERE type = 'order.placed' AND aggregate_id = ${pending.id}`;
        return row?.published ? true : undefined;
      });
    } finally {
      await sql.end();
    }
  });

  it('rotate-db-password: instances keep taking orders as the alternating users after every connection of theirs is ended', async () => {
    const app = databaseRoles.app;
    /** Ends every connection of the app's users on every node, as pool recycling does within the hour. */
    const recycleAppConnections = async () => {
      for (const node of (await twin.client.status()).database.nodes.filter((n) => n.running)) {
        const sql = postgres(`postgres://postgres@127.0.0.1:${node.port}/evermall`, { max: 1, onnotice: () => undefined });
        try {
          await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename IN (${app}, ${`${app}_clone`})`;
        } finally {
          await sql.end();
        }
      }
    };
    const instances = (await twin.client.status()).instances.filter((i) => i.state === 'in-service');
    expect(instances).toHaveLength(2);
    // One shopper per instance, talking to it directly, so each instance's own pools must log in again.
    const shoppers = instances.map((i) => new Shopper(`http://127.0.0.1:${i.port}`));
    for (const shopper of shoppers) await shopper.register();
    for (const expected of [`${app}_clone`, app]) {
      const rotation = await twin.client.rotateDbPassword();
      expect(rotation.current).toBe(expected);
      await recycleAppConnections();
      for (const shopper of shoppers) {
        await shopper.addSomethingToCart();
        expect((await shopper.placeOrder()).status).toBe('placed');
      }
    }
    // The instances' new connections logged in as the secret's current user.
    const sql = postgres(twin.parts.database.writerUrl, { max: 1, onnotice: () => undefined });
    try {
      const users = await sql<{ usename: string }[]>`SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name LIKE 'evermall-i-%'`;
      expect(users.map((u) => u.usename)).toEqual([app]);
    } finally {
      await sql.end();
    }
  });

  it("carries topology's pg_auto_failover settings on the live monitor and nodes", async () => {
    const live = await twin.parts.database.monitorSettingsInEffect();
    const toMs = (v: string) => (v.endsWith('ms') ? Number(v.slice(0, -2)) : v.endsWith('s') ? Number(v.slice(0, -1)) * 1000 : Number(v));
    for (const [key, value] of Object.entries(monitorSettings())) expect(toMs(live[key] ?? '')).toBe(toMs(value));
    for (const node of ['a', 'b', 'replica'] as const) {
      expect(twin.parts.database.nodeSetting(node, 'timeout.network_partition_timeout')).toBe(String(databaseFailover.networkPartitionTimeoutSeconds));
    }
  });

  it('kill-instance: the controller replaces the instance and HAProxy routes around it', async () => {
    const since = await lastEventAt();
    const before = await twin.client.status();
    const victim = before.instances.find((i) => i.state === 'in-service');
    expect(victim).toBeDefined();
    const result = await twin.client.killInstance(victim!.id);
    expect(result.ok).toBe(true);

    // Requests right after the kill still succeed: retries + redispatch + observe layer4.
    for (let i = 0; i < 10; i++) {
      // Not a catalog path: the front door's cache would answer without the load balancer.
      const res = await fetch(`${front}/api/payments/config`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-served-by')).not.toBe(`${victim!.id}@${victim!.zone}`);
    }
    const replaced = await until('a replacement in service', async () => {
      const events = await eventsAfter(since);
      return events.find((e) => e.kind === 'instance-in-service') ? events : undefined;
    });
    expect(replaced.find((e) => e.kind === 'instance-exited')?.instance).toBe(victim!.id);
    const launch = replaced.find((e) => e.kind === 'instance-launch');
    expect(launch?.zone).toBe(victim!.zone);
    const after = await twin.client.status();
    expect(after.instances.filter((i) => i.state === 'in-service' && i.healthy)).toHaveLength(2);
    expect(after.instances.map((i) => i.id)).not.toContain(victim!.id);
  });

  it('fail-db-primary: the standby is promoted, a retried checkout with its key succeeds, no acknowledged order is lost', async () => {
    const shopper = new Shopper(front);
    await shopper.register();
    await shopper.addSomethingToCart();
    const acknowledged = (await (await shopper.checkout()).json()) as { id: number };
    expect(acknowledged.id).toBeGreaterThan(0);

    const before = await twin.parts.database.primary();
    await twin.parts.database.settled();
    await shopper.addSomethingToCart();
    const since = await lastEventAt();
    await twin.client.failDbPrimary();

    // The client keeps its idempotency key and retries until the shop answers.
    const key = randomUUID();
    const placed = await until('a checkout after the failover', async () => {
      const res = await shopper.checkout(key);
      return res.status === 201 || res.status === 200 ? ((await res.json()) as { id: number }) : undefined;
    });
    const replay = await shopper.checkout(key);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(((await replay.json()) as { id: number }).id).toBe(placed.id);

    await until('the promotion event', async () => ((await eventsAfter(since)).some((e) => e.kind === 'db-primary-changed') ? true : undefined));
    const after = await twin.parts.database.primary();
    expect(after?.name).not.toBe(before?.name);
    const orders = await shopper.orderIds();
    expect(orders).toContain(acknowledged.id);
    expect(orders).toContain(placed.id);

    await twin.client.restore();
    await until(
      'the old primary to rejoin',
      async () => ((await eventsAfter(since)).some((e) => e.kind === 'db-node-rejoined' && e.node === before?.name) ? true : undefined),
      120_000,
    );
  });

  it('fail-cache-primary: a signed-in shopper browses, stays signed in and orders through the cache failover; the killed node rejoins as the replica', async () => {
    const shopper = new Shopper(front);
    await shopper.register();
    await shopper.addSomethingToCart();
    const before = await twin.client.status();
    const oldPrimary = before.cache.nodes.find((n) => n.role === 'primary' && n.serving)?.name;
    expect(oldPrimary).toBeDefined();
    const since = await lastEventAt();
    expect((await twin.client.failCachePrimary()).ok).toBe(true);

    // Until the tier serves again, and a while after: every request answers (from PostgreSQL while
    // the cache is away), the session holds, and the catalog keeps coming.
    const answers: number[] = [];
    await until(
      'a new cache primary serving, with every instance connected to it',
      async () => {
        for (const path of ['/api/auth/me', '/api/cart', '/api/products?limit=5&sort=newest']) answers.push((await shopper.request('GET', path)).status);
        const status = await twin.client.status();
        const primary = status.cache.nodes.find((n) => n.role === 'primary' && n.serving)?.name;
        if (primary === undefined || primary === oldPrimary) return undefined;
        const states = await instanceCacheStates(status);
        return states.length > 0 && states.every((c) => c === 'ready') ? true : undefined;
      },
      60_000,
    );
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.filter((code) => code !== 200)).toEqual([]);
    const order = await shopper.placeOrder();
    expect(await shopper.orderIds()).toContain(order.id);
    const kinds = await until('the killed node back as the replica', async () => {
      const status = await twin.client.status();
      const events = (await eventsAfter(since)).map((e) => e.kind);
      return status.cache.nodes.find((n) => n.name === oldPrimary)?.link?.status === 'up' && events.includes('cache-node-rejoined') ? events : undefined;
    });
    expect(kinds).toEqual(expect.arrayContaining(['cache-node-killed', 'cache-primary-changed', 'cache-node-rejoined']));
  });

  it('fail-site: the front door serves the backup site, and the shop again after restore', async () => {
    await twin.client.failSite();
    await until('backup mode', async () => ((await fetch(`${front}/`)).headers.get('x-front-door') === 'backup' ? true : undefined));
    const page = await fetch(`${front}/`);
    expect(page.status).toBe(200);
    expect((await page.text()).toLowerCase()).toContain('paused');
    // The catalog still answers, from the backup site's copy; ordering is paused with a stable code.
    const catalog = await fetch(`${front}/api/products`);
    expect(catalog.status).toBe(200);
    expect(((await catalog.json()) as { items: unknown[] }).items.length).toBeGreaterThan(0);
    const order = await fetch(`${front}/api/cart/items`, { method: 'POST', headers: { 'content-type': 'application/json', origin: front }, body: '{"productId":1,"quantity":1}' });
    expect(order.status).toBe(503);
    expect(((await order.json()) as { error: { code: string } }).error.code).toBe('ORDERING_PAUSED');
    expect((await twin.client.status()).frontDoor.mode).toBe('backup');

    await twin.client.restore();
    await until(
      'primary mode',
      async () => {
        const res = await fetch(`${front}/api/products?limit=1`);
        return res.status === 200 && res.headers.get('x-front-door') === 'primary' ? true : undefined;
      },
      120_000,
    );
    await twin.parts.controller.inService(2);
  });

  it('CPU stress: scales out, then scales back in after the stress, draining before SIGTERM', async () => {
    // The test machine is shared and busy: a busy loop gets a fraction of a core, so the policy's
    // target is set low for this scenario (the busy loop still dominates idle instances).
    twin.parts.controller.setCpuTarget(5);
    // A warm pool filled ahead of the spike, as it would be before a sale.
    await until('a full warm pool', async () => {
      const pool = (await twin.client.status()).autoScaling.warmPool;
      return pool.instances.filter((i) => i.state === 'warmed:stopped').length >= pool.size ? true : undefined;
    });
    const since = await lastEventAt();
    const [target] = (await twin.client.status()).instances.filter((i) => i.state === 'in-service');
    // Long enough to outlast the warmup of instances launched by the previous scenario.
    await twin.client.stressCpu(target!.id, 40);
    await until('a scale-out', async () => ((await eventsAfter(since)).some((e) => e.kind === 'desired-capacity' && e.reason.startsWith('scale out')) ? true : undefined));
    // The scale-out resumes a stopped instance of the warm pool rather than launching one.
    await until('an instance out of the warm pool', async () => ((await eventsAfter(since)).some((e) => e.kind === 'instance-from-warm-pool') ? true : undefined));
    // A scaled-in instance is terminated, or stopped back in the warm pool (reuse on scale-in); either way drained first.
    const retired = (e: TwinEvent) => e.kind === 'instance-terminated' || e.kind === 'instance-to-warm-pool';
    const scaledIn = await until(
      'a scale-in back to 2 with the extra instances retired',
      async () => {
        const events = await eventsAfter(since);
        const s = await twin.client.status();
        const done = events.some((e) => e.kind === 'desired-capacity' && e.reason.startsWith('scale in')) && s.instances.length === 2 && events.some(retired);
        return done ? events : undefined;
      },
      150_000,
    );
    for (const done of scaledIn.filter(retired)) {
      const id = done.instance;
      const draining = scaledIn.findIndex((e) => e.kind === 'instance-draining' && e.instance === id);
      const end = scaledIn.findIndex((e) => (e.kind === 'instance-terminating' || e.kind === 'instance-to-warm-pool') && e.instance === id);
      expect(draining).toBeGreaterThanOrEqual(0);
      expect(end).toBeGreaterThan(draining);
    }
  });

  it('deploy: builds a new release and replaces every instance with one running it, new ones first', async () => {
    const before = await twin.client.status();
    const oldReleases = new Set(before.instances.map((i) => releaseOf(i.pid)));
    const since = await lastEventAt();
    expect((await twin.client.deploy()).ok).toBe(true);
    const events = await until(
      'the instance refresh to finish',
      async () => {
        const seen = await eventsAfter(since);
        const failed = seen.find((e) => e.kind === 'deploy-failed');
        if (failed) throw new Error(failed.reason);
        return seen.some((e) => e.kind === 'deploy-finished') ? seen : undefined;
      },
      180_000,
    );
    const newRelease = events.find((e) => e.kind === 'deploy-started')?.release as string;
    expect(oldReleases.has(newRelease)).toBe(false);
    const after = (await twin.client.status()).instances.filter((i) => i.state === 'in-service');
    expect(after).toHaveLength(2);
    for (const instance of after) {
      expect(releaseOf(instance.pid)).toBe(newRelease);
      if (asRoot) expect(uidOf(instance.pid)).toBe(serviceUser.uid);
    }
    // Every old instance was drained only after a replacement was launched.
    const firstLaunch = events.findIndex((e) => e.kind === 'instance-launch');
    const firstDrain = events.findIndex((e) => e.kind === 'instance-draining');
    expect(firstLaunch).toBeGreaterThanOrEqual(0);
    expect(firstDrain).toBeGreaterThan(firstLaunch);
  });

  it('down: no process of the twin remains', async () => {
    const pids = [...twin.parts.database.pids(), twin.parts.loadBalancer.pid, ...twin.parts.controller.pids()].filter((p): p is number => !!p);
    expect(pids.length).toBeGreaterThan(4);
    await twin.stop();
    const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
    const alive = ps.split('\n').filter((line) => line.includes(stateDir) || pids.includes(Number(line.trim().split(' ')[0])));
    expect(alive).toEqual([]);
  });
});
