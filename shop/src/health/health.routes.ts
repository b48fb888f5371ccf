import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

const HealthBody = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('draining'), Type.Literal('unavailable')]),
  zone: Type.String(),
  instance: Type.String(),
  detail: Type.Optional(Type.String()),
});

export interface HealthRoutesOptions {
  zone: string;
  instanceId: string;
  readyTimeoutMs: number;
}

/**
 * /healthz is shallow (the process serves and is not draining): the load balancer's target
 * check and the Auto Scaling group use it. /readyz is deep (the writer answers): only the
 * front door / Route 53 uses it. A DB check in the target check would make every instance
 * fail together on a DB blip, and the ASG would replace the whole fleet (shared/DESIGN.md).
 */
const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, opts) => {
  const who = { zone: opts.zone, instance: opts.instanceId };

  app.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'Shallow health: serving and not draining', response: { 200: HealthBody, 503: HealthBody } } },
    async (_request, reply) =>
      app.lifecycle.draining ? reply.status(503).send({ status: 'draining', ...who }) : { status: 'ok' as const, ...who },
  );

  app.get(
    '/readyz',
    { schema: { tags: ['operations'], summary: 'Deep health: the writer database answers', response: { 200: HealthBody, 503: HealthBody } } },
    async (request, reply) => {
      if (app.lifecycle.draining) return reply.status(503).send({ status: 'draining', ...who });
      try {
        const rows = await withTimeout(app.pools.writer<{ recovery: boolean }[]>`SELECT pg_is_in_recovery() AS recovery`, opts.readyTimeoutMs);
        if (rows[0]?.recovery) return reply.status(503).send({ status: 'unavailable', ...who, detail: 'writer is a standby' });
        return { status: 'ok' as const, ...who };
      } catch (err) {
        request.log.warn({ err }, 'readiness check failed');
        return reply.status(503).send({ status: 'unavailable', ...who, detail: 'database did not answer' });
      }
    },
  );
};

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export default healthRoutes;
