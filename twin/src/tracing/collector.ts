import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { tracingSettings } from '../config/twin-settings.js';
import { FrontDoorSpans } from './front-door-spans.js';
import { OtlpRequestError, spanRecordsOf, type OtlpTraceRequest, type SpanRecord } from './span-record.js';
import { TraceStore } from './trace-store.js';

const gunzipAsync = promisify(gunzip);

/** OTLP/HTTP's path for spans (https://opentelemetry.io/docs/specs/otlp/#otlphttp-request). */
export const TRACES_PATH = '/v1/traces';

export interface TraceCollectorOptions {
  /** `.twin/traces`: where the spans are written (TraceStore). */
  dir: string;
  /** The OTLP/HTTP listener on 127.0.0.1; 0 picks a free port (tests). */
  port: number;
  /** The UDP port the front door's HAProxy logs its traced requests to; unset, no front door spans. */
  frontDoorLogPort?: number | undefined;
  /** Each file's bound (TraceStore); defaults to tracingSettings'. */
  maxFileBytes?: number;
}

class RequestTooLarge extends Error {}

/**
 * The twin's stand-in for an OpenTelemetry collector (on AWS, the instances' agent sending to
 * X-Ray): an OTLP/HTTP receiver for the spans of the instances and the consumers, and a receiver
 * of the front door's request log, which HAProxy cannot export as spans itself; both written as
 * JSON lines under `.twin/traces/` (TraceStore), where the status page reads them.
 *
 * OTLP/HTTP with JSON bodies, as the shop's exporter (exporter-trace-otlp-http) sends them, gzip
 * or not. A protobuf body is answered 415 (the OTLP specification's answer to a content type the
 * receiver does not support), so an exporter configured for protobuf fails loudly, not silently.
 */
export class TraceCollector {
  readonly store: TraceStore;
  private server: Server | undefined;
  private readonly frontDoor: FrontDoorSpans | undefined;
  private pendingFrontDoor: SpanRecord[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: TraceCollectorOptions) {
    this.store = new TraceStore({ dir: options.dir, maxFileBytes: options.maxFileBytes ?? tracingSettings.maxFileBytes });
    this.frontDoor =
      options.frontDoorLogPort === undefined ? undefined : new FrontDoorSpans({ port: options.frontDoorLogPort, onSpan: (span) => this.pendingFrontDoor.push(span) });
  }

  /** Where the front door's HAProxy sends its log lines (haproxy-config.ts), if anywhere. */
  get frontDoorLogPort(): number | undefined {
    return this.options.frontDoorLogPort;
  }

  /** The base URL instances are given as OTEL_EXPORTER_OTLP_ENDPOINT (known before start unless the port is 0). */
  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return `http://127.0.0.1:${address?.port ?? this.options.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => answer(res, 503, { code: 14, message: (err as Error).message }));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, '127.0.0.1', () => resolve());
    });
    if (this.frontDoor) {
      await this.frontDoor.start();
      // The front door logs a line per request: they are written a batch at a time, as an exporter sends them.
      this.flushTimer = setInterval(() => void this.flushFrontDoor(), tracingSettings.frontDoorFlushMs);
      this.flushTimer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.frontDoor?.stop();
    await this.flushFrontDoor();
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private async flushFrontDoor(): Promise<void> {
    const spans = this.pendingFrontDoor;
    this.pendingFrontDoor = [];
    await this.store.append(spans).catch(() => undefined);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', 'http://collector');
    if (req.method !== 'POST' || pathname !== TRACES_PATH) {
      answer(res, 404, { code: 5, message: `not found: POST ${TRACES_PATH}` });
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      req.resume();
      answer(res, 415, { code: 3, message: `this collector reads OTLP/JSON (application/json), not ${type || 'a body without a type'}` });
      return;
    }
    let request: OtlpTraceRequest;
    try {
      const body = await readBody(req);
      const text = (req.headers['content-encoding'] === 'gzip' ? await gunzipAsync(body) : body).toString('utf8');
      request = JSON.parse(text) as OtlpTraceRequest;
    } catch (err) {
      if (err instanceof RequestTooLarge) answer(res, 413, { code: 8, message: err.message });
      else answer(res, 400, { code: 3, message: `not OTLP/JSON: ${(err as Error).message}` });
      return;
    }
    let spans: SpanRecord[];
    try {
      spans = spanRecordsOf(request);
    } catch (err) {
      if (!(err instanceof OtlpRequestError)) throw err;
      answer(res, 400, { code: 3, message: err.message });
      return;
    }
    await this.store.append(spans);
    // An ExportTraceServiceResponse with nothing rejected.
    answer(res, 200, {});
  }
}

/** OTLP/HTTP answers in the request's encoding: JSON, an error as a google.rpc.Status (`code` as gRPC's). */
function answer(res: ServerResponse, status: number, body: object): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The body, drained to its end even when too large, so the 413 still reaches the exporter. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= tracingSettings.maxRequestBytes) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > tracingSettings.maxRequestBytes) reject(new RequestTooLarge(`an export request may be at most ${tracingSettings.maxRequestBytes} bytes`));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}
