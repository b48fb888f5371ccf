import { context, SpanStatusCode, trace, type Context, type Link, type Span, type SpanOptions } from '@opentelemetry/api';
import { activeTracer } from './tracing.js';
import { traceparentOf } from './trace-context.js';

/**
 * A child of the span being recorded now (a request's, a transaction's), or undefined when
 * tracing is off or nothing is being recorded: background work (sweeps, the relay's polling) and
 * requests the front door did not sample make no spans of their own.
 */
export function startChildSpan(name: string, options: SpanOptions): Span | undefined {
  const tracer = activeTracer();
  if (!tracer) return undefined;
  const parent = context.active();
  if (!trace.getSpan(parent)?.isRecording()) return undefined;
  return tracer.startSpan(name, options, parent);
}

/** Runs `work` in a child span of the one being recorded (see startChildSpan), or just runs it. */
export async function withChildSpan<T>(name: string, options: SpanOptions, work: () => Promise<T>): Promise<T> {
  const span = startChildSpan(name, options);
  if (!span) return work();
  try {
    return await context.with(trace.setSpan(context.active(), span), work);
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Marks a span failed with what was thrown (an exception event and status ERROR). */
export function failSpan(span: Span, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/** The traceparent of the span in effect now, for an outbox row to carry; undefined when tracing is off or there is none. */
export function currentTraceparent(): string | undefined {
  if (!activeTracer()) return undefined;
  const spanContext = trace.getSpanContext(context.active());
  return spanContext ? traceparentOf(spanContext) : undefined;
}

/**
 * The trace context in effect now, to continue later from work queued for someone else (a
 * checkout waiting for its batch); undefined when tracing is off.
 */
export function captureTrace(): Context | undefined {
  return activeTracer() ? context.active() : undefined;
}

/** Runs `work` in a captured trace context, or just runs it. */
export function runInTrace<T>(captured: Context | undefined, work: () => T): T {
  return captured ? context.with(captured, work) : work();
}

/** Links to the spans of captured contexts (the other checkouts of a batch), skipping those without one. */
export function linksTo(captured: readonly (Context | undefined)[]): Link[] {
  const links: Link[] = [];
  for (const c of captured) {
    const spanContext = c && trace.getSpanContext(c);
    if (spanContext) links.push({ context: spanContext });
  }
  return links;
}
