import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { HealthService } from './health.service.js';

const HealthBody = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('draining'), Type.Literal('unavailable')]),
  zone: Type.String(),
  instance: Type.String(),
  detail: Type.Optional(Type.String()),
  /** The cache tier's connection, for people and drills; never the status: the shop answers without it. Absent when there is no cache. */
  cache: Type.Optional(Type.Union([Type.Literal('ready'), Type.Literal('unavailable')])),
});

export interface HealthRoutesOptions {
  zone: string;
  instanceId: string;
  readyTimeoutMs: number;
}

/** /healthz and /readyz, each answering with who served it (see HealthService for which check is which). */
const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, opts) => {
  const who = { zone: opts.zone, instance: opts.instanceId };
  const health = new HealthService({ writer: app.pools.writer, lifecycle: app.lifecycle, readyTimeoutMs: opts.readyTimeoutMs });

  app.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'Shallow health: serving and not draining', response: { 200: HealthBody, 503: HealthBody } } },
    async (_request, reply) => {
      const liveness = health.liveness();
      const cache = app.cache ? { cache: app.cache.shared.state } : {};
      return reply.status(liveness.status === 'ok' ? 200 : 503).send({ ...liveness, ...who, ...cache });
    },
  );

  app.get(
    '/readyz',
    { schema: { tags: ['operations'], summary: 'Deep health: the writer database answers', response: { 200: HealthBody, 503: HealthBody } } },
    async (request, reply) => {
      const readiness = await health.readiness(request.log);
      return reply.status(readiness.status === 'ok' ? 200 : 503).send({ ...readiness, ...who });
    },
  );
};

export default healthRoutes;
