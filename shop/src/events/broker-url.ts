/** An SNS topic ARN: arn:aws:sns:<region>:<account>:<name>, a FIFO topic's name ending in .fifo. */
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** What EVENT_BROKER_URL names: a RabbitMQ node (the twin) or an SNS topic (AWS). Undefined when it is neither. */
export function brokerOf(url: string): { kind: 'rabbitmq'; url: string } | { kind: 'sns'; topicArn: string; region: string } | undefined {
  if (/^amqps?:\/\/[^/]/.test(url)) return { kind: 'rabbitmq', url };
  const arn = SNS_TOPIC_ARN.exec(url);
  if (arn) return { kind: 'sns', topicArn: url, region: arn[1]! };
  return undefined;
}
