import { createHash, randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { TWIN_ACCOUNT, TWIN_REGION } from './lambda-context.js';

/** A message as a queue hands it to the event source mapping. */
export interface QueueMessage {
  body: string;
  /** This delivery's number, 1 on the first: SQS's ApproximateReceiveCount. */
  attempt: number;
  /** FIFO queues: the message group (an order, a product), and the deduplication id (the outbox id). */
  groupId?: string | undefined;
  deduplicationId?: string | undefined;
  /** When the message was sent to the queue. */
  sentAt?: Date | undefined;
}

/** The ARN of one of the twin's queues, in SQS's shape. */
export const queueArn = (queue: string): string => `arn:aws:sqs:${TWIN_REGION}:${TWIN_ACCOUNT}:${queue}`;

/**
 * The record SQS gives Lambda for one received message (Lambda Developer Guide, "Using Lambda with
 * Amazon SQS", example standard and FIFO queue message events), field for field. The messageId is
 * new for every delivery here: the twin's broker does not keep SQS's message ids, and a batch's
 * failures are named by it, so no two records of a batch may share one.
 */
export function sqsRecord(queue: string, message: QueueMessage, receivedAt = new Date()): SQSRecord {
  const sent = message.sentAt ?? receivedAt;
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.attempt),
      SentTimestamp: String(sent.getTime()),
      SenderId: 'TWINRELAY',
      ApproximateFirstReceiveTimestamp: String(receivedAt.getTime()),
      ...(message.groupId === undefined ? {} : { MessageGroupId: message.groupId }),
      ...(message.deduplicationId === undefined ? {} : { MessageDeduplicationId: message.deduplicationId }),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(message.body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn(queue),
    awsRegion: TWIN_REGION,
  };
}

/** The event one invocation gets: up to the mapping's batch size of records. */
export const sqsEvent = (records: SQSRecord[]): SQSEvent => ({ Records: records });
