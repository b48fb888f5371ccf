import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config.js';

const adminRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async () => {};

export default adminRoutes;
