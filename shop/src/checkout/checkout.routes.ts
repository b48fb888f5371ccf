import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

const checkoutRoutes: FastifyPluginAsyncTypebox = async () => {};

export default checkoutRoutes;
