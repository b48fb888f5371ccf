import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import rateLimit from '@fastify/rate-limit';
import { splitList, type Config } from './config.js';
import { trustedProxies } from './lib/trusted-proxies.js';
import { logRedaction } from './lib/logger.js';
import tracing from './tracing/tracing.plugin.js';
import errorHandler from './plugins/error-handler.js';
import database from './plugins/database.js';
import lifecycle from './plugins/lifecycle.js';
import identity from './plugins/identity.js';
import metrics from './plugins/metrics.js';
import sessions, { sessionTouchAfterMs } from './plugins/sessions.js';
import cache from './cache/cache.plugin.js';
import attemptLimits from './plugins/attempt-limits.js';
import docs from './plugins/docs.js';
import securityHeaders from './plugins/security-headers.js';
import healthRoutes from './health/health.routes.js';
import catalogRoutes from './catalog/catalog.routes.js';
import accountsRoutes from './accounts/accounts.routes.js';
import oidcRoutes from './accounts/oidc/oidc.routes.js';
import cartRoutes from './cart/cart.routes.js';
import checkoutRoutes from './checkout/checkout.routes.js';
import ordersRoutes from './orders/orders.routes.js';
import adminOrdersRoutes from './orders/admin-orders.routes.js';
import payments from './payments/payments.plugin.js';
import adminRoutes from './admin/admin.routes.js';
import media from './media/media.plugin.js';
import mediaRoutes from './media/media.routes.js';

/**
 * One log line per request ("request completed", with status and time), not Fastify's two:
 * at hundreds of requests per second the log is a real share of a request's CPU.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const line = { req: { method: request.method, url: request.url }, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

export interface BuildAppOptions {
  config: Config;
  /** A pino logger config (merged over the defaults) or `false`; defaults to JSON logs at the configured level. Redaction always applies. */
  logger?: boolean | object;
  /** The client the media bucket is reached with when MEDIA_BUCKET is set; tests pass one answered by an in-process S3. */
  mediaS3Client?: S3Client;
}

/** Builds the shop: plugins first, then routes. `server.ts` listens; tests use `app.inject()`. */
export async function buildApp({ config, logger, mediaS3Client }: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      logger === false
        ? false
        : { level: config.LOG_LEVEL, base: { zone: config.ZONE, instance: config.INSTANCE_ID }, ...(typeof logger === 'object' ? logger : {}), redact: logRedaction },
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024,
    trustProxy: trustedProxies(splitList(config.TRUSTED_PROXIES), config.TRUSTED_PROXY_HOPS),
    return503OnClosing: false,
    logController: new OneLinePerRequest(),
    // Errors raised before routing (bad percent-encoding, an over-long path parameter) get the
    // same coded JSON body as everything else.
    frameworkErrors: (err, _request, reply: FastifyReply) => {
      const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      void reply.status(tooLong ? 414 : 400).send({
        error: tooLong ? { code: 'URI_TOO_LONG', message: 'A part of the URL is too long.' } : { code: 'BAD_URL', message: 'The URL is not valid.' },
      });
    },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // First: the pools and the cache client are wrapped for tracing only if it is on when they are made.
  await app.register(tracing, { endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, instanceId: config.INSTANCE_ID, zone: config.ZONE });
  await app.register(errorHandler);
  await app.register(securityHeaders, { https: config.COOKIE_SECURE });
  await app.register(lifecycle);
  await app.register(database, {
    writerUrl: config.DATABASE_URL,
    readerUrl: config.DATABASE_READ_URL,
    max: config.DATABASE_POOL_MAX,
    applicationName: `evermall-${config.INSTANCE_ID}`,
    // Read for every new connection: a rotated database password needs no restart.
    credentialsFile: config.DATABASE_CREDENTIALS_FILE,
  });
  await app.register(identity, { zone: config.ZONE, instanceId: config.INSTANCE_ID });
  await app.register(metrics, { zone: config.ZONE, instanceId: config.INSTANCE_ID });
  await app.register(docs, { enabled: config.DOCS_ENABLED });
  await app.register(cache, {
    connection: config.CACHE_URL ? { url: config.CACHE_URL, password: config.CACHE_PASSWORD } : undefined,
    sessionTouchAfterMs: sessionTouchAfterMs(config.SESSION_IDLE_MINUTES),
  });
  await app.register(rateLimit, { global: false });
  await app.register(attemptLimits);
  await app.register(sessions, {
    secret: config.SESSION_SECRET,
    secureCookies: config.COOKIE_SECURE,
    allowedOrigins: splitList(config.ALLOWED_ORIGINS),
    idleMinutes: config.SESSION_IDLE_MINUTES,
  });

  await app.register(payments, { config });
  await app.register(media, { config, ...(mediaS3Client ? { s3Client: mediaS3Client } : {}) });
  await app.register(healthRoutes, { zone: config.ZONE, instanceId: config.INSTANCE_ID, readyTimeoutMs: config.READYZ_TIMEOUT_MS });
  await app.register(mediaRoutes);
  await app.register(catalogRoutes, { prefix: '/api' });
  await app.register(accountsRoutes, { prefix: '/api/auth', config });
  await app.register(oidcRoutes, { prefix: '/api/auth/oidc', config });
  await app.register(cartRoutes, { prefix: '/api/cart', config });
  await app.register(checkoutRoutes, { prefix: '/api/checkout', config });
  await app.register(ordersRoutes, { prefix: '/api/orders' });
  await app.register(adminRoutes, { prefix: '/api/admin', config });
  await app.register(adminOrdersRoutes, { prefix: '/api/admin/orders' });
  return app;
}
