import { EVENT_TYPES, type EventType, type ShopEvent } from './outbox-events.js';

/**
 * The shop's one port to a message broker: publish events to every queue whose topics match,
 * consume a queue at least once. Two adapters implement it, RabbitMQ on the twin
 * (`rabbitmq-event-bus.ts`) and SNS + SQS on AWS (`sns-sqs-event-bus.ts`), and one contract suite
 * (`event-bus.contract.ts`) holds both to the same behaviour:
 *
 * - `publish` resolves only once the broker has taken every event for good (publisher confirms;
 *   SNS's answer), so the relay marks nothing published that could still be lost;
 * - a delivery is acknowledged only after its handler resolved: a handler that throws, or a
 *   consumer that dies, gives the message back at once; one whose handler outlives the
 *   visibility timeout is delivered again while that handler may still run;
 * - after `maxDeliveries` deliveries that did not succeed the message moves to the queue's
 *   dead-letter queue (`deadLetterQueueOf`), where nothing retries it and an alarm watches.
 *
 * At least once means a consumer sees some events twice: it deduplicates on `event.id`.
 */
export interface EventBus {
  publish(events: readonly ShopEvent[]): Promise<void>;
  consume(queue: string, handler: EventHandler, options: ConsumeOptions): Promise<Consumer>;
  /** Closes the connection; deliveries not yet acknowledged go back to their queues. */
  close(): Promise<void>;
}

export interface Delivery {
  event: ShopEvent;
  /** 1 on the first delivery, counted by the broker across consumers and restarts. */
  attempt: number;
}

export type EventHandler = (delivery: Delivery) => Promise<void>;

export interface ConsumeOptions {
  /** Deliveries handled at once by this consumer (RabbitMQ's prefetch; SQS: at most 10 per receive). */
  prefetch: number;
  /** A delivery not acknowledged within this long is given to another consumer. */
  visibilityTimeoutSeconds: number;
}

export interface Consumer {
  /** Stops taking deliveries and waits for the handlers running now. */
  close(): Promise<void>;
}

/** One consumer's queue: which events it receives and how often one is tried before it is dead-lettered. */
export interface QueueSpec {
  readonly name: string;
  /** Topic patterns over event types, AMQP style: `order.*`, `stock.low`, `#`. */
  readonly topics: readonly string[];
  readonly maxDeliveries: number;
}

/** The queue a queue's failed messages end in. SQS queue names allow letters, digits, - and _ only. */
export const deadLetterQueueOf = (queue: string): string => `${queue}-dlq`;

/** The broker's key for keeping an aggregate's events in order: `order-12`, `product-7`. */
export const orderingKeyOf = (event: Pick<ShopEvent, 'type' | 'aggregateId'>): string => `${event.type.startsWith('stock.') ? 'product' : 'order'}-${event.aggregateId}`;

/** Whether an event type matches an AMQP topic pattern (`*` one word, `#` zero or more). */
export function topicMatches(pattern: string, type: string): boolean {
  const match = (p: readonly string[], t: readonly string[]): boolean => {
    if (p.length === 0) return t.length === 0;
    const [head, ...rest] = p;
    if (head === '#') return match(rest, t) || (t.length > 0 && match(p, t.slice(1)));
    return t.length > 0 && (head === '*' || head === t[0]) && match(rest, t.slice(1));
  };
  return match(pattern.split('.'), type.split('.'));
}

/** The event types a queue receives; refuses a pattern that matches none (a typo would silently receive nothing). */
export function typesOfQueue(spec: QueueSpec): EventType[] {
  for (const pattern of spec.topics) {
    if (!EVENT_TYPES.some((type) => topicMatches(pattern, type))) throw new Error(`queue ${spec.name}: topic ${pattern} matches no event type (${EVENT_TYPES.join(', ')})`);
  }
  return EVENT_TYPES.filter((type) => spec.topics.some((pattern) => topicMatches(pattern, type)));
}

/** The wire form of an event: the same JSON on both brokers. */
export const encodeEvent = (event: ShopEvent): string => JSON.stringify(event);

/**
 * Parses a message body; throws on anything that is not a shop event (the adapter dead-letters it).
 * A `traceparent` that is not a string is dropped, not refused: a broken trace never loses an event.
 */
export function decodeEvent(body: string): ShopEvent {
  const value = JSON.parse(body) as Partial<ShopEvent>;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof value.id !== 'number' ||
    typeof value.aggregateId !== 'number' ||
    !EVENT_TYPES.includes(value.type as EventType) ||
    typeof value.payload !== 'object' ||
    value.payload === null ||
    typeof value.createdAt !== 'string'
  ) {
    throw new Error(`not a shop event: ${body.slice(0, 200)}`);
  }
  if (value.traceparent !== undefined && typeof value.traceparent !== 'string') delete value.traceparent;
  return value as ShopEvent;
}

/**
 * The event with the traceparent a broker carried beside its body (an AMQP header, an SQS message
 * attribute), for a message whose body has none (one published by another producer).
 */
export function withCarriedTraceparent(event: ShopEvent, carried: unknown): ShopEvent {
  return event.traceparent === undefined && typeof carried === 'string' && carried !== '' ? { ...event, traceparent: carried } : event;
}

/** The header (AMQP) and message attribute (SNS, SQS) that carry an event's traceparent beside its body. */
export const TRACEPARENT_ATTRIBUTE = 'traceparent';
