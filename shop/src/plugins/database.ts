import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { createPools, type Pools } from '../db/pools.js';

declare module 'fastify' {
  interface FastifyInstance {
    pools: Pools;
  }
}

export interface DatabasePluginOptions {
  writerUrl: string;
  readerUrl: string;
  max: number;
  applicationName: string;
  /** Read for every new connection, so a rotated password needs no restart (src/db/credentials.ts). */
  credentialsFile?: string | undefined;
}

/** The writer and reader pools, closed when the app closes. */
export default fp(
  async function database(app: FastifyInstance, opts: DatabasePluginOptions) {
    const pools = createPools(opts);
    app.decorate('pools', pools);
    app.addHook('onClose', async () => {
      await pools.close();
    });
  },
  { name: 'database' },
);
