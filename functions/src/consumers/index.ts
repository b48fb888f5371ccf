export { createOrderNotifier, handler as orderNotifier, ORDER_NOTIFIER, type OrderNotifierDeps } from './order-notifier.js';
export { createSalesFeed, handler as salesFeed, COUNTED_EVENTS, SALES_FEED, SALES_DAY_TIME_ZONE, SalesFeedError, type SalesFeedDeps } from './sales-feed.js';
export { NOTIFIED_EVENTS } from './order-mail.js';
export { consumerDatabase, type ConsumerDatabase, type ConsumerDatabaseOptions } from './consumer-database.js';
export { DatabaseSecretError, readDatabaseSecret, SecretLogin } from './database-secret.js';
export { tracingFromEnvironment } from './consumer-tracing.js';
export type { ConsumerLog } from './sqs-batch.js';
