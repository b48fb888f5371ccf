import { buildApp } from './app.js';
import { listenForMetrics } from './plugins/metrics.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { migrate } from './db/migrate.js';
import { createPools } from './db/pools.js';
import { startBackupExporter } from './static-site/index.js';
import { startExpirySweep } from './plugins/sessions-sweeper.js';
import { startOrderExpiry } from './orders/order-expiry.js';
import { startPaymentReconciler } from './checkout/payment-reconciler.js';
import { connectEventBus } from './events/connect-event-bus.js';
import { startOutboxRelay } from './events/outbox-relay.js';

/**
 * Starts one shop instance: validate config, migrate under an advisory lock, listen, and on
 * SIGTERM drain (health says "draining" for DRAIN_SECONDS), finish in-flight requests, close
 * the pools and exit 0 within SHUTDOWN_TIMEOUT_SECONDS.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}. See shop/.env.example.\n`);
      process.exit(78);
    }
    throw err;
  }

  if (config.MIGRATE_ON_START) {
    const pools = createPools({ writerUrl: config.DATABASE_URL, readerUrl: config.DATABASE_URL, max: 1, credentialsFile: config.DATABASE_CREDENTIALS_FILE });
    try {
      await migrate(pools.writer, config.MIGRATIONS_DIR);
    } finally {
      await pools.close();
    }
  }

  const app = await buildApp({ config });
  await app.listen({ port: config.PORT, host: config.HOST });
  // Its own port, which no load balancer routes; it answers through the drain so monitoring sees it.
  const metricsListener = config.METRICS_PORT ? await listenForMetrics(app.metrics.registry, { host: config.METRICS_HOST, port: config.METRICS_PORT }) : undefined;

  // The fleet keeps the static backup site fresh; one instance at a time does it (advisory lock).
  const backupExporter = config.BACKUP_SITE_DIR
    ? startBackupExporter({
        writer: app.pools.writer,
        reader: app.pools.reader,
        media: app.media,
        outDir: config.BACKUP_SITE_DIR,
        intervalSeconds: config.BACKUP_EXPORT_INTERVAL_SECONDS,
        instanceId: config.INSTANCE_ID,
        logger: app.log,
      })
    : undefined;
  // Every instance returns the stock of orders nobody paid for; the sweep is safe to run everywhere at once.
  const orderExpiry = startOrderExpiry({
    writer: app.pools.writer,
    expirySeconds: config.PENDING_PAYMENT_EXPIRY_MINUTES * 60,
    intervalSeconds: config.PENDING_PAYMENT_SWEEP_SECONDS,
    logger: app.log,
  });

  // Payments whose outcome is unknown (a provider timeout or 5xx, a crash mid-charge) are settled from the provider's record.
  const paymentReconciler = startPaymentReconciler({
    writer: app.pools.writer,
    payments: app.payments,
    afterSeconds: config.PAYMENT_RECONCILE_AFTER_SECONDS,
    intervalSeconds: config.PAYMENT_RECONCILE_INTERVAL_SECONDS,
    logger: app.log,
  });

  // Expired sessions, unreachable anonymous carts and ended attempt windows; one instance at a time (advisory lock).
  const expirySweep = startExpirySweep({
    writer: app.pools.writer,
    intervalSeconds: config.EXPIRY_SWEEP_INTERVAL_SECONDS,
    idleSeconds: config.SESSION_IDLE_MINUTES * 60,
    logger: app.log,
  });

  // Order and stock events leave the outbox for the broker; every instance runs the relay, one at a time publishes (advisory lock).
  const brokerUrl = config.EVENT_BROKER_URL;
  const outboxRelay = brokerUrl
    ? startOutboxRelay({
        writer: app.pools.writer,
        connect: () => connectEventBus(brokerUrl, app.log, config.EVENT_PUBLISH_TIMEOUT_SECONDS),
        intervalSeconds: config.EVENT_RELAY_INTERVAL_SECONDS,
        batchSize: config.EVENT_RELAY_BATCH,
        publishTimeoutSeconds: config.EVENT_PUBLISH_TIMEOUT_SECONDS,
        logger: app.log,
      })
    : undefined;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const bound = setTimeout(() => {
      app.log.error({ signal }, 'graceful shutdown exceeded its bound; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_SECONDS * 1000);
    bound.unref();
    app.lifecycle.draining = true;
    const backupExporterStopped = backupExporter?.stop();
    const expirySweepStopped = expirySweep.stop();
    const orderExpiryStopped = orderExpiry.stop();
    const paymentReconcilerStopped = paymentReconciler.stop();
    const outboxRelayStopped = outboxRelay?.stop();
    app.log.info({ signal, drainSeconds: config.DRAIN_SECONDS }, 'draining');
    await new Promise((r) => setTimeout(r, config.DRAIN_SECONDS * 1000));
    await backupExporterStopped;
    await expirySweepStopped;
    await orderExpiryStopped;
    await paymentReconcilerStopped;
    await outboxRelayStopped;
    await app.close();
    await metricsListener?.close();
    app.log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`shop failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
