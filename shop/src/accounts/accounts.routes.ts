import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config.js';

const accountsRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async () => {};

export default accountsRoutes;
