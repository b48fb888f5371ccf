import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

const catalogRoutes: FastifyPluginAsyncTypebox = async () => {};

export default catalogRoutes;
