import { connect, type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { withTimeout } from '../lib/with-timeout.js';
import type { ShopEvent } from './outbox-events.js';
import {
  deadLetterQueueOf,
  decodeEvent,
  encodeEvent,
  orderingKeyOf,
  TRACEPARENT_ATTRIBUTE,
  typesOfQueue,
  withCarriedTraceparent,
  type ConsumeOptions,
  type Consumer,
  type EventBus,
  type EventHandler,
  type QueueSpec,
} from './event-bus.js';

/** The topic exchange every event is published to, routed by its type (`order.placed`, `stock.low`). */
export const EVENTS_EXCHANGE = 'evermall.events';
/** Where a queue's dead messages go, routed by the queue's name to its dead-letter queue. */
export const DEAD_LETTER_EXCHANGE = 'evermall.events.dead-letter';

export interface RabbitmqEventBusOptions {
  /** amqp://user:password@host:port/vhost */
  url: string;
  /** The consumers' queues, declared (idempotently) at connect: bindings, delivery limits, dead-letter queues. */
  queues: readonly QueueSpec[];
  /**
   * How long the broker has to answer: the TCP connect and AMQP handshake, then the queue
   * declarations, and later a graceful close. Past it the socket is dropped and the call fails,
   * instead of waiting for ever on a node that takes connections and never answers (a frozen
   * host, a node still starting behind the endpoint). Default 10 s.
   */
  answerTimeoutSeconds?: number;
}

const DEFAULT_ANSWER_TIMEOUT_SECONDS = 10;

/**
 * Ends the connection at once, whatever the broker does: the socket is destroyed with `reason`,
 * which amqplib hears as a socket error, so every RPC in flight on its channels rejects and the
 * connection emits 'close'. (amqplib types the connection without its stream; it is the socket.)
 */
function dropConnection(connection: ChannelModel, reason: string): void {
  (connection.connection as unknown as { stream: { destroy(err: Error): void } }).stream.destroy(new Error(reason));
}

/**
 * The EventBus on RabbitMQ (3.10, Debian's), the twin's broker:
 * - every queue is a quorum queue (Raft-replicated, fsynced before the publisher is confirmed:
 *   https://www.rabbitmq.com/docs/3.13/quorum-queues, "Data Safety"), so a confirmed event
 *   survives the broker's crash;
 * - publishes go through a confirm channel and `publish` waits for the broker's acks
 *   (https://www.rabbitmq.com/docs/3.13/confirms, "Publisher Confirms");
 * - `x-delivery-limit` counts returned deliveries and dead-letters a message past it through the
 *   queue's dead-letter exchange; `x-dead-letter-strategy: at-least-once` makes that move itself
 *   safe (it needs `x-overflow: reject-publish`): https://www.rabbitmq.com/docs/3.13/quorum-queues,
 *   "Poison Message Handling", and https://www.rabbitmq.com/blog/2022/03/29/at-least-once-dead-lettering.
 * - RabbitMQ has no per-message visibility timeout: the consumer gives a delivery back itself when
 *   its handler outlives `visibilityTimeoutSeconds` (a nack that counts as a failed delivery).
 */
export async function connectRabbitmqEventBus(options: RabbitmqEventBusOptions): Promise<EventBus> {
  const answerMs = (options.answerTimeoutSeconds ?? DEFAULT_ANSWER_TIMEOUT_SECONDS) * 1000;
  // amqplib's socket timeout bounds the TCP connect and the handshake, and is lifted once open.
  const connection = await connect(options.url, { timeout: answerMs }).catch((err: unknown) => {
    throw (err as Error).message === 'connect ETIMEDOUT' ? new Error(`the broker did not answer the connect within ${answerMs / 1000} s`) : err;
  });
  // A lost connection emits 'error' then 'close'; an EventEmitter's unheard 'error' would end the
  // process. What fails is reported where it matters: the publish or consume in flight rejects, and
  // the bus refuses further calls (the relay then connects again).
  connection.on('error', () => undefined);
  const declared = (async () => {
    const setup = await connection.createChannel();
    await declareTopology(setup, options.queues);
    await setup.close();
    return connection.createConfirmChannel();
  })();
  try {
    const publisher = await withTimeout(declared, answerMs, `the broker did not declare the queues within ${answerMs / 1000} s`);
    return new RabbitmqEventBus(connection, publisher, answerMs);
  } catch (err) {
    // Not a graceful close: a broker that did not answer the declarations would not answer CloseOk either.
    dropConnection(connection, (err as Error).message);
    declared.catch(() => undefined);
    throw err;
  }
}

async function declareTopology(channel: Channel, queues: readonly QueueSpec[]): Promise<void> {
  await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
  await channel.assertExchange(DEAD_LETTER_EXCHANGE, 'direct', { durable: true });
  for (const spec of queues) {
    const types = typesOfQueue(spec);
    if (types.length === 0) throw new Error(`queue ${spec.name} subscribes to nothing`);
    if (!Number.isInteger(spec.maxDeliveries) || spec.maxDeliveries < 1) throw new Error(`queue ${spec.name}: maxDeliveries must be a positive integer`);
    const dead = deadLetterQueueOf(spec.name);
    await channel.assertQueue(dead, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.bindQueue(dead, DEAD_LETTER_EXCHANGE, spec.name);
    await channel.assertQueue(spec.name, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        // A message is dead-lettered once it has been returned more than this many times: maxDeliveries in all.
        'x-delivery-limit': spec.maxDeliveries - 1,
        'x-dead-letter-exchange': DEAD_LETTER_EXCHANGE,
        'x-dead-letter-routing-key': spec.name,
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
    });
    for (const pattern of spec.topics) await channel.bindQueue(spec.name, EVENTS_EXCHANGE, pattern);
  }
}

class RabbitmqEventBus implements EventBus {
  private readonly consumers = new Set<Consumer>();
  private closed = false;

  constructor(
    private readonly connection: ChannelModel,
    private readonly publisher: ConfirmChannel,
    private readonly answerMs: number,
  ) {
    publisher.on('error', () => undefined);
    const lost = () => (this.closed = true);
    connection.on('close', lost);
    publisher.on('close', lost);
  }

  async publish(events: readonly ShopEvent[]): Promise<void> {
    if (this.closed) throw new Error('the connection to RabbitMQ is closed');
    const confirmed = events.map(
      (event) =>
        new Promise<void>((resolve, reject) => {
          this.publisher.publish(
            EVENTS_EXCHANGE,
            event.type,
            Buffer.from(encodeEvent(event)),
            {
              persistent: true,
              contentType: 'application/json',
              messageId: String(event.id),
              type: event.type,
              headers: { 'ordering-key': orderingKeyOf(event), ...(event.traceparent ? { [TRACEPARENT_ATTRIBUTE]: event.traceparent } : {}) },
            },
            (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(`the broker refused event ${event.id}`)) : resolve()),
          );
        }),
    );
    await Promise.all(confirmed);
  }

  async consume(queue: string, handler: EventHandler, options: ConsumeOptions): Promise<Consumer> {
    if (this.closed) throw new Error('the connection to RabbitMQ is closed');
    const channel = await this.connection.createChannel();
    channel.on('error', () => undefined);
    await channel.prefetch(options.prefetch);
    const running = new Set<Promise<void>>();
    const deliver = (message: ConsumeMessage) => {
      let settled = false;
      const settle = (how: 'ack' | 'retry' | 'dead') => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        try {
          if (how === 'ack') channel.ack(message);
          else channel.nack(message, false, how === 'retry');
        } catch {
          // The channel closed meanwhile: the broker gives the delivery back by itself.
        }
      };
      // The visibility timeout: give the delivery back (another consumer may take it) while the handler goes on.
      const timer = setTimeout(() => settle('retry'), options.visibilityTimeoutSeconds * 1000);
      const headers = message.properties.headers as Record<string, unknown> | undefined;
      let event: ShopEvent;
      try {
        event = withCarriedTraceparent(decodeEvent(message.content.toString('utf8')), headers?.[TRACEPARENT_ATTRIBUTE]);
      } catch {
        settle('dead');
        return;
      }
      // Quorum queues count returned deliveries in x-delivery-count (absent on the first).
      const returned = Number(headers?.['x-delivery-count'] ?? 0);
      const run = handler({ event, attempt: returned + 1 }).then(
        () => settle('ack'),
        () => settle('retry'),
      );
      running.add(run);
      void run.finally(() => running.delete(run));
    };
    const { consumerTag } = await channel.consume(queue, (message) => {
      if (message) deliver(message);
    });
    const consumer: Consumer = {
      close: async () => {
        this.consumers.delete(consumer);
        // A broker that does not answer the cancel (frozen) must not hold the close: the handlers
        // still finish, and whatever they could not ack the broker redelivers.
        await withTimeout(channel.cancel(consumerTag), this.answerMs, 'the broker did not answer the cancel').catch(() => undefined);
        await Promise.all(running);
        await withTimeout(channel.close(), this.answerMs, 'the broker did not answer the channel close').catch(() => undefined);
      },
    };
    this.consumers.add(consumer);
    return consumer;
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.close()));
    this.closed = true;
    // amqplib 2 settles close() only when the broker answers CloseOk: a broker that dies or
    // freezes while the connection closes (the relay closes after a failed round) would leave it
    // pending for ever. The connection's 'close' event comes either way, and a broker that has not
    // answered within the answer timeout has its socket dropped.
    const gone = new Promise<void>((resolve) => this.connection.once('close', () => resolve()));
    const closing = this.connection.close().catch(() => undefined);
    await withTimeout(Promise.race([closing, gone]), this.answerMs, 'the broker did not answer the close').catch(() => {
      dropConnection(this.connection, 'the broker did not answer the close');
    });
  }
}
