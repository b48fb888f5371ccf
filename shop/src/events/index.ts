// The events' public face (`@evermall/shop/events`), for the consumers and the twin's consumer
// process: the wire codec, the queues, the RabbitMQ adapter. Nothing here reaches the HTTP app, so
// a Lambda bundle built from it carries neither fastify nor argon2's native binary.
export { decodeEvent, encodeEvent, orderingKeyOf, deadLetterQueueOf, type EventBus, type Delivery, type Consumer, type ConsumeOptions, type QueueSpec } from './event-bus.js';
export { EVENT_TYPES, ORDER_EVENT_PAYLOAD, STOCK_LOW_PAYLOAD, type EventType, type ShopEvent } from './outbox-events.js';
export { MAX_DELIVERIES, ORDER_NOTIFIER_QUEUE, SALES_FEED_QUEUE, SHOP_QUEUES } from './queues.js';
export { connectRabbitmqEventBus } from './rabbitmq-event-bus.js';
