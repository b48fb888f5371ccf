import { SNSClient, type ServiceOutputTypes as SnsOutput } from '@aws-sdk/client-sns';
import { SQSClient, type Message, type ServiceOutputTypes as SqsOutput } from '@aws-sdk/client-sqs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { decodeEvent, type Delivery } from './event-bus.js';
import type { ShopEvent } from './outbox-events.js';
import { filterPolicyOf, LONG_POLL_SECONDS, MAX_BATCH, SnsSqsEventBus } from './sns-sqs-event-bus.js';

/**
 * No SQS-compatible server installs here from Debian or npm (events/README.md), so these check the
 * requests the adapter sends through the real SDK clients: a middleware at the start of each
 * client's stack records every command's input and answers it before anything is signed or sent.
 */
interface Sent {
  command: string;
  input: Record<string, unknown>;
}

type Answer = (command: string, input: Record<string, unknown>) => Promise<object> | object;

/** Records each command's input and answers it, as the first middleware of a client's stack. */
function recorder<Output>(sent: Sent[], answer: Answer) {
  return (_next: unknown, context: { commandName?: string }) =>
    async (args: { input: object }): Promise<{ output: Output; response: unknown }> => {
      const input = args.input as Record<string, unknown>;
      const command = context.commandName ?? '';
      sent.push({ command, input });
      return { output: { $metadata: {}, ...(await answer(command, input)) } as Output, response: {} };
    };
}

const RECORDER = { step: 'initialize', name: 'recordAndAnswer' } as const;

const region = 'ap-northeast-2';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-secret' };
const FIFO_TOPIC = 'arn:aws:sns:ap-northeast-2:123456789012:evermall-order-events.fifo';
const STANDARD_TOPIC = 'arn:aws:sns:ap-northeast-2:123456789012:evermall-order-events';
const QUEUE_URL = 'https://sqs.ap-northeast-2.amazonaws.com/123456789012/order-notifier.fifo';
const logger = pino({ level: 'silent' });

const events = (n: number): ShopEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    id: 100 + i,
    type: i % 5 === 4 ? 'stock.low' : 'order.placed',
    aggregateId: 7 + i,
    payload: { n: i },
    createdAt: '2026-11-30T12:00:00.000Z',
  }));

function bus(topicArn: string, snsAnswer: Answer = () => ({ Successful: [] }), sqsAnswer: Answer = () => ({})) {
  const sns = new SNSClient({ region, credentials });
  const sqs = new SQSClient({ region, credentials });
  const published: Sent[] = [];
  const received: Sent[] = [];
  sns.middlewareStack.add(recorder<SnsOutput>(published, snsAnswer), RECORDER);
  sqs.middlewareStack.add(recorder<SqsOutput>(received, sqsAnswer), RECORDER);
  return { bus: new SnsSqsEventBus({ topicArn, queueUrls: { 'order-notifier': QUEUE_URL }, sns, sqs, logger }), published, received };
}

