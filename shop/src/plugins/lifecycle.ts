import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

export interface Lifecycle {
  draining: boolean;
  startedAt: Date;
}

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: Lifecycle;
  }
}

/** Shared process state: `draining` flips on SIGTERM so /healthz tells the load balancer. */
export default fp(
  async function lifecycle(app: FastifyInstance) {
    app.decorate('lifecycle', { draining: false, startedAt: new Date() });
  },
  { name: 'lifecycle' },
);
