import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ShopEvent } from './outbox-events.js';
import { deadLetterQueueOf, type Consumer, type Delivery, type EventBus, type QueueSpec } from './event-bus.js';

/** How a contract run reaches one adapter's broker. */
export interface EventBusUnderTest {
  /** Starts (or reaches) the broker. */
  start(): Promise<void>;
  /** A bus whose queues (and their dead-letter queues) are these, fresh names each test. */
  connect(queues: readonly QueueSpec[]): Promise<EventBus>;
  stop(): Promise<void>;
}

const WAIT_MS = 30_000;
/** Short enough for a test, long enough that a busy machine's handler is never cut off by it unless the test means it. */
const VISIBILITY_SECONDS = 2;
const MAX_DELIVERIES = 3;

let nextId = 1;
const event = (type: ShopEvent['type'], aggregateId: number): ShopEvent => ({
  id: nextId++,
  type,
  aggregateId,
  payload: { orderId: aggregateId, note: '주문' },
  createdAt: new Date().toISOString(),
});

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The behaviour the shop relies on from any EventBus adapter (event-bus.ts): fan-out by topic,
 * durable publishes, acknowledgement after the handler, redelivery of what was not acknowledged,
 * and the dead-letter queue after `maxDeliveries`. Each adapter's test calls this with its broker.
 */
export function describeEventBusContract(name: string, underTest: EventBusUnderTest): void {
  describe(`EventBus contract: ${name}`, () => {
    const open: (EventBus | Consumer)[] = [];
    const queue = (topics: string[]): QueueSpec => ({ name: `contract-${randomBytes(4).toString('hex')}`, topics, maxDeliveries: MAX_DELIVERIES });
    const connect = async (queues: QueueSpec[]) => {
      const bus = await underTest.connect(queues);
      open.push(bus);
      return bus;
    };
    const consume = async (bus: EventBus, queueName: string, handler: (d: Delivery) => Promise<void>, prefetch = 10) => {
      const consumer = await bus.consume(queueName, handler, { prefetch, visibilityTimeoutSeconds: VISIBILITY_SECONDS });
      open.push(consumer);
      return consumer;
    };

    beforeAll(() => underTest.start(), 120_000);
    afterEach(async () => {
      // Consumers first, then their buses.
      for (const closable of open.splice(0).reverse()) await closable.close();
    });
    afterAll(() => underTest.stop());

    it('delivers each event to every queue whose topics match it, and to no other', async () => {
      const orders = queue(['order.*']);
      const alsoOrders = queue(['order.placed', 'order.cancelled']);
      const stock = queue(['stock.*']);
      const bus = await connect([orders, alsoOrders, stock]);
      const got = new Map<string, ShopEvent[]>([orders, alsoOrders, stock].map((q) => [q.name, []]));
      for (const q of [orders, alsoOrders, stock]) await consume(bus, q.name, async ({ event: e }) => void got.get(q.name)!.push(e));
      const sent = [event('order.placed', 1), event('order.paid', 1), event('stock.low', 9), event('order.cancelled', 2)];
      await bus.publish(sent);
      await until(
        'every queue got its events',
        () => (got.get(orders.name)!.length === 3 && got.get(alsoOrders.name)!.length === 2 && got.get(stock.name)!.length === 1) || undefined,
      );
      expect(
        got
          .get(orders.name)!
          .map((e) => e.id)
          .sort(),
      ).toEqual([sent[0]!.id, sent[1]!.id, sent[3]!.id].sort());
      expect(
        got
          .get(alsoOrders.name)!
          .map((e) => e.type)
          .sort(),
      ).toEqual(['order.cancelled', 'order.placed']);
      expect(got.get(stock.name)).toEqual([sent[2]]);
    });

    it("carries an event's trace context (its traceparent) to the consumer, and an event without one without", async () => {
      const spec = queue(['order.*']);
      const bus = await connect([spec]);
      const got: ShopEvent[] = [];
      await consume(bus, spec.name, async ({ event: e }) => void got.push(e));
      const traced = { ...event('order.placed', 8), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
      const plain = event('order.paid', 8);
      await bus.publish([traced, plain]);
      await until('both delivered', () => (got.length >= 2 ? got : undefined));
      expect([...got].sort((a, b) => a.id - b.id)).toEqual([traced, plain]);
    });

    it('keeps what was published for a consumer that comes later, one delivery each once acknowledged', async () => {
      const spec = queue(['order.*']);
      const sent = [event('order.placed', 3), event('order.shipped', 4)];
      const publisher = await connect([spec]);
      await publisher.publish(sent);
      await publisher.close();
      const bus = await connect([spec]);
      const got: Delivery[] = [];
      await consume(bus, spec.name, async (d) => void got.push(d));
      await until('both delivered', () => (got.length >= 2 ? got : undefined));
      // Longer than the visibility timeout: an acknowledged delivery never comes back.
      await new Promise((r) => setTimeout(r, (VISIBILITY_SECONDS + 1) * 1000));
      expect(got.map((d) => [d.event.id, d.attempt]).sort()).toEqual(sent.map((e) => [e.id, 1]).sort());
    });

    it('delivers again an event whose handler failed, counting the attempt', async () => {
      const spec = queue(['order.*']);
      const bus = await connect([spec]);
      const attempts: number[] = [];
      await consume(bus, spec.name, async ({ attempt }) => {
        attempts.push(attempt);
        if (attempt === 1) throw new Error('the handler fails once');
      });
      await bus.publish([event('order.placed', 5)]);
      await until('delivered twice', () => (attempts.length >= 2 ? attempts : undefined));
      await new Promise((r) => setTimeout(r, (VISIBILITY_SECONDS + 1) * 1000));
      expect(attempts).toEqual([1, 2]);
    });

    it('delivers again an event whose handler outlived the visibility timeout, while that handler still runs', async () => {
      const spec = queue(['order.*']);
      const bus = await connect([spec]);
      let release!: () => void;
      const stuck = new Promise<void>((resolve) => (release = resolve));
      const attempts: number[] = [];
      try {
        await consume(
          bus,
          spec.name,
          async ({ attempt }) => {
            attempts.push(attempt);
            // The first delivery's handler hangs (a consumer stuck on a dead call); the next one succeeds.
            if (attempt === 1) await stuck;
          },
          2,
        );
        await bus.publish([event('order.paid', 6)]);
        await until('delivered again', () => (attempts.length >= 2 ? attempts : undefined));
        expect(attempts).toEqual([1, 2]);
      } finally {
        release();
      }
    });

    it(`moves an event that failed ${MAX_DELIVERIES} times to the dead-letter queue, and stops trying it`, async () => {
      const spec = queue(['stock.low']);
      const bus = await connect([spec]);
      const attempts: number[] = [];
      await consume(bus, spec.name, async ({ attempt }) => {
        attempts.push(attempt);
        throw new Error('this event always fails');
      });
      const dead: Delivery[] = [];
      await consume(bus, deadLetterQueueOf(spec.name), async (d) => void dead.push(d));
      const poison = event('stock.low', 7);
      await bus.publish([poison]);
      const [landed] = await until('dead-lettered', () => (dead.length > 0 ? dead : undefined));
      expect(landed!.event).toEqual(poison);
      await new Promise((r) => setTimeout(r, (VISIBILITY_SECONDS + 1) * 1000));
      expect(attempts).toEqual(Array.from({ length: MAX_DELIVERIES }, (_, i) => i + 1));
      expect(dead).toHaveLength(1);
    });
  });
}
