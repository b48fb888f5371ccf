/**
 * One span as the twin's collector writes it, one JSON object per line under `.twin/traces/`:
 * OTLP's span flattened (attributes as an object, times in epoch milliseconds), with the
 * resource's service and instance on every span so a line stands alone.
 */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  /** Absent for a trace's root. */
  parentSpanId?: string;
  name: string;
  kind: SpanKindName;
  /** `service.name`: front-door, evermall-shop, a consumer's function. */
  service: string;
  /** `service.instance.id`: the instance (i-3a), when the process has one. */
  instance?: string;
  /** Epoch milliseconds, with the microseconds as a fraction. */
  startMs: number;
  durationMs: number;
  status: 'unset' | 'ok' | 'error';
  statusMessage?: string;
  attributes: Record<string, string | number | boolean>;
}

export type SpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** OTLP's SpanKind numbers (trace.proto: SPAN_KIND_UNSPECIFIED = 0, INTERNAL = 1 … CONSUMER = 5). */
const KINDS: readonly SpanKindName[] = ['internal', 'internal', 'server', 'client', 'producer', 'consumer'];
/** OTLP's status codes (trace.proto: STATUS_CODE_UNSET = 0, OK = 1, ERROR = 2). */
const STATUSES: readonly SpanRecord['status'][] = ['unset', 'ok', 'error'];

interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: OtlpKeyValue[];
  status?: { code?: number; message?: string };
}
/** ExportTraceServiceRequest in OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding). */
export interface OtlpTraceRequest {
  resourceSpans?: { resource?: { attributes?: OtlpKeyValue[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

/** A request that is not an ExportTraceServiceRequest the collector can read. */
export class OtlpRequestError extends Error {}

const HEX_TRACE_ID = /^[0-9a-f]{32}$/;
const HEX_SPAN_ID = /^[0-9a-f]{16}$/;

/**
 * The spans of an OTLP/JSON export request. OTLP/JSON writes ids as hex (not protobuf JSON's
 * base64) and 64-bit integers as strings; a span without a valid trace or span id, or without
 * times, is refused with the whole request (the exporter then logs the failure).
 */
export function spanRecordsOf(request: OtlpTraceRequest): SpanRecord[] {
  if (typeof request !== 'object' || request === null || (request.resourceSpans !== undefined && !Array.isArray(request.resourceSpans))) {
    throw new OtlpRequestError('not an ExportTraceServiceRequest: expected { resourceSpans: [...] }');
  }
  const records: SpanRecord[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : 'unknown_service';
    const instance = resource['service.instance.id'];
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) records.push(recordOf(span, service, typeof instance === 'string' ? instance : undefined));
    }
  }
  return records;
}

function recordOf(span: OtlpSpan, service: string, instance: string | undefined): SpanRecord {
  const traceId = span.traceId?.toLowerCase() ?? '';
  const spanId = span.spanId?.toLowerCase() ?? '';
  if (!HEX_TRACE_ID.test(traceId) || !HEX_SPAN_ID.test(spanId)) throw new OtlpRequestError(`a span's ids are not hex (traceId "${span.traceId}", spanId "${span.spanId}")`);
  const start = nanosOf(span.startTimeUnixNano);
  const end = nanosOf(span.endTimeUnixNano);
  if (start === undefined || end === undefined) throw new OtlpRequestError(`span ${spanId} has no start or end time`);
  const parent = span.parentSpanId?.toLowerCase();
  return {
    traceId,
    spanId,
    ...(parent && HEX_SPAN_ID.test(parent) ? { parentSpanId: parent } : {}),
    name: span.name ?? '',
    kind: KINDS[span.kind ?? 0] ?? 'internal',
    service,
    ...(instance ? { instance } : {}),
    startMs: millisOf(start),
    durationMs: millisOf(end > start ? end - start : 0n),
    status: STATUSES[span.status?.code ?? 0] ?? 'unset',
    ...(span.status?.message ? { statusMessage: span.status.message } : {}),
    attributes: attributesOf(span.attributes),
  };
}

function nanosOf(value: string | number | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  try {
    return BigInt(value);
  } catch {
    return undefined;
  }
}

/** Nanoseconds to milliseconds, keeping microseconds: epoch nanoseconds are beyond a double's exact integers. */
const millisOf = (nanos: bigint): number => Number(nanos / 1000n) / 1000;

function attributesOf(list: OtlpKeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    const v = scalarOf(value);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function scalarOf(value: OtlpAnyValue | undefined): string | number | boolean | undefined {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map((v) => String(scalarOf(v))).join(', ');
  return undefined;
}
