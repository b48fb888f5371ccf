import { randomUUID } from 'node:crypto';
import { startRabbitmqServer, type RabbitmqServer } from '@evermall/testkit';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestShop, type TestShop } from '../testing/index.js';
import { registerShopper } from '../testing/shoppers.js';
import { stockProduct } from '../testing/stocked-products.js';
import type { Consumer, Delivery, EventBus, QueueSpec } from './event-bus.js';
import { relayOutbox, startOutboxRelay, type OutboxRelay } from './outbox-relay.js';
import { tryLockRelay } from './outbox.repository.js';
import { connectRabbitmqEventBus } from './rabbitmq-event-bus.js';

const WAIT_MS = 30_000;
const BATCH = 4;
const PUBLISH_TIMEOUT_SECONDS = 10;
const logger = pino({ level: 'silent' });
const shipping = { name: '박서준', phone: '010-2222-3333', address1: '서울특별시 중구 세종대로 110', postalCode: '04524' };
const everything: QueueSpec = { name: 'relay-test', topics: ['#'], maxDeliveries: 5 };

describe('the outbox relay publishes every committed event, at least once, in order', () => {
  let shop: TestShop;
  let broker: RabbitmqServer;
  let productId: number;
  beforeAll(async () => {
    [shop, broker] = await Promise.all([createTestShop(inject('pgAdminUrl')), startRabbitmqServer()]);
    productId = (await stockProduct(shop.sql, { stock: 1000 })).id;
  }, 120_000);
  afterAll(async () => {
    await shop?.close();
    await broker?.stop();
  });

  const placeOrders = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const shopper = await registerShopper(shop.app);
      const res = await shop.app.inject({
        method: 'POST',
        url: '/api/checkout',
        headers: { cookie: shopper.cookie, 'idempotency-key': randomUUID() },
        payload: { shipping, payment: { card: '4242424242424242' }, items: [{ productId, quantity: 1 }] },
      });
      expect(res.statusCode).toBe(201);
    }
  };
  const outboxIds = async (published: boolean) =>
    (await shop.sql<{ id: number }[]>`SELECT id::int FROM outbox WHERE (published_at IS NOT NULL) = ${published} ORDER BY id`).map((r) => r.id);

  /** A consumer of every event, one at a time so the queue's order is the order it sees. */
  async function listen(bus: EventBus): Promise<{ got: Delivery[]; consumer: Consumer }> {
    const got: Delivery[] = [];
    const consumer = await bus.consume(everything.name, async (d) => void got.push(d), { prefetch: 1, visibilityTimeoutSeconds: 30 });
    return { got, consumer };
  }
  async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /**
   * A relay whose first round (at its start) has drained the outbox; its next round is an hour
   * away, so the test drives the rounds from here.
   */
  async function startDrainedRelay(publishTimeoutSeconds: number): Promise<OutboxRelay> {
    const relay = startOutboxRelay({
      writer: shop.sql,
      connect: () => connectRabbitmqEventBus({ url: broker.url, queues: [everything], answerTimeoutSeconds: publishTimeoutSeconds }),
      intervalSeconds: 3600,
      batchSize: BATCH,
      publishTimeoutSeconds,
      logger,
    });
    try {
      await until('the first round drained the outbox', async () => (await outboxIds(false)).length === 0);
    } catch (err) {
      await relay.stop();
      throw err;
    }
    return relay;
  }

  it('publishes the unpublished rows in id order, marks them, and publishes nothing twice', async () => {
    const bus = await connectRabbitmqEventBus({ url: broker.url, queues: [everything] });
    const { got, consumer } = await listen(bus);
    try {
      await placeOrders(6);
      const waiting = await outboxIds(false);
      expect(waiting.length).toBeGreaterThanOrEqual(6);
      let published = 0;
      for (let round = await relayOutbox(shop.sql, bus, BATCH, PUBLISH_TIMEOUT_SECONDS); round; round = await relayOutbox(shop.sql, bus, BATCH, PUBLISH_TIMEOUT_SECONDS))
        published += round;
      expect(published).toBe(waiting.length);
      expect(await outboxIds(false)).toEqual([]);
      await until('every event delivered', () => got.length >= waiting.length);
      expect(got.map((d) => d.event.id)).toEqual(waiting);
      expect(await relayOutbox(shop.sql, bus, BATCH, PUBLISH_TIMEOUT_SECONDS)).toBe(0);
    } finally {
      await consumer.close();
      await bus.close();
    }
  });

  it("publishes nothing while another instance's relay holds the lock", async () => {
    const bus = await connectRabbitmqEventBus({ url: broker.url, queues: [everything] });
    try {
      await placeOrders(1);
      const answer = await shop.sql.begin(async (other) => {
        expect(await tryLockRelay(other)).toBe(true);
        return relayOutbox(shop.sql, bus, BATCH, PUBLISH_TIMEOUT_SECONDS);
      });
      expect(answer).toBeUndefined();
      expect((await outboxIds(false)).length).toBeGreaterThan(0);
      while (await relayOutbox(shop.sql, bus, BATCH, PUBLISH_TIMEOUT_SECONDS));
      expect(await outboxIds(false)).toEqual([]);
    } finally {
      await bus.close();
    }
  });

  it('keeps the events in the outbox while the broker is down and publishes them all once it is back', async () => {
    const earlier = await outboxIds(true);
    await placeOrders(2);
    const relay = await startDrainedRelay(PUBLISH_TIMEOUT_SECONDS);
    try {
      const before = (await outboxIds(true)).filter((id) => !earlier.includes(id));
      expect(before.length).toBeGreaterThanOrEqual(2);

      // Down, not crashed: RabbitMQ 3.10 did not bring a single node's quorum queue back after a SIGKILL here (events/README.md).
      await broker.stopNode();
      await placeOrders(5);
      const backlog = await outboxIds(false);
      expect(backlog.length).toBeGreaterThanOrEqual(5);
      await expect(relay.runOnce()).rejects.toThrow();
      await expect(relay.runOnce()).rejects.toThrow();
      expect(await outboxIds(false)).toEqual(backlog);

      await broker.restart();
      expect(await relay.runOnce()).toBe(backlog.length);
      expect(await outboxIds(false)).toEqual([]);

      // The quorum queue kept what was confirmed before the outage: nothing published is lost.
      const bus = await connectRabbitmqEventBus({ url: broker.url, queues: [everything] });
      const { got, consumer } = await listen(bus);
      try {
        await until('the events from before and after the outage delivered', () => backlog.every((id) => got.some((d) => d.event.id === id)));
        const ids = got.map((d) => d.event.id);
        for (const id of before) expect(ids).toContain(id);
        expect(ids.filter((id) => backlog.includes(id))).toEqual(backlog);
      } finally {
        await consumer.close();
        await bus.close();
      }
    } finally {
      await relay.stop();
    }
  }, 120_000);

  it('publishes again after the broker froze and thawed: no round waits for ever on a broker that does not answer', async () => {
    await placeOrders(1);
    const relay = await startDrainedRelay(2);
    try {
      // SIGSTOP, as a frozen host: its connections stay open, and nothing is confirmed or answered.
      broker.freeze();
      await placeOrders(3);
      const backlog = await outboxIds(false);
      expect(backlog.length).toBeGreaterThanOrEqual(3);
      // The connected bus: its publish is never confirmed, and the round drops it.
      await expect(relay.runOnce()).rejects.toThrow(/did not confirm/);
      // A new connection: the kernel takes it, and the broker never answers the handshake.
      await expect(relay.runOnce()).rejects.toThrow(/did not answer the connect/);
      expect(await outboxIds(false)).toEqual(backlog);

      broker.thaw();
      expect(await relay.runOnce()).toBe(backlog.length);
      expect(await outboxIds(false)).toEqual([]);
    } finally {
      broker.thaw();
      await relay.stop();
    }
  }, 120_000);
});
