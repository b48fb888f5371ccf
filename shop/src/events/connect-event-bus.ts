import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../lib/logger.js';
import { brokerOf } from './broker-url.js';
import type { EventBus } from './event-bus.js';
import { SHOP_QUEUES } from './queues.js';
import { connectRabbitmqEventBus } from './rabbitmq-event-bus.js';
import { SnsSqsEventBus } from './sns-sqs-event-bus.js';

/**
 * The publishing side of the EventBus for EVENT_BROKER_URL (validated by config.ts). On RabbitMQ
 * it declares the consumers' queues, and the broker has `answerTimeoutSeconds` to answer; on AWS infra made them and SNS needs only the topic (the
 * instance role's credentials come from the SDK's default chain).
 */
export async function connectEventBus(url: string, logger: Logger, answerTimeoutSeconds: number): Promise<EventBus> {
  const broker = brokerOf(url);
  if (!broker) throw new Error('EVENT_BROKER_URL is neither amqp(s):// nor an SNS topic ARN');
  if (broker.kind === 'rabbitmq') return connectRabbitmqEventBus({ url: broker.url, queues: SHOP_QUEUES, answerTimeoutSeconds });
  return new SnsSqsEventBus({ topicArn: broker.topicArn, queueUrls: {}, sns: new SNSClient({ region: broker.region }), sqs: new SQSClient({ region: broker.region }), logger });
}
