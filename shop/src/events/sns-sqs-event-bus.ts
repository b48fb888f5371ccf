import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../lib/logger.js';
import type { ShopEvent } from './outbox-events.js';
import {
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

/** Entries per PublishBatch and messages per ReceiveMessage at most (SNS and SQS quotas: 10 each). */
export const MAX_BATCH = 10;
/** SQS long polling's longest wait: an empty queue costs one request per 20 s, not a busy loop (SQS quotas, "Long polling"). */
export const LONG_POLL_SECONDS = 20;
/** A failed receive (throttling, a network blip) is tried again after this pause. */
const RECEIVE_RETRY_MS = 1_000;

export interface SnsSqsEventBusOptions {
  /** The order events topic. A `.fifo` ARN gets MessageGroupId and MessageDeduplicationId on every publish. */
  topicArn: string;
  /** Each queue's URL by its name (infra's outputs), dead-letter queues included. */
  queueUrls: Readonly<Record<string, string>>;
  sns: SNSClient;
  sqs: SQSClient;
  logger: Logger;
}

/**
 * The EventBus on AWS: SNS fans each event out to one SQS queue per consumer, each queue's
 * subscription filtered on the `type` attribute (`filterPolicyOf`) with raw message delivery, and
 * each queue's redrive policy (maxReceiveCount = the queue's maxDeliveries) moves a message that
 * failed that often to its dead-letter queue. Queues, subscriptions and redrive belong to infra;
 * this adapter only publishes, receives, deletes and releases.
 *
 * Standard or FIFO: the topic is FIFO (with FIFO queues). The outbox's promise is in order per
 * order, and only FIFO keeps it across the broker: the message group is the order
 * (`orderingKeyOf`), so an order's events reach a consumer one after another while different
 * orders go in parallel, and the outbox row's id as the deduplication id drops a relay's
 * republish of the same row within SNS's five-minute window. FIFO topics with message-group
 * throughput scope are limited only by the regional quotas, far above a flash sale's orders.
 * The price: a failing message holds back the later events of its own order (not the others)
 * until it succeeds or is dead-lettered, which is what "in order per order" asks.
 */
export class SnsSqsEventBus implements EventBus {
  private readonly fifo: boolean;
  private readonly consumers = new Set<Consumer>();

  constructor(private readonly options: SnsSqsEventBusOptions) {
    this.fifo = options.topicArn.endsWith('.fifo');
  }

  async publish(events: readonly ShopEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += MAX_BATCH) {
      const batch = events.slice(start, start + MAX_BATCH);
      const answer = await this.options.sns.send(new PublishBatchCommand({ TopicArn: this.options.topicArn, PublishBatchRequestEntries: batch.map((e) => this.entryOf(e)) }));
      const failed = answer.Failed ?? [];
      if (failed.length > 0) {
        throw new Error(`SNS refused ${failed.length} of ${batch.length} events: ${failed.map((f) => `${f.Id} ${f.Code}${f.SenderFault ? ' (sender)' : ''}`).join(', ')}`);
      }
    }
  }

  private entryOf(event: ShopEvent): PublishBatchRequestEntry {
    return {
      Id: String(event.id),
      Message: encodeEvent(event),
      // What each queue's subscription filter policy matches on, and the trace a consumer continues
      // (raw message delivery hands SNS message attributes on as SQS message attributes).
      MessageAttributes: {
        type: { DataType: 'String', StringValue: event.type },
        ...(event.traceparent ? { [TRACEPARENT_ATTRIBUTE]: { DataType: 'String', StringValue: event.traceparent } } : {}),
      },
      ...(this.fifo ? { MessageGroupId: orderingKeyOf(event), MessageDeduplicationId: String(event.id) } : {}),
    };
  }

  async consume(queue: string, handler: EventHandler, options: ConsumeOptions): Promise<Consumer> {
    const url = this.options.queueUrls[queue];
    if (!url) throw new Error(`no SQS queue URL for ${queue} (known: ${Object.keys(this.options.queueUrls).join(', ')})`);
    const abort = new AbortController();
    const running = new Set<Promise<void>>();
    let closed = false;
    const loop = (async () => {
      while (!closed) {
        const room = Math.min(MAX_BATCH, options.prefetch - running.size);
        if (room <= 0) {
          await Promise.race(running);
          continue;
        }
        let messages: Message[];
        try {
          const answer = await this.options.sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: url,
              MaxNumberOfMessages: room,
              WaitTimeSeconds: LONG_POLL_SECONDS,
              VisibilityTimeout: options.visibilityTimeoutSeconds,
              MessageSystemAttributeNames: ['ApproximateReceiveCount'],
              MessageAttributeNames: [TRACEPARENT_ATTRIBUTE],
            }),
            { abortSignal: abort.signal },
          );
          messages = answer.Messages ?? [];
        } catch (err) {
          if (closed) return;
          this.options.logger.warn({ err, queue }, 'receiving from SQS failed; trying again');
          await new Promise((r) => setTimeout(r, RECEIVE_RETRY_MS));
          continue;
        }
        for (const message of messages) {
          const run = this.handle(url, message, handler);
          running.add(run);
          void run.finally(() => running.delete(run));
        }
      }
    })();
    const consumer: Consumer = {
      close: async () => {
        closed = true;
        abort.abort();
        this.consumers.delete(consumer);
        await loop;
        await Promise.all(running);
      },
    };
    this.consumers.add(consumer);
    return consumer;
  }

  /** Deletes the message after its handler succeeded; otherwise makes it visible again at once (its receive count already grew). */
  private async handle(url: string, message: Message, handler: EventHandler): Promise<void> {
    const receipt = message.ReceiptHandle;
    if (!receipt) return;
    let ok = false;
    try {
      const event = withCarriedTraceparent(decodeEvent(message.Body ?? ''), message.MessageAttributes?.[TRACEPARENT_ATTRIBUTE]?.StringValue);
      await handler({ event, attempt: Number(message.Attributes?.ApproximateReceiveCount ?? 1) });
      ok = true;
    } catch {
      // A handler failure or a body that is no event: released below, dead-lettered by the redrive policy in the end.
    }
    try {
      if (ok) await this.options.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: receipt }));
      else await this.options.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: receipt, VisibilityTimeout: 0 }));
    } catch (err) {
      // Not deleted: it comes back after its visibility timeout (at least once). Not released: the same, later.
      this.options.logger.warn({ err, messageId: message.MessageId }, ok ? 'deleting a handled message failed; it will be delivered again' : 'releasing a failed message failed');
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.close()));
  }
}

/** A queue's SNS subscription filter policy: exactly the event types its topics match, on the `type` attribute. */
export function filterPolicyOf(spec: QueueSpec): { type: string[] } {
  return { type: typesOfQueue(spec) };
}
