export { buildApp, type BuildAppOptions } from './app.js';
export { loadConfig, ConfigError, type Config } from './config.js';
export { migrate, MIGRATIONS_DIR } from './db/migrate.js';
export { readCredentialsFile, type DatabaseCredentials } from './db/credentials.js';
export { databaseRoles, consumerRole, alternateUsername, provisionDatabaseRoles, rotateAlternatingUser } from './db/roles.js';
export { connect, createPools, withWriterRetry, isRetryableDbError, writerUrl, type Pools, type Queryable, type Sql } from './db/pools.js';
export { exportStaticSite, startBackupExporter, type ExportResult, type BackupExporter } from './static-site/index.js';
export { seedCatalog, type SeedResult } from './seed/seed.js';
export { FolderMediaStorage } from './media/folder-media-storage.js';
export { S3MediaStorage } from './media/s3-media-storage.js';
export { mediaStorageFor, type MediaStorage } from './media/media-storage.js';
export { createAdmin, type StaffAccount } from './admin/staff-accounts.js';
// Order and stock events (issue 16): what the consumers decode and the twin's consumer process reads from RabbitMQ.
export {
  decodeEvent,
  encodeEvent,
  orderingKeyOf,
  deadLetterQueueOf,
  type EventBus,
  type Delivery,
  type Consumer,
  type ConsumeOptions,
  type QueueSpec,
} from './events/event-bus.js';
export { EVENT_TYPES, ORDER_EVENT_PAYLOAD, STOCK_LOW_PAYLOAD, type EventType, type ShopEvent } from './events/outbox-events.js';
export { MAX_DELIVERIES, ORDER_NOTIFIER_QUEUE, SALES_FEED_QUEUE, SHOP_QUEUES } from './events/queues.js';
export { connectRabbitmqEventBus } from './events/rabbitmq-event-bus.js';
// Tracing (issue 16): a consumer's process starts it and continues each event's trace (src/tracing/README.md).
export { startTracing, flushTracing, type Tracing, type TracingOptions } from './tracing/tracing.js';
export { withEventSpan } from './tracing/event-spans.js';
