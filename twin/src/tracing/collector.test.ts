import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { flushTracing, startTracing, withEventSpan, type ShopEvent } from '@evermall/shop';
import { tracingSettings } from '../config/twin-settings.js';
import { TraceCollector, TRACES_PATH } from './collector.js';
import { FRONT_DOOR_SERVICE } from './front-door-spans.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** An ExportTraceServiceRequest in OTLP/JSON, as exporters send it: one resource, `spans` spans of one trace. */
function exportRequest(traceId: string, spans: number, service = 'evermall-shop', startMs = Date.now()) {
  const start = BigInt(startMs) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: service } },
            { key: 'service.instance.id', value: { stringValue: 'i-1a' } },
          ],
        },
        scopeSpans: [
          {
            scope: { name: 'evermall' },
            spans: Array.from({ length: spans }, (_, i) => ({
              traceId,
              spanId: hex(8),
              name: `span ${i}`,
              kind: 3,
              startTimeUnixNano: String(start + BigInt(i) * 1_000_000n),
              endTimeUnixNano: String(start + BigInt(i) * 1_000_000n + 2_500_000n),
              attributes: [
                { key: 'db.query.text', value: { stringValue: `SELECT ${'x'.repeat(200)}` } },
                { key: 'http.response.status_code', value: { intValue: '200' } },
              ],
              status: { code: i === 0 ? 2 : 0, message: i === 0 ? 'it failed' : '' },
            })),
          },
        ],
      },
    ],
  };
}

