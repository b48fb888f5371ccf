import { context, propagation, trace, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, RandomIdGenerator, TracerProvider, type IdGenerator } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/** The instrumentation scope of every span the shop (and its consumers) start. */
export const TRACER_NAME = 'evermall';

/**
 * `cloud.availability_zone`, still incubating in the semantic conventions; their package asks
 * users to copy incubating names rather than import its unstable entry point.
 */
const ATTR_CLOUD_AVAILABILITY_ZONE = 'cloud.availability_zone';

export interface TracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL. Spans go to `<endpoint>/v1/traces` as OTLP/HTTP JSON. */
  endpoint: string;
  /** `service.name`: evermall-shop, or a consumer's function name. */
  serviceName: string;
  /** `service.instance.id`: the instance (INSTANCE_ID) or the function's runtime. */
  instanceId: string;
  /** `cloud.availability_zone`, when the process has one. */
  zone?: string | undefined;
}

export interface Tracing {
  /** Exports every span ended so far (tests; the end of a Lambda invocation). */
  flush(): Promise<void>;
  /** Exports what is left and unregisters: later spans are not recorded. */
  shutdown(): Promise<void>;
}

/**
 * Hands out the trace id a request's server span was asked to have (derived from the front door's
 * request id or the ALB's X-Amzn-Trace-Id, see request-spans.ts) once, and random ids otherwise.
 * The SDK draws a root span's trace id from here inside `startSpan`, synchronously, so the
 * request is set just before that call and cannot leak to another span.
 */
class RequestedTraceIds implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  private requested: string | undefined;

  request(traceId: string | undefined): void {
    this.requested = traceId;
  }

  generateTraceId(): string {
    const id = this.requested ?? this.random.generateTraceId();
    this.requested = undefined;
    return id;
  }

  generateSpanId(): string {
    return this.random.generateSpanId();
  }
}

export interface ActiveTracing {
  tracer: Tracer;
  ids: RequestedTraceIds;
  provider: TracerProvider;
}

/**
 * Set while tracing runs in this process. Everything on a hot path asks this first and does
 * nothing more when it is undefined, so a shop without OTEL_EXPORTER_OTLP_ENDPOINT pays one
 * comparison per query or cache call.
 */
let active: ActiveTracing | undefined;

/** The process's tracing while it runs, else undefined. */
export function activeTracing(): ActiveTracing | undefined {
  return active;
}

/** The shop's tracer while tracing runs, else undefined. */
export function activeTracer(): Tracer | undefined {
  return active?.tracer;
}

/**
 * Starts the OpenTelemetry SDK for this process: spans batched (BatchSpanProcessor: at most
 * 2048 queued, sent every 5 s or 512 at a time, the SDK's defaults) to the collector over
 * OTLP/HTTP, context carried by AsyncLocalStorage, and both W3C Trace Context and the X-Ray
 * header understood on the way in (the ALB sends X-Amzn-Trace-Id). One tracing per process.
 */
export function startTracing(options: TracingOptions): Tracing {
  if (active) throw new Error('tracing is already started in this process');
  const exporter = new OTLPTraceExporter({ url: new URL('v1/traces', options.endpoint.endsWith('/') ? options.endpoint : `${options.endpoint}/`).href });
  const ids = new RequestedTraceIds();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_INSTANCE_ID]: options.instanceId,
      ...(options.zone ? { [ATTR_CLOUD_AVAILABILITY_ZONE]: options.zone } : {}),
    }),
    idGenerator: ids,
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  // Extraction runs in order and the last valid one wins: a W3C traceparent over an X-Ray header.
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new AWSXRayPropagator(), new W3CTraceContextPropagator()] }));
  trace.setGlobalTracerProvider(provider);
  active = { tracer: provider.getTracer(TRACER_NAME), ids, provider };
  return {
    flush: () => provider.forceFlush(),
    async shutdown() {
      if (!active) return;
      active = undefined;
      try {
        await provider.shutdown();
      } finally {
        trace.disable();
        propagation.disable();
        context.disable();
      }
    },
  };
}

/** Exports every span ended so far, when tracing runs (tests; a function before it returns). */
export async function flushTracing(): Promise<void> {
  await active?.provider.forceFlush();
}

/** Starts a span with no parent whose trace id is `traceId` (32 lowercase hex digits, not all zero). */
export function startRootSpan(tracing: ActiveTracing, name: string, options: SpanOptions, traceId: string): Span {
  tracing.ids.request(traceId);
  try {
    return tracing.tracer.startSpan(name, { ...options, root: true });
  } finally {
    // Never left for another span, even if the SDK did not draw it.
    tracing.ids.request(undefined);
  }
}
