import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, migrate, type Sql } from '@evermall/shop/db';
import { consumerRole, provisionDatabaseRoles } from '@evermall/shop/db-roles';
import { connectRabbitmqEventBus, deadLetterQueueOf, SHOP_QUEUES, type EventBus, type ShopEvent } from '@evermall/shop/events';
import { eventConsumers } from '@evermall/topology';
import { announceOrder, createCustomer, createOrder, createProducts, type Product } from '@evermall/shop/testing';
import { PostgresServer, startRabbitmqServer, type RabbitmqServer } from '@evermall/testkit';
import pino from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { outboxWatermark, reconcileConsumers } from '../drills/consumer-reconciliation.js';
import { EventLog } from '../events.js';
import { SmtpSink } from '../mail/smtp-sink.js';
import { TraceCollector } from '../tracing/collector.js';
import { EventConsumers } from './event-consumers.js';

/**
 * The twin's consumer process against a real RabbitMQ (quorum queues), a real PostgreSQL (the
 * consumers log in as their own role, with only its grants), the twin's SMTP sink and its trace
 * collector.
 */
describe('EventConsumers (the twin’s order notifier and sales feed)', () => {
  let dir: string;
  let broker: RabbitmqServer;
  let pg: PostgresServer;
  let admin: Sql;
  /** The drills' view of the database: a plain postgres.js pool. */
  let drillSql: postgres.Sql;
  let sink: SmtpSink;
  let collector: TraceCollector;
  let consumers: EventConsumers;
  let bus: EventBus;
  let products: Product[];
  const logFile = () => path.join(dir, 'logs', 'event-consumers.log');

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'evermall-consumers-'));
    [broker, pg] = await Promise.all([startRabbitmqServer(), PostgresServer.start({ fast: true })]);
    admin = connect(pg.url(), { max: 4, applicationName: 'consumers-test' });
    await provisionDatabaseRoles(admin, { app: 'app-password', migrator: 'migrator-password', consumer: 'consumer-password' });
    await migrate(admin);
    drillSql = postgres(pg.url(), { max: 2, onnotice: () => undefined });
    products = await createProducts(admin, 3, 9_000);
    const credentialsFile = path.join(dir, 'evermall-consumer.json');
    writeFileSync(credentialsFile, JSON.stringify({ username: consumerRole, password: 'consumer-password' }), { mode: 0o600 });
    sink = new SmtpSink({ port: 0, dir: path.join(dir, 'mail') });
    await sink.start();
    collector = new TraceCollector({ dir: path.join(dir, 'traces'), port: 0 });
    await collector.start();
    consumers = new EventConsumers({
      brokerUrl: () => broker.url,
      databaseUrl: `postgres://${consumerRole}@127.0.0.1:${pg.port}/postgres?sslmode=disable`,
      credentialsFile,
      smtpUrl: () => sink.url,
      otlpEndpoint: () => collector.url,
      logFile: logFile(),
      events: new EventLog(pino({ level: 'silent' }), path.join(dir, 'events.jsonl')),
    });
    await consumers.start();
    bus = await connectRabbitmqEventBus({ url: broker.url, queues: SHOP_QUEUES });
  });

  afterAll(async () => {
    await bus?.close();
    await consumers?.stop();
    await sink?.stop();
    await collector?.stop();
    await Promise.all([admin?.end({ timeout: 1 }), drillSql?.end({ timeout: 1 })]);
    await Promise.all([broker?.stop(), pg?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Places `n` orders (some of two products), some then cancelled, and publishes their events as the relay would. */
  async function placeOrders(n: number): Promise<ShopEvent[]> {
    const events: ShopEvent[] = [];
    for (let i = 0; i < n; i++) {
      const customer = await createCustomer(admin);
      const orderId = await createOrder(admin, customer.id, [
        { product: products[i % 3]!, quantity: 1 + (i % 4) },
        ...(i % 2 ? [{ product: products[(i + 1) % 3]!, quantity: 2 }] : []),
      ]);
      events.push(await announceOrder(admin, orderId, 'order.placed', 'placed'));
      if (i % 7 === 0) events.push(await announceOrder(admin, orderId, 'order.cancelled', 'cancelled'));
    }
    return events;
  }

  it('handles each order’s events once: one mail per event by Message-ID, the sales counted to the order lines', async () => {
    const since = await outboxWatermark(drillSql);
    await bus.publish(await placeOrders(12));
    const rec = await reconcileConsumers(drillSql, sink.dir, { since, until: await outboxWatermark(drillSql) }, 60_000);
    expect(rec).toMatchObject({ eventsLost: 0, ordersPlaced: 12, notificationsMissing: 0, duplicateDeliveries: 0, analyticsMismatches: 0, violations: [] });
    expect(rec.drainedAt).toBeDefined();

    // The reconciliation sees a lost mail and a miscounted day: it can fail.
    const window = { since, until: await outboxWatermark(drillSql) };
    const [first] = await drillSql<{ aggregate_id: string }[]>`SELECT aggregate_id::text FROM outbox WHERE id > ${since} AND type = 'order.placed' ORDER BY id LIMIT 1`;
    const mailFile = readdirSync(sink.dir).find((f) => f.includes(`order-${first!.aggregate_id}-order.placed@`))!;
    rmSync(path.join(sink.dir, mailFile));
    await drillSql`UPDATE analytics.daily_sales SET units = units + 1 WHERE product_id = ${products[0]!.id}`;
    const broken = await reconcileConsumers(drillSql, sink.dir, window, 1_000);
    expect(broken).toMatchObject({ eventsLost: 0, notificationsMissing: 1, analyticsMismatches: 1 });
    expect(broken.violations).toHaveLength(2);
    await drillSql`UPDATE analytics.daily_sales SET units = units - 1 WHERE product_id = ${products[0]!.id}`;
  });

  it('runs topology’s consumer settings, as AWS’s event source mappings do (parity)', () => {
    const consuming = readFileSync(logFile(), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"consuming"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)[0];
    expect(consuming).toMatchObject({
      queues: SHOP_QUEUES.map((q) => q.name),
      batchSize: eventConsumers.batchSize,
      gatherMs: eventConsumers.twinGatherMs,
      concurrency: eventConsumers.concurrency,
      timeoutSeconds: eventConsumers.timeoutSeconds,
      visibilityTimeoutSeconds: eventConsumers.visibilityTimeoutSeconds,
      memoryMb: eventConsumers.memoryMb,
      traced: true,
    });
  });

  it('sends a CONSUMER span per event to the collector, a child of the span that published it', async () => {
    const customer = await createCustomer(admin);
    const orderId = await createOrder(admin, customer.id, [{ product: products[1]!, quantity: 1 }]);
    const placed = await announceOrder(admin, orderId, 'order.placed', 'placed');
    const publishSpan = { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') };
    await bus.publish([{ ...placed, traceparent: `00-${publishSpan.traceId}-${publishSpan.spanId}-01` }]);
    // The process exports its spans in batches, every few seconds (BatchSpanProcessor).
    await vi.waitFor(
      async () => {
        const spans = (await collector.store.trace(publishSpan.traceId)).filter((x) => x.parentSpanId === publishSpan.spanId);
        expect(spans.map((x) => x.name).sort()).toEqual(['order-notifier order.placed', 'sales-feed order.placed']);
        expect(spans.every((x) => x.kind === 'consumer' && x.service === 'evermall-consumers' && x.status !== 'error')).toBe(true);
      },
      { timeout: 30_000, interval: 250 },
    );
  });

  it('SIGKILLed in the middle of a batch, it is started again: no event lost, none counted twice', async () => {
    const since = await outboxWatermark(drillSql);
    await bus.publish(await placeOrders(150));
    const { inFlight } = await consumers.kill(30_000);
    expect(inFlight.length).toBeGreaterThan(0);

    const rec = await reconcileConsumers(drillSql, sink.dir, { since, until: await outboxWatermark(drillSql) }, 120_000);
    expect(rec).toMatchObject({ eventsLost: 0, ordersPlaced: 150, notificationsMissing: 0, analyticsMismatches: 0, violations: [] });
    expect(consumers.status()).toMatchObject({ running: true, restarts: 1 });
    // The broker gave the unacknowledged deliveries to the new process: some came a second time.
    const redelivered = readFileSync(logFile(), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"batch invoked"'))
      .some((l) => (JSON.parse(l) as { attempts: number[] }).attempts.some((a) => a > 1));
    expect(redelivered).toBe(true);
  });

  it('an event a consumer keeps failing is tried MAX_DELIVERIES times, then dead-lettered', async () => {
    const customer = await createCustomer(admin);
    const orderId = await createOrder(admin, customer.id, [{ product: products[0]!, quantity: 1 }]);
    const placed = await announceOrder(admin, orderId, 'order.placed', 'placed');
    // A product the catalog does not have: the sales feed refuses to count it, the notifier finds no line to name.
    const broken: ShopEvent = { ...placed, payload: { ...placed.payload, lines: [{ productId: 987_654_321, sku: 'GONE', quantity: 1, unitPriceWon: 1 }] } };
    await bus.publish([broken]);

    const dead: number[] = [];
    const deadLetters = await Promise.all(
      SHOP_QUEUES.map((q) => bus.consume(deadLetterQueueOf(q.name), async (d) => void dead.push(d.event.id), { prefetch: 10, visibilityTimeoutSeconds: 30 })),
    );
    await vi.waitFor(() => expect(dead).toEqual([broken.id, broken.id]), { timeout: 60_000, interval: 200 });
    await Promise.all(deadLetters.map((c) => c.close()));
    const attempts = readFileSync(logFile(), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"batch invoked"') && l.includes(`"${broken.id}"`))
      .map((l) => (JSON.parse(l) as { function: string; attempts: number[] }).function);
    expect(attempts.filter((f) => f === 'sales-feed')).toHaveLength(5);
    expect(await admin`SELECT consumer FROM consumer_inbox WHERE event_id = ${broken.id}`).toEqual([]);
  });
});
