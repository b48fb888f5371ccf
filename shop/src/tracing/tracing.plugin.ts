import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { traceRequests } from './request-spans.js';
import { activeTracing, startTracing } from './tracing.js';

export interface TracingPluginOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT; unset, the shop traces nothing and adds no hook. */
  endpoint: string | undefined;
  instanceId: string;
  zone: string;
}

/** The shop's service name in every trace. */
export const SHOP_SERVICE_NAME = 'evermall-shop';

/**
 * Starts tracing for the app's process when an endpoint is set, and traces its requests. It is
 * registered before the database and cache plugins: their clients are wrapped for tracing only
 * if it is on when they are made. Closing the app exports the spans still queued.
 */
export default fp(
  async function tracing(app: FastifyInstance, opts: TracingPluginOptions) {
    if (!opts.endpoint) return;
    const started = startTracing({ endpoint: opts.endpoint, serviceName: SHOP_SERVICE_NAME, instanceId: opts.instanceId, zone: opts.zone });
    app.addHook('onClose', () => started.shutdown());
    const tracing = activeTracing();
    if (tracing) traceRequests(app, tracing);
  },
  { name: 'tracing' },
);
