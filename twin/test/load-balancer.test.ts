import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@evermall/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twinPaths } from '../src/config/paths.js';
import { LoadBalancer } from '../src/load-balancer/load-balancer.js';

/**
 * HAProxy as rendered from topology, against two backends: one that dies mid-request (it
 * passes its health check, then drops every other request without answering) and one that
 * answers. Replays must happen only for requests that are safe to replay.
 */
describe('the load balancer (HAProxy)', () => {
  let dir: string;
  let lb: LoadBalancer;
  const servers: Server[] = [];
  const received = { dying: [] as string[], healthy: [] as string[], fresh: [] as string[] };

  const backend = async (name: 'dying' | 'healthy' | 'fresh'): Promise<number> => {
    const port = await freePort();
    const server = createServer((req, res) => {
      if (req.url === '/healthz') return void res.end('ok');
      received[name].push(`${req.method} ${req.headers['idempotency-key'] ?? '-'} ${req.url}`);
      req.resume();
      if (name === 'dying') req.socket.destroy();
      else req.on('end', () => res.end(name));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    return port;
  };

  const bothUp = async () => {
    for (;;) {
      const health = [...(await lb.health()).values()].filter((h) => h.up);
      if (health.length === 2) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-lb-'));
    const paths = twinPaths(dir);
    lb = new LoadBalancer({ paths, ports: { listen: await freePort(), stats: await freePort(), trafficLog: await freePort() } });
    await lb.start();
    await lb.register(await backend('dying'));
    await lb.register(await backend('healthy'));
    await bothUp();
  }, 60_000);

  afterAll(async () => {
    await lb?.stop();
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (method: string, n: number, key?: string) =>
    fetch(`${lb.url}/api/thing/${n}`, { method, headers: key ? { 'idempotency-key': key } : {}, body: method === 'POST' ? '{}' : undefined }).then((r) => r.status);

  it('replays GETs and POSTs with an Idempotency-Key on another server, so the client sees no error', async () => {
    const statuses: number[] = [];
    for (let i = 0; received.dying.length < 2 && i < 40; i++) {
      statuses.push(await send('GET', i));
      statuses.push(await send('POST', i, `key-${i}`));
    }
    expect(received.dying.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);
    // What the dying server dropped, the healthy one answered.
    for (const line of received.dying) expect(received.healthy).toContain(line);
  }, 60_000);

  it('does not replay a POST without an Idempotency-Key once it reached a server', async () => {
    await bothUp();
    const before = received.dying.length;
    let status = 0;
    let n = 1000;
    // 0 = the connection closed without an answer (HAProxy may close instead of sending 502).
    while (received.dying.length === before && n < 1040) status = await send('POST', n++).catch(() => 0);
    const dropped = received.dying.at(-1);
    expect(dropped).toMatch(/^POST - /);
    expect([0, 502]).toContain(status);
    expect(received.healthy).not.toContain(dropped);
  }, 60_000);

  it('sends a newly registered server nothing before it passes its checks, even under a stream of requests', async () => {
    await bothUp();
    let registering = true;
    const stream = (async () => {
      let n = 2000;
      while (registering) await Promise.all(Array.from({ length: 8 }, () => send('GET', n++).catch(() => 0)));
    })();
    const slot = await lb.register(await backend('fresh'));
    // Still a stream for a moment after the registration returned: the server is DOWN until `rise` checks pass.
    await new Promise((r) => setTimeout(r, 200));
    registering = false;
    await stream;
    expect((await lb.health()).get(slot)?.up).toBe(false);
    expect(received.fresh).toEqual([]);
  }, 60_000);
});
