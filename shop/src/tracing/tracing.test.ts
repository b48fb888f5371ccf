import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRedisServer, type RedisServer } from '@evermall/testkit';
import type { EventBus } from '../events/event-bus.js';
import type { ShopEvent } from '../events/outbox-events.js';
import { relayOutbox } from '../events/outbox-relay.js';
import { createTestShop, type TestShop } from '../testing/index.js';
import { registerShopper } from '../testing/shoppers.js';
import { stockProduct } from '../testing/stocked-products.js';
import { withEventSpan } from './event-spans.js';
import { flushTracing } from './tracing.js';

/** A span as the test's collector keeps it: OTLP/JSON's fields, attributes as a plain object. */
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  service: string;
  attributes: Record<string, unknown>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}
interface OtlpRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: { spans?: (Omit<ReceivedSpan, 'attributes' | 'service'> & { attributes?: OtlpKeyValue[] })[] }[];
  }[];
}

const valueOf = (v: OtlpValue): unknown => v.stringValue ?? (v.intValue === undefined ? undefined : Number(v.intValue)) ?? v.boolValue ?? v.doubleValue;
const attributesOf = (list: OtlpKeyValue[] = []) => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

/** The smallest OTLP/HTTP JSON receiver: what the exporter posts to /v1/traces, flattened. */
async function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; server: Server }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      expect(req.url).toBe('/v1/traces');
      expect(req.headers['content-type']).toBe('application/json');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest;
      for (const rs of body.resourceSpans ?? []) {
        const service = String(attributesOf(rs.resource?.attributes)['service.name']);
        for (const ss of rs.scopeSpans ?? [])
          for (const s of ss.spans ?? []) spans.push({ ...s, parentSpanId: s.parentSpanId ?? '', service, attributes: attributesOf(s.attributes) });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

describe('tracing: spans from a request through the database, the cache and the outbox to a consumer', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let redis: RedisServer;
  let shop: TestShop;

  beforeAll(async () => {
    receiver = await startReceiver();
    redis = await startRedisServer({ password: 'cache-password-for-tests' });
    shop = await createTestShop(inject('pgAdminUrl'), { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, CACHE_URL: redis.url, CACHE_PASSWORD: redis.password! });
    for (let i = 0; i < 200 && shop.app.cache?.shared.state !== 'ready'; i++) await new Promise((r) => setTimeout(r, 25));
    expect(shop.app.cache?.shared.state).toBe('ready');
  });
  afterAll(async () => {
    await shop?.close();
    await redis?.stop();
    await new Promise((r) => receiver?.server.close(r));
  });

  const traceOf = async (traceId: string) => {
    await flushTracing();
    return receiver.spans.filter((s) => s.traceId === traceId);
  };
  const serverSpanOf = (spans: ReceivedSpan[], requestId: string) => spans.find((s) => s.kind === SERVER && s.attributes['evermall.request_id'] === requestId);

  it("makes one server span per request, with the database's and the cache's statements as its children in its trace", async () => {
    const product = await stockProduct(shop.sql, { stock: 5 });
    const requestId = randomUUID();
    const res = await shop.app.inject({ url: `/api/products/${product.slug}`, headers: { 'x-request-id': requestId } });
    expect(res.statusCode).toBe(200);
    // No traceparent came: the trace id is the front door's request id, so one names the other.
    const spans = await traceOf(requestId.replaceAll('-', ''));
    const server = serverSpanOf(spans, requestId);
    expect(server).toMatchObject({ name: 'GET /api/products/:slug', parentSpanId: '', service: 'evermall-shop' });
    expect(server!.attributes).toMatchObject({ 'http.response.status_code': 200, 'http.route': '/api/products/:slug', 'http.request.method': 'GET' });
    const children = spans.filter((s) => s.parentSpanId === server!.spanId);
    const queries = children.filter((s) => s.attributes['db.system.name'] === 'postgresql');
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.some((q) => String(q.attributes['db.query.text']).includes('FROM products'))).toBe(true);
    // Parameters stay out of the trace: the slug is a $n.
    expect(queries.every((q) => !String(q.attributes['db.query.text']).includes(product.slug))).toBe(true);
    expect(children.filter((s) => s.attributes['db.system.name'] === 'redis').map((s) => s.name)).toContain('cache catalog-read');
  });

  it('continues the trace a traceparent names, and a trace the ALB started (X-Amzn-Trace-Id with only a Root)', async () => {
    const traceId = randomUUID().replaceAll('-', '');
    const parentId = randomUUID().replaceAll('-', '').slice(0, 16);
    const requestId = randomUUID();
    await shop.app.inject({ url: '/api/categories', headers: { traceparent: `00-${traceId}-${parentId}-01`, 'x-request-id': requestId } });
    expect(serverSpanOf(await traceOf(traceId), requestId)).toMatchObject({ parentSpanId: parentId });

    const albRequestId = randomUUID();
    await shop.app.inject({ url: '/api/categories', headers: { 'x-amzn-trace-id': 'Root=1-67891233-abcdef012345678912345678', 'x-request-id': albRequestId } });
    expect(serverSpanOf(await traceOf('67891233abcdef012345678912345678'), albRequestId)).toMatchObject({ parentSpanId: '' });
  });

  it("stores the checkout's trace with its order.placed, and carries it through the relay's publish to a consumer's span", async () => {
    const product = await stockProduct(shop.sql, { stock: 50 });
    const shopper = await registerShopper(shop.app);
    const requestId = randomUUID();
    const res = await shop.app.inject({
      method: 'POST',
      url: '/api/checkout',
      headers: { cookie: shopper.cookie, 'idempotency-key': randomUUID(), 'x-request-id': requestId },
      payload: {
        shipping: { name: '김하늘', phone: '010-1234-5678', address1: '서울특별시 중구 세종대로 110', postalCode: '04524' },
        payment: { card: '4242424242424242' },
        items: [{ productId: product.id, quantity: 1 }],
      },
    });
    expect(res.statusCode).toBe(201);
    const traceId = requestId.replaceAll('-', '');
    const orderId = res.json<{ id: number }>().id;
    const [row] = await shop.sql<{ trace_context: string | null }[]>`SELECT trace_context FROM outbox WHERE aggregate_id = ${orderId} AND type = 'order.placed'`;
    expect(row!.trace_context).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const spans = await traceOf(traceId);
    // The batches that reserved and placed the order are in its trace, their statements inside them.
    expect(spans.filter((s) => s.name === 'commit batch')).toHaveLength(2);
    expect(spans.some((s) => s.name === 'transaction')).toBe(true);
    expect(spans.some((s) => String(s.attributes['db.query.text']).includes('INSERT INTO outbox'))).toBe(true);

    const published: ShopEvent[] = [];
    const bus: EventBus = {
      publish: async (events) => void published.push(...events),
      consume: () => Promise.reject(new Error('not used')),
      close: async () => undefined,
    };
    while ((await relayOutbox(shop.app.pools.writer, bus, 500, 10)) === 500);
    const event = published.find((e) => e.aggregateId === orderId && e.type === 'order.placed');
    const publish = (await traceOf(traceId)).find((s) => s.kind === PRODUCER && s.attributes['messaging.message.id'] === String(event!.id));
    expect(publish).toMatchObject({ name: 'publish order.placed', parentSpanId: row!.trace_context!.split('-')[2] });
    // On the broker the event names its publish span, whose child the consumer's span becomes.
    expect(event!.traceparent).toBe(`00-${traceId}-${publish!.spanId}-01`);
    await withEventSpan(event!, 'order-notifier order.placed', async () => undefined);
    expect((await traceOf(traceId)).find((s) => s.kind === CONSUMER)).toMatchObject({ name: 'order-notifier order.placed', parentSpanId: publish!.spanId });
  });

  it('leaves the health checks and the work outside any request untraced', async () => {
    const before = receiver.spans.length;
    expect((await shop.app.inject('/healthz')).statusCode).toBe(200);
    await shop.app.pools.writer`SELECT 1`;
    await flushTracing();
    expect(receiver.spans.slice(before)).toEqual([]);
  });
});
