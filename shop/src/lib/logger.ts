import type { BaseLogger } from 'pino';

/**
 * What the shop's own modules log with. Both a pino logger and Fastify's `app.log` /
 * `request.log` (pino underneath) are one, so callers pass either without a cast.
 */
export type Logger = Pick<BaseLogger, 'info' | 'warn' | 'error'>;
