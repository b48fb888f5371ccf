import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ShopMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  ordersPlaced: Counter;
  checkoutConflicts: Counter<'reason'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ShopMetrics;
  }
}

/**
 * Prometheus metrics at /metrics: HTTP latency by route, orders placed, checkout conflicts,
 * each DB pool's connection limit and the process defaults (CPU, RSS, event loop lag). One
 * registry per app, so tests can build many apps in one process.
 */
export default fp(
  async function metrics(app: FastifyInstance, opts: { zone: string; instanceId: string }) {
    const registry = new Registry();
    registry.setDefaultLabels({ zone: opts.zone, instance: opts.instanceId });
    collectDefaultMetrics({ register: registry });

    const httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    const ordersPlaced = new Counter({ name: 'shop_orders_placed_total', help: 'Orders placed (not replays)', registers: [registry] });
    const checkoutConflicts = new Counter({
      name: 'shop_checkout_conflicts_total',
      help: 'Checkouts refused: out of stock, idempotency mismatch, payment declined',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    // postgres.js does not report how many of a pool's connections are open or busy, only its limit.
    new Gauge({
      name: 'shop_db_pool_max_connections',
      help: 'Connections each DB pool may open at most (DATABASE_POOL_MAX)',
      labelNames: ['pool'] as const,
      registers: [registry],
      collect() {
        for (const [name, sql] of [
          ['writer', app.pools.writer],
          ['reader', app.pools.reader],
        ] as const) {
          this.set({ pool: name }, sql.options.max);
        }
      },
    });
    new Gauge({
      name: 'shop_draining',
      help: '1 while the instance drains before stopping',
      registers: [registry],
      collect() {
        this.set(app.lifecycle.draining ? 1 : 0);
      },
    });

    app.decorate('metrics', { registry, httpDuration, ordersPlaced, checkoutConflicts });

    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });

    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'metrics', dependencies: ['database', 'lifecycle'] },
);
