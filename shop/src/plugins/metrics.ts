import { createServer } from 'node:http';
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
 * Prometheus metrics (served by `listenForMetrics`, not on the app port): HTTP latency by route, orders placed, checkout conflicts,
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
  },
  { name: 'metrics', dependencies: ['database', 'lifecycle'] },
);

/**
 * Serves GET /metrics from `registry` on its own listener (METRICS_HOST:METRICS_PORT), apart from
 * the app port: the load balancers (the ALB's target group, the twin's HAProxy backend) forward
 * the app port only, and the instances' security group admits only that port, so metrics never
 * reach the internet. Loopback by default, for a monitoring agent on the same host.
 */
export async function listenForMetrics(registry: Registry, opts: { host: string; port: number }): Promise<MetricsListener> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface MetricsListener {
  /** The port it listens on (the one chosen by the system when asked for 0). */
  port: number;
  close(): Promise<void>;
}
