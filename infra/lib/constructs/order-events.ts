import { Annotations, ArnFormat, Aws, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { eventConsumers } from '@evermall/topology';
import { consumerRole } from '@evermall/shop/db-roles';
import { deadLetterQueueOf, filterPolicyOf, ORDER_NOTIFIER_QUEUE, SHOP_QUEUES, type QueueSpec } from '@evermall/shop/release';
import { functionsWorkspaceFunction } from './functions-workspace.js';

/**
 * What the consumer handlers read from their environment on AWS (functions/src/consumers,
 * functions/src/mail). As on the instances, the URL says where and carries no password; the login
 * is the Secrets Manager secret, whose username and password the handler reads at its cold start
 * and again when the database refuses them (functions/src/consumers/database-secret.ts; on the
 * twin CONSUMER_DATABASE_CREDENTIALS_FILE plays that part).
 */
export const consumerEnvironment = {
  databaseUrl: 'CONSUMER_DATABASE_URL',
  databaseSecretArn: 'CONSUMER_DATABASE_SECRET_ARN',
  mailFrom: 'MAIL_FROM',
  mailTransport: 'MAIL_TRANSPORT',
} as const;

/**
 * The Lambda Node.js runtime's bundle of Amazon CA certificates, RDS's included (Lambda Developer
 * Guide, "Building Lambda functions with Node.js": from Node.js 20 on it is not loaded unless
 * NODE_EXTRA_CA_CERTS names it). The database URL verifies the server against it (verify-full).
 */
export const lambdaCaBundle = '/var/runtime/ca-cert.pem';

/**
 * SQS's longest retention (14 days): a consumer that is down, or not deployed yet, loses nothing
 * for two weeks. The twin's broker keeps messages until they are consumed.
 */
export const eventQueueRetentionDays = 14;

/** An SQS FIFO queue's name: letters, digits, - and _, then `.fifo` (SQS Developer Guide, "Amazon SQS FIFO queue quotas"). */
const fifoQueueName = (name: string): string => `${Aws.STACK_NAME}-${name}.fifo`;

export interface OrderEventsProps {
  readonly vpc: ec2.IVpc;
  /** The consumers' own group (SecurityGroups.eventConsumers), which the database admits on its port. */
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * The consumers' database login (Database.consumerSecret: evermall_consumer, alternating users).
   * A handler reads it at its cold start; the user it read keeps its password until the rotation
   * after next (Secrets Manager User Guide, "Rotation by alternating users"), and a handler whose
   * login the database refuses reads it again.
   */
  readonly databaseSecret: secretsmanager.ISecret;
  /** The database writer the consumers connect to (the consumers' URL names it; the secret gives the login). */
  readonly database: { readonly host: string; readonly port: number; readonly name: string };
  /**
   * The order notifier's sender (parameter mailFrom, or orders@<domainName>), an SES identity the
   * operator verifies. Without one the notifier is not deployed: its queue keeps the events until
   * one is configured (eventQueueRetentionDays), and its backlog alarm says so.
   */
  readonly mailFrom?: string;
}

/** One consumer of the order events: its queue, the queue its failures end in, and its function. */
export interface EventConsumer {
  readonly spec: QueueSpec;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** Absent when the consumer cannot run in this configuration (the notifier without a mail sender). */
  readonly function?: nodejs.NodejsFunction;
}

/**
 * The shop's order events on AWS (issue 16), the SNS/SQS side of the EventBus port
 * (shop/src/events/sns-sqs-event-bus.ts, whose class comment says why FIFO):
 *
 * - one SNS FIFO topic, encrypted with its own key, that the shop's relay publishes to
 *   (EVENT_BROKER_URL is its ARN; message group = the order, deduplication id = the outbox row);
 * - per consumer in SHOP_QUEUES, an SQS FIFO queue subscribed with the spec's filter policy on the
 *   `type` attribute (filterPolicyOf) and raw delivery, so a message body is the event as
 *   `encodeEvent` wrote it; after the spec's maxDeliveries receives the redrive policy moves a
 *   message to the consumer's dead-letter queue (deadLetterQueueOf), where an alarm watches;
 * - per consumer, a Lambda function from functions/src/consumers/<queue name>.ts reading the queue
 *   in batches with partial batch failures, in the app subnets, with its own security group.
 * How the consumers run (batch, timeouts, visibility timeout, concurrency, memory) is topology's
 * `eventConsumers`, which the twin's runner reads too.
 */
export class OrderEvents extends Construct {
  public readonly topic: sns.Topic;
  public readonly consumers: readonly EventConsumer[];
  private readonly topicKey: kms.Key;

  constructor(scope: Construct, id: string, props: OrderEventsProps) {
    super(scope, id);
    this.topicKey = new kms.Key(this, 'TopicKey', { description: 'Encrypts the order events topic', enableKeyRotation: true });
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Evermall order events',
      fifo: true,
      // Deduplication and throughput per message group (an order), not per topic (SNS Developer
      // Guide, "High throughput FIFO topics"): orders do not wait on each other.
      fifoThroughputScope: sns.FifoThroughputScope.MESSAGE_GROUP,
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    this.consumers = SHOP_QUEUES.map((spec) => this.consumer(spec, props));
  }

  /**
   * Lets the shop publish: sns:Publish on the topic, and the two key actions a publisher to an
   * encrypted topic needs (SNS Developer Guide, "Securing Amazon SNS data with server-side
   * encryption": GenerateDataKey and Decrypt), named rather than granted as `kms:GenerateDataKey*`.
   */
  grantPublish(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }));
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [this.topicKey.keyArn] }));
  }

  private consumer(spec: QueueSpec, props: OrderEventsProps): EventConsumer {
    const retentionPeriod = Duration.days(eventQueueRetentionDays);
    const fifo = {
      fifo: true,
      // High-throughput FIFO: deduplication and the throughput quota per message group (SQS
      // Developer Guide, "High throughput for FIFO queues"). SNS passes its deduplication id on.
      deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod,
    };
    const deadLetterQueue = new sqs.Queue(this, `${spec.name}-dlq`, { ...fifo, queueName: fifoQueueName(deadLetterQueueOf(spec.name)) });
    const queue = new sqs.Queue(this, spec.name, {
      ...fifo,
      queueName: fifoQueueName(spec.name),
      visibilityTimeout: Duration.seconds(eventConsumers.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: spec.maxDeliveries },
    });
    this.topic.addSubscription(
      new subscriptions.SqsSubscription(queue, {
        rawMessageDelivery: true,
        filterPolicy: Object.fromEntries(
          Object.entries(filterPolicyOf(spec)).map(([attribute, values]) => [attribute, sns.SubscriptionFilter.stringFilter({ allowlist: values })]),
        ),
      }),
    );

    const notifier = spec.name === ORDER_NOTIFIER_QUEUE.name;
    if (notifier && !props.mailFrom) {
      Annotations.of(this).addWarning(
        `No mail sender (parameter mailFrom, or a domainName): the ${spec.name} function is not deployed and its queue keeps order events for ${eventQueueRetentionDays} days`,
      );
      return { spec, queue, deadLetterQueue };
    }
    const fn = functionsWorkspaceFunction(this, `${spec.name}-function`, {
      description: `Evermall: the ${spec.name} consumer of order events (SQS FIFO, partial batch failures)`,
      entry: `consumers/${spec.name}.ts`,
      timeout: Duration.seconds(eventConsumers.timeoutSeconds),
      memorySize: eventConsumers.memoryMb,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [props.securityGroup],
      environment: {
        [consumerEnvironment.databaseUrl]: `postgres://${consumerRole}@${props.database.host}:${props.database.port}/${props.database.name}?sslmode=verify-full&sslrootcert=${lambdaCaBundle}`,
        [consumerEnvironment.databaseSecretArn]: props.databaseSecret.secretArn,
        NODE_EXTRA_CA_CERTS: lambdaCaBundle,
        ...(notifier && props.mailFrom ? { [consumerEnvironment.mailFrom]: props.mailFrom, [consumerEnvironment.mailTransport]: 'ses' } : {}),
      },
    });
    props.databaseSecret.grantRead(fn);
    if (notifier && props.mailFrom) this.grantSendMail(fn, props.mailFrom);
    fn.addEventSource(
      new sources.SqsEventSource(queue, {
        batchSize: eventConsumers.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: eventConsumers.concurrency,
      }),
    );
    return { spec, queue, deadLetterQueue, function: fn };
  }

  /**
   * SES v2 SendEmail as the sender: authorized against the identity that covers it, the address
   * itself or its domain, whichever the operator verified (SES Developer Guide, "Controlling access
   * to Amazon SES"); a raw message (nodemailer's) needs SendRawEmail too.
   */
  private grantSendMail(fn: nodejs.NodejsFunction, mailFrom: string): void {
    const stack = Stack.of(this);
    const domain = mailFrom.slice(mailFrom.lastIndexOf('@') + 1);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [mailFrom, domain].map((identity) =>
          stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
        ),
      }),
    );
  }
}
