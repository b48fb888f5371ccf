import type { BaseLogger } from 'pino';

/**
 * What the shop's own modules log with. Both a pino logger and Fastify's `app.log` /
 * `request.log` (pino underneath) are one, so callers pass either without a cast.
 */
export type Logger = Pick<BaseLogger, 'info' | 'warn' | 'error'>;

/**
 * What the shop's logger never writes, whatever a log call passes: cookies and credentials in
 * request or response headers, and password fields one or two levels down (a request body, a
 * `body` inside an error's context). A request is logged as Fastify's summary (`req`: method,
 * url, host, remote address), never whole; this list is the second line of defence.
 * Paths are pino's `redact` syntax (https://getpino.io/#/docs/redaction).
 */
export const logRedaction = {
  paths: [
    'req.headers.cookie',
    'req.headers.authorization',
    'req.headers["set-cookie"]',
    'res.headers["set-cookie"]',
    'headers.cookie',
    'headers.authorization',
    'cookies',
    'req.cookies',
    'password',
    '*.password',
    '*.*.password',
    'currentPassword',
    '*.currentPassword',
    '*.*.currentPassword',
    'newPassword',
    '*.newPassword',
    '*.*.newPassword',
  ],
  censor: '[redacted]',
};
