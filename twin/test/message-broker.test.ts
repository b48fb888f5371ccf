import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectRabbitmqEventBus, type EventBus, type QueueSpec, type ShopEvent } from '@evermall/shop';
import { freePort } from '@evermall/testkit';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { MessageBroker, type BrokerStatus } from '../src/broker/message-broker.js';
import { twinPaths } from '../src/config/paths.js';
import { EventLog } from '../src/events.js';
import { isAlive, sleep, waitFor } from '../src/processes.js';

const PASSWORD = 'message-broker-test-password';
const TIMEOUT_MS = 90_000;
const PUBLISH_TIMEOUT_MS = 10_000;
/** Events published before the crash and while a node is down. */
const BATCH = 200;
const QUEUE: QueueSpec = { name: 'broker-test', topics: ['#'], maxDeliveries: 5 };

const eventsFrom = (first: number, count: number): ShopEvent[] =>
  Array.from({ length: count }, (_, i) => ({
    id: first + i,
    aggregateId: first + i,
    type: 'order.placed',
    payload: { status: 'placed', lines: [] },
    createdAt: new Date().toISOString(),
  }));

/**
 * The twin's broker on its own (no twin around it): three RabbitMQ nodes, a quorum queue on all
 * three, one endpoint. Events sitting in the queue survive the whole broker's crash right after
 * start, and a SIGKILL of the queue's leader: the other two serve on (publishes through the
 * endpoint go on), the killed node comes back and rejoins, and with another node then killed (so
 * the rejoined one is needed for a majority) every event is delivered.
 */
describe('message broker (issue 16)', () => {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'evermall-broker-'));
  // The nodes run as rabbitmq when we are root: they must be able to walk into the state dir.
  chmodSync(stateDir, 0o755);
  const paths = twinPaths(stateDir);
  mkdirSync(paths.logs, { recursive: true });
  const events = new EventLog(pino({ level: 'silent' }), paths.events);
  let broker: MessageBroker | undefined;
  const buses: EventBus[] = [];

  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close().catch(() => undefined)));
    const pids = broker?.pids() ?? [];
    await broker?.stop();
    expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
    rmSync(stateDir, { recursive: true, force: true });
  });

  const status = () => (broker as MessageBroker).status();
  const until = <T>(what: string, check: (s: BrokerStatus) => T | undefined) => waitFor(what, async () => check(await status()), TIMEOUT_MS, 200);
  const rejoined = (name: string) =>
    until(`broker node ${name} back in the cluster`, (s) => (s.nodes.find((n) => n.name === name && n.running && n.serving && !n.rejoining) ? true : undefined));
  /** Publishes through the endpoint, connecting again while the connection it had died with a node. */
  const publish = async (batch: ShopEvent[]) => {
    await waitFor(
      'a publish through the endpoint',
      async () => {
        const bus = await connectRabbitmqEventBus({ url: (broker as MessageBroker).url, queues: [QUEUE] });
        buses.push(bus);
        // A queue without a leader never confirms: fail the try, as the relay's publish timeout does.
        await Promise.race([bus.publish(batch), sleep(PUBLISH_TIMEOUT_MS).then(() => Promise.reject(new Error('the publish was not confirmed')))]);
        return true;
      },
      TIMEOUT_MS,
      200,
    );
  };

  it('keeps every confirmed event through a crash of the whole broker and a SIGKILL of the queue leader, serves on, and takes the node back', { timeout: 300_000 }, async () => {
    const nodePorts = await Promise.all([0, 1, 2].map(async () => ({ amqp: await freePort(), dist: await freePort() })));
    broker = new MessageBroker({ paths, ports: { endpoint: await freePort(), epmd: await freePort(), nodes: nodePorts }, password: PASSWORD, events, queues: [QUEUE] });
    await broker.start();
    const before = await status();
    expect(before.nodes.map((n) => [n.name, n.running, n.serving])).toEqual([
      ['broker-1', true, true],
      ['broker-2', true, true],
      ['broker-3', true, true],
    ]);
    expect(broker.url).toMatch(new RegExp(`^amqp://evermall:${PASSWORD}@127\\.0\\.0\\.1:\\d+/evermall$`));

    // The whole broker crashes at once, right after start: the queue's members come back with
    // their logs (their registration was flushed at start), and the events with them.
    await publish(eventsFrom(1, BATCH));
    expect(await broker.failAll('test')).toHaveLength(3);
    expect((await status()).nodes.every((n) => !n.running && n.held)).toBe(true);
    expect(await broker.restore()).toEqual(['broker-1', 'broker-2', 'broker-3']);
    for (const name of broker.nodeNames) await rejoined(name);

    await publish(eventsFrom(BATCH + 1, BATCH));
    const leader = await broker.queueLeader(QUEUE.name);
    expect(leader).toBeDefined();
    const killed = await broker.killNode(undefined, 'test');
    expect(killed.name).toBe(leader);
    // The other two serve: publishes through the endpoint go on while the node is down.
    await publish(eventsFrom(2 * BATCH + 1, BATCH));
    await rejoined(killed.name);
    expect((await status()).nodes.find((n) => n.name === killed.name)?.restarts).toBe(2);

    // Another node down: the majority now needs the node that crashed.
    const other = broker.nodeNames.find((n) => n !== killed.name)!;
    await broker.killNode(other, 'test');
    const delivered = new Set<number>();
    const consumer = await waitFor(
      'a consumer through the endpoint',
      async () => {
        const bus = await connectRabbitmqEventBus({ url: (broker as MessageBroker).url, queues: [QUEUE] });
        buses.push(bus);
        return bus.consume(QUEUE.name, async ({ event }) => void delivered.add(event.id), { prefetch: 100, visibilityTimeoutSeconds: 30 });
      },
      TIMEOUT_MS,
      200,
    );
    await waitFor('every event delivered', () => (delivered.size >= 3 * BATCH ? true : undefined), TIMEOUT_MS, 100);
    await consumer.close();
    expect([...delivered].sort((a, b) => a - b)).toEqual(Array.from({ length: 3 * BATCH }, (_, i) => i + 1));
    await rejoined(other);
  });
});
