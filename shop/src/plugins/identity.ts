import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

export interface IdentityOptions {
  zone: string;
  instanceId: string;
}

/** Every response says which instance in which zone served it (`x-served-by: <id>@<zone>`). */
export default fp(
  async function identity(app: FastifyInstance, opts: IdentityOptions) {
    const servedBy = `${opts.instanceId}@${opts.zone}`;
    app.addHook('onRequest', async (_request, reply) => {
      reply.header('x-served-by', servedBy);
    });
  },
  { name: 'identity' },
);
