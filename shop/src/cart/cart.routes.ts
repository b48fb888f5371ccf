import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

const cartRoutes: FastifyPluginAsyncTypebox = async () => {};

export default cartRoutes;
