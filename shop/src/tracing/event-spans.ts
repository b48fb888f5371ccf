import { context, ROOT_CONTEXT, SpanKind, trace, type Span } from '@opentelemetry/api';
import type { ShopEvent } from '../events/outbox-events.js';
import { failSpan } from './spans.js';
import { activeTracer, TRACER_NAME } from './tracing.js';
import { spanContextOf, traceparentOf } from './trace-context.js';

/**
 * Messaging attributes, still incubating in the semantic conventions (their package asks users to
 * copy incubating names rather than import its unstable entry point).
 */
const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
/** The event's type (`order.placed`): what a consumer is told about. */
export const ATTR_EVENT_TYPE = 'evermall.event.type';

/**
 * Publishes a batch of outbox events with one PRODUCER span per event that carries a trace
 * context (the request that wrote it), each a child of that request's span, so a trace runs from
 * the request through its publish to the consumers. The events handed to `publish` carry their
 * publish span's traceparent instead: a consumer's span becomes that span's child. Events
 * without one (a sweep's), and every event while tracing is off, are published as they are.
 */
export async function publishWithSpans<T>(events: readonly ShopEvent[], publish: (events: readonly ShopEvent[]) => Promise<T>): Promise<T> {
  const tracer = activeTracer();
  if (!tracer) return publish(events);
  const spans: (Span | undefined)[] = [];
  const carried = events.map((event) => {
    const parent = spanContextOf(event.traceparent);
    const span = parent
      ? tracer.startSpan(
          `publish ${event.type}`,
          {
            kind: SpanKind.PRODUCER,
            attributes: {
              [ATTR_MESSAGING_OPERATION_TYPE]: 'send',
              [ATTR_MESSAGING_MESSAGE_ID]: String(event.id),
              [ATTR_EVENT_TYPE]: event.type,
            },
          },
          trace.setSpanContext(ROOT_CONTEXT, parent),
        )
      : undefined;
    spans.push(span);
    const traceparent = span && traceparentOf(span.spanContext());
    return traceparent ? { ...event, traceparent } : event;
  });
  try {
    return await publish(carried);
  } catch (err) {
    for (const span of spans) if (span) failSpan(span, err);
    throw err;
  } finally {
    for (const span of spans) span?.end();
  }
}

/**
 * For consumers: runs `handle` in a CONSUMER span named `name`, the child of the span that
 * published the event (its `traceparent`), so the consumer's work (its queries, its mail) shows
 * in the trace of the request that caused the event. With no traceparent the span starts a trace
 * of its own. It uses the shop's tracer when this process started tracing (startTracing), else
 * whatever tracer provider is registered globally (none: it only runs `handle`). A throw from
 * `handle` marks the span failed and is rethrown.
 */
export async function withEventSpan<T>(event: ShopEvent, name: string, handle: () => Promise<T>): Promise<T> {
  const tracer = activeTracer() ?? trace.getTracer(TRACER_NAME);
  const parent = spanContextOf(event.traceparent);
  const span = tracer.startSpan(
    name,
    {
      kind: SpanKind.CONSUMER,
      attributes: { [ATTR_MESSAGING_OPERATION_TYPE]: 'process', [ATTR_MESSAGING_MESSAGE_ID]: String(event.id), [ATTR_EVENT_TYPE]: event.type },
    },
    parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT,
  );
  try {
    return await context.with(trace.setSpan(context.active(), span), handle);
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.end();
  }
}