describe('the trace collector', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  const startCollector = async (options: { maxFileBytes?: number; frontDoorLogPort?: number } = {}) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-traces-'));
    const collector = new TraceCollector({ dir, port: 0, ...options });
    await collector.start();
    cleanup.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => collector.stop(),
    );
    return { collector, dir };
  };
  const post = (url: string, body: string | Buffer, headers: Record<string, string>) => fetch(`${url}${TRACES_PATH}`, { method: 'POST', body, headers });

  it("writes what the shop's OTLP/HTTP exporter sends: each span with its service, parent and attributes", async () => {
    const { collector } = await startCollector();
    const tracing = startTracing({ endpoint: collector.url, serviceName: 'order-notifier', instanceId: 'runner-1', zone: 'a' });
    cleanup.push(() => tracing.shutdown());
    const event: ShopEvent = {
      id: 41,
      type: 'order.placed',
      aggregateId: 7,
      payload: {},
      createdAt: new Date().toISOString(),
      traceparent: `00-${hex(16)}-${hex(8)}-01`,
    };
    await withEventSpan(event, 'order-notifier order.placed', async () => {
      await withEventSpan({ ...event, traceparent: undefined }, 'unrelated', async () => undefined);
    });
    await flushTracing();
    const [traceId, parent] = event.traceparent!.split('-').slice(1, 3);
    const spans = await collector.store.trace(traceId!);
    expect(spans).toEqual([
      expect.objectContaining({
        name: 'order-notifier order.placed',
        kind: 'consumer',
        service: 'order-notifier',
        instance: 'runner-1',
        parentSpanId: parent,
        attributes: expect.objectContaining({ 'messaging.message.id': '41', 'evermall.event.type': 'order.placed' }),
      }),
    ]);
    expect(spans[0]!.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('reads OTLP/JSON gzipped or not, and refuses protobuf (415) and what is not a trace export (400)', async () => {
    const { collector } = await startCollector();
    const traceId = hex(16);
    const json = JSON.stringify(exportRequest(traceId, 2));
    expect((await post(collector.url, json, { 'content-type': 'application/json' })).status).toBe(200);
    expect((await post(collector.url, gzipSync(json), { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status).toBe(200);
    expect((await post(collector.url, Buffer.from([0x0a, 0x00]), { 'content-type': 'application/x-protobuf' })).status).toBe(415);
    expect((await post(collector.url, '{"resourceSpans":', { 'content-type': 'application/json' })).status).toBe(400);
    const badIds = exportRequest('not-a-trace-id', 1);
    expect((await post(collector.url, JSON.stringify(badIds), { 'content-type': 'application/json' })).status).toBe(400);

    const spans = await collector.store.trace(traceId);
    expect(spans).toHaveLength(4);
    expect(spans[0]).toMatchObject({ service: 'evermall-shop', instance: 'i-1a', kind: 'client', status: 'error', statusMessage: 'it failed', durationMs: 2.5 });
    expect(spans[0]!.attributes['http.response.status_code']).toBe(200);
    const [latest] = await collector.store.latest(10);
    expect(latest).toMatchObject({ traceId, spans: 4, errors: 2, services: ['evermall-shop'] });
  });

  it('lists the trace written last first when traces started in the same millisecond', async () => {
    const { collector } = await startCollector();
    const startMs = Date.now();
    const [first, second] = [hex(16), hex(16)];
    for (const traceId of [first, second])
      expect((await post(collector.url, JSON.stringify(exportRequest(traceId, 1, 'evermall-shop', startMs)), { 'content-type': 'application/json' })).status).toBe(200);
    expect((await collector.store.latest(10)).map((t) => t.traceId)).toEqual([second, first]);
  });

  it('keeps at most two files of its size on disk, the newest traces readable', async () => {
    const maxFileBytes = 64 * 1024;
    const { collector, dir } = await startCollector({ maxFileBytes });
    const traces = Array.from({ length: 40 }, () => hex(16));
    for (const traceId of traces) expect((await post(collector.url, JSON.stringify(exportRequest(traceId, 10)), { 'content-type': 'application/json' })).status).toBe(200);
    const files = readdirSync(dir);
    expect(files.sort()).toEqual(['spans.1.jsonl', 'spans.jsonl']);
    const bytes = files.reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0);
    expect(bytes).toBeLessThanOrEqual(2 * maxFileBytes);
    const kept = (await collector.store.latest(tracingSettings.maxListedTraces)).map((t) => t.traceId);
    expect(kept.length).toBeLessThan(traces.length);
    // The newest first, and the oldest gone.
    expect(kept[0]).toBe(traces.at(-1));
    expect(kept).not.toContain(traces[0]);
    expect(await collector.store.trace(traces.at(-1)!)).toHaveLength(10);
  });

  it("turns the front door's log line for a sampled request into its span, and ignores an unsampled one", async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const port = socket.address().port;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    const { collector } = await startCollector({ frontDoorLogPort: port });
    const sampled = { requestId: '3f1c2b4a-9d8e-4f70-8a6b-5c4d3e2f1a0b', traceId: '3f1c2b4a9d8e4f708a6b5c4d3e2f1a0b', spanId: hex(8) };
    const unsampled = hex(16);
    const nowSeconds = Math.floor(Date.now() / 1000);
    const lines = [
      `${sampled.requestId} ${sampled.traceId} ${sampled.spanId} 01 ${nowSeconds} 250 0 3 17 201 POST alb_origin "/api/checkout"`,
      `x ${unsampled} ${hex(8)} 00 ${nowSeconds} 250 0 3 17 200 GET alb_origin "/api/cart"`,
    ];
    const sender = createSocket('udp4');
    cleanup.push(() => new Promise<void>((resolve) => sender.close(() => resolve())));
    for (const line of lines) await new Promise<void>((resolve, reject) => sender.send(line, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    const deadline = Date.now() + 10 * tracingSettings.frontDoorFlushMs;
    while ((await collector.store.trace(sampled.traceId)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await collector.store.trace(sampled.traceId)).toEqual([
      {
        traceId: sampled.traceId,
        spanId: sampled.spanId,
        name: 'POST /api/checkout',
        kind: 'server',
        service: FRONT_DOOR_SERVICE,
        startMs: nowSeconds * 1000 + 253,
        durationMs: 17,
        status: 'unset',
        attributes: {
          'http.request.method': 'POST',
          'url.path': '/api/checkout',
          'http.response.status_code': 201,
          'evermall.request_id': sampled.requestId,
          'evermall.front_door.origin': 'alb_origin',
        },
      },
    ]);
    expect(await collector.store.trace(unsampled)).toEqual([]);
  });
});
