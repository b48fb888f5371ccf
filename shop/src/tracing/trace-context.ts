import { createHash } from 'node:crypto';
import { isSpanContextValid, TraceFlags, type SpanContext } from '@opentelemetry/api';
import { parseTraceParent } from '@opentelemetry/core';

/** A W3C traceparent (https://www.w3.org/TR/trace-context/#traceparent-header), version 00. */
export function traceparentOf(spanContext: SpanContext): string | undefined {
  if (!isSpanContextValid(spanContext)) return undefined;
  const sampled = (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
  return `00-${spanContext.traceId}-${spanContext.spanId}-${sampled ? '01' : '00'}`;
}

/** The span context a traceparent names, marked remote; undefined for anything that is not a valid one. */
export function spanContextOf(traceparent: string | undefined): SpanContext | undefined {
  const parsed = traceparent === undefined ? null : parseTraceParent(traceparent);
  return parsed && isSpanContextValid(parsed) ? { ...parsed, isRemote: true } : undefined;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * The trace id of a request that came without a trace context: the digits of its request id when
 * that is a UUID (the front door's and Fastify's are), so a request id found in a log names its
 * trace and back; a hash of any other id.
 */
export function traceIdOfRequestId(requestId: string): string {
  if (UUID.test(requestId)) {
    const digits = requestId.replaceAll('-', '').toLowerCase();
    if (!/^0+$/.test(digits)) return digits;
  }
  return createHash('sha256').update(requestId).digest('hex').slice(0, 32);
}

/**
 * The trace id of an X-Amzn-Trace-Id the ALB started: with no upstream tracer it sends only
 * `Root=1-<8 hex time>-<24 hex>` (no Parent, no Sampled), which the X-Ray propagator does not
 * take as a parent; the shop's spans then still join the ALB's trace under the same id
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-request-tracing.html).
 */
export function traceIdOfAmznTraceId(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const root = /(?:^|;)\s*Root=1-([0-9a-f]{8})-([0-9a-f]{24})\s*(?:;|$)/i.exec(value ?? '');
  return root ? `${root[1]}${root[2]}`.toLowerCase() : undefined;
}
