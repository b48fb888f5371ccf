import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { frontDoorFailover, targetHealthCheck } from '@evermall/topology';
import { failSpan } from './spans.js';
import { startRootSpan, type ActiveTracing } from './tracing.js';
import { traceIdOfAmznTraceId, traceIdOfRequestId } from './trace-context.js';

/** The request id the front door gave the request (x-request-id), or the one the shop made up: what its log lines carry as reqId. */
export const ATTR_REQUEST_ID = 'evermall.request_id';

/**
 * The load balancer's and the front door's health checks: a few a second from every checker,
 * all alike, and no shopper's request; traced, they would bury the traces anyone looks for.
 */
const UNTRACED_ROUTES: ReadonlySet<string> = new Set([targetHealthCheck.path, frontDoorFailover.deepCheckPath]);

interface RequestTrace {
  span: Span;
  context: Context;
}

/**
 * One SERVER span per request, named by its route (`POST /api/checkout`), with its status code
 * and request id. It continues the caller's trace (W3C traceparent from the front door, or an
 * X-Ray header with a parent); a request without one starts a trace whose id is derived from the
 * ALB's X-Amzn-Trace-Id root or else from its request id, so logs, the front door and the
 * trace agree on one id.
 *
 * The span's context is entered at onRequest and again at preHandler: the body is read between
 * the two by stream events, which run outside it. Everything the handler and its services do
 * (queries, cache calls, outbox writes) happens inside it and becomes its children.
 */
export function traceRequests(app: FastifyInstance, tracing: ActiveTracing): void {
  const traces = new WeakMap<FastifyRequest, RequestTrace>();

  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    if (route !== undefined && UNTRACED_ROUTES.has(route)) {
      done();
      return;
    }
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const options = {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: request.method,
        [ATTR_URL_PATH]: request.url.split('?', 1)[0],
        [ATTR_REQUEST_ID]: request.id,
        ...(route === undefined ? {} : { [ATTR_HTTP_ROUTE]: route }),
      },
    };
    const name = route === undefined ? request.method : `${request.method} ${route}`;
    const span = trace.getSpanContext(parent)
      ? tracing.tracer.startSpan(name, options, parent)
      : startRootSpan(tracing, name, options, traceIdOfAmznTraceId(request.headers['x-amzn-trace-id']) ?? traceIdOfRequestId(request.id));
    const spanContext = trace.setSpan(parent, span);
    traces.set(request, { span, context: spanContext });
    context.with(spanContext, done);
  });

  app.addHook('preHandler', (request, _reply, done) => {
    const traced = traces.get(request);
    if (traced) context.with(traced.context, done);
    else done();
  });

  app.addHook('onError', async (request, _reply, error) => {
    const traced = traces.get(request);
    if (traced) failSpan(traced.span, error);
  });

  app.addHook('onResponse', async (request, reply) => {
    const traced = traces.get(request);
    if (!traced) return;
    traced.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
    // A server span is an error for a 5xx only: a 4xx is the client's (semantic conventions, HTTP spans, "Status").
    if (reply.statusCode >= 500) traced.span.setStatus({ code: SpanStatusCode.ERROR });
    traced.span.end();
    traces.delete(request);
  });

  app.addHook('onRequestAbort', async (request) => {
    const traced = traces.get(request);
    if (!traced) return;
    traced.span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client closed the connection before the answer' });
    traced.span.end();
    traces.delete(request);
  });
}
