import type { QueueSpec } from './event-bus.js';

/**
 * Deliveries of one event before it is dead-lettered. AWS recommends a redrive maxReceiveCount
 * of at least 5 for queues a Lambda function reads, so that a throttled or briefly failing
 * function does not send good messages to the DLQ (Lambda developer guide, "Using Lambda with
 * Amazon SQS", "Configuring a dead-letter queue"); the twin uses the same number.
 */
export const MAX_DELIVERIES = 5;

/** The consumers' queues (issue 16): the publisher declares them too, so no event is published before its queue exists. */
export const ORDER_NOTIFIER_QUEUE: QueueSpec = { name: 'order-notifier', topics: ['order.placed', 'order.shipped', 'order.cancelled'], maxDeliveries: MAX_DELIVERIES };
export const SALES_FEED_QUEUE: QueueSpec = { name: 'sales-feed', topics: ['order.*', 'stock.*'], maxDeliveries: MAX_DELIVERIES };

export const SHOP_QUEUES: readonly QueueSpec[] = [ORDER_NOTIFIER_QUEUE, SALES_FEED_QUEUE];