describe('the SNS + SQS EventBus: the requests it sends', () => {
  it('publishes in batches of 10 to a FIFO topic, each event in its order’s message group, deduplicated by its outbox id', async () => {
    const { bus: b, published } = bus(FIFO_TOPIC);
    const sent = events(23);
    await b.publish(sent);
    expect(published.map((p) => p.command)).toEqual(['PublishBatchCommand', 'PublishBatchCommand', 'PublishBatchCommand']);
    const entries = published.flatMap((p) => p.input.PublishBatchRequestEntries as Record<string, unknown>[]);
    expect(published.map((p) => (p.input.PublishBatchRequestEntries as unknown[]).length)).toEqual([MAX_BATCH, MAX_BATCH, 3]);
    expect(published.every((p) => p.input.TopicArn === FIFO_TOPIC)).toBe(true);
    for (const [i, entry] of entries.entries()) {
      const e = sent[i]!;
      expect(entry).toEqual({
        Id: String(e.id),
        Message: JSON.stringify(e),
        MessageAttributes: { type: { DataType: 'String', StringValue: e.type } },
        MessageGroupId: `${e.type === 'stock.low' ? 'product' : 'order'}-${e.aggregateId}`,
        MessageDeduplicationId: String(e.id),
      });
      expect(decodeEvent(entry.Message as string)).toEqual(e);
    }
  });

  it('sends no group or deduplication id to a standard topic (SNS refuses them there)', async () => {
    const { bus: b, published } = bus(STANDARD_TOPIC);
    await b.publish(events(2));
    const entries = published[0]!.input.PublishBatchRequestEntries as Record<string, unknown>[];
    for (const entry of entries) {
      expect(entry).not.toHaveProperty('MessageGroupId');
      expect(entry).not.toHaveProperty('MessageDeduplicationId');
    }
  });

  it('carries an event’s traceparent as a message attribute, and hands a consumer the one an SQS message carries', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const { bus: publisher, published } = bus(FIFO_TOPIC);
    const [traced] = events(1).map((e) => ({ ...e, traceparent }));
    await publisher.publish([traced!]);
    const [entry] = published[0]!.input.PublishBatchRequestEntries as { MessageAttributes: Record<string, unknown>; Message: string }[];
    expect(entry!.MessageAttributes.traceparent).toEqual({ DataType: 'String', StringValue: traceparent });
    expect(decodeEvent(entry!.Message).traceparent).toBe(traceparent);

    // A body without one (another producer's) takes the attribute's.
    const [plain] = events(1);
    let first = true;
    const { bus: consumerBus } = bus(FIFO_TOPIC, undefined, async (command) => {
      if (command !== 'ReceiveMessageCommand') return {};
      if (!first) {
        await new Promise((r) => setTimeout(r, 10));
        return { Messages: [] };
      }
      first = false;
      return {
        Messages: [
          {
            MessageId: 'm1',
            ReceiptHandle: 'r1',
            Body: JSON.stringify(plain),
            Attributes: { ApproximateReceiveCount: '1' },
            MessageAttributes: { traceparent: { DataType: 'String', StringValue: traceparent } },
          },
        ],
      };
    });
    const delivered = new Promise<Delivery>((resolve) => {
      void consumerBus.consume('order-notifier', async (d) => resolve(d), { prefetch: 1, visibilityTimeoutSeconds: 30 });
    });
    expect((await delivered).event).toEqual({ ...plain, traceparent });
    await consumerBus.close();
  });

  it('fails the publish when SNS refuses any entry, so the relay leaves the rows unpublished', async () => {
    const { bus: b } = bus(FIFO_TOPIC, (_command, input) => {
      const [first, ...rest] = input.PublishBatchRequestEntries as { Id: string }[];
      return { Successful: rest.map((r) => ({ Id: r.Id })), Failed: [{ Id: first!.Id, Code: 'InternalError', SenderFault: false }] };
    });
    await expect(b.publish(events(3))).rejects.toThrow(/SNS refused 1 of 3 events: 100 InternalError/);
  });

  it('long-polls with the visibility timeout, deletes what its handler took and releases at once what failed', async () => {
    const [ok, failing] = events(2);
    const messages: Message[] = [
      { MessageId: 'm1', ReceiptHandle: 'r1', Body: JSON.stringify(ok), Attributes: { ApproximateReceiveCount: '1' } },
      { MessageId: 'm2', ReceiptHandle: 'r2', Body: JSON.stringify(failing), Attributes: { ApproximateReceiveCount: '3' } },
    ];
    let first = true;
    const { bus: b, received } = bus(FIFO_TOPIC, undefined, async (command) => {
      if (command !== 'ReceiveMessageCommand') return {};
      if (first) {
        first = false;
        return { Messages: messages };
      }
      await new Promise((r) => setTimeout(r, 10));
      return { Messages: [] };
    });
    const deliveries: Delivery[] = [];
    const consumer = await b.consume(
      'order-notifier',
      async (d) => {
        deliveries.push(d);
        if (d.event.id === failing!.id) throw new Error('the handler fails');
      },
      { prefetch: 16, visibilityTimeoutSeconds: 30 },
    );
    const deadline = Date.now() + 10_000;
    while (received.filter((r) => r.command !== 'ReceiveMessageCommand').length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await consumer.close();

    expect(received[0]).toEqual({
      command: 'ReceiveMessageCommand',
      input: {
        QueueUrl: QUEUE_URL,
        MaxNumberOfMessages: MAX_BATCH,
        WaitTimeSeconds: LONG_POLL_SECONDS,
        VisibilityTimeout: 30,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        MessageAttributeNames: ['traceparent'],
      },
    });
    expect(deliveries.map((d) => [d.event, d.attempt])).toEqual([
      [ok, 1],
      [failing, 3],
    ]);
    const settled = received.filter((r) => r.command !== 'ReceiveMessageCommand');
    expect(settled).toEqual(
      expect.arrayContaining([
        { command: 'DeleteMessageCommand', input: { QueueUrl: QUEUE_URL, ReceiptHandle: 'r1' } },
        { command: 'ChangeMessageVisibilityCommand', input: { QueueUrl: QUEUE_URL, ReceiptHandle: 'r2', VisibilityTimeout: 0 } },
      ]),
    );
    expect(settled).toHaveLength(2);
  });

  it('asks for no more messages than its prefetch leaves room for', async () => {
    const { bus: b, received } = bus(FIFO_TOPIC, undefined, async () => {
      await new Promise((r) => setTimeout(r, 10));
      return { Messages: [] };
    });
    const consumer = await b.consume('order-notifier', async () => undefined, { prefetch: 3, visibilityTimeoutSeconds: 5 });
    while (received.length === 0) await new Promise((r) => setTimeout(r, 5));
    await consumer.close();
    expect(received[0]!.input.MaxNumberOfMessages).toBe(3);
  });

  it('refuses a queue it has no URL for', async () => {
    await expect(bus(FIFO_TOPIC).bus.consume('sales-feed', async () => undefined, { prefetch: 1, visibilityTimeoutSeconds: 5 })).rejects.toThrow(/no SQS queue URL for sales-feed/);
  });

  it("filters each queue's subscription to exactly the event types its topics match", () => {
    expect(filterPolicyOf({ name: 'q', topics: ['order.*'], maxDeliveries: 5 })).toEqual({ type: ['order.placed', 'order.paid', 'order.cancelled', 'order.shipped'] });
    expect(filterPolicyOf({ name: 'q', topics: ['stock.low', 'order.shipped'], maxDeliveries: 5 })).toEqual({ type: ['order.shipped', 'stock.low'] });
    expect(() => filterPolicyOf({ name: 'q', topics: ['orders.*'], maxDeliveries: 5 })).toThrow(/matches no event type/);
  });
});
