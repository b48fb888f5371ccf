/**
 * The twin's event consumers: reads each consumer's queue on the twin's RabbitMQ through the
 * shop's EventBus and runs its Lambda handler, unchanged, as Lambda's SQS event source mapping
 * would (sqs-event-source.ts). A process of its own, as Lambda is, so a drill can SIGKILL it in
 * the middle of a batch: the broker then gives every unacknowledged delivery back. Logs one JSON
 * line per batch on stdout ("batch invoked", "batch done").
 *
 *   EVENT_BROKER_URL=amqp://… CONSUMER_DATABASE_URL=postgres://… MAIL_FROM=… SMTP_URL=smtp://… \
 *     tsx functions/src/runner/event-consumers.cli.ts
 *
 * Settings come from the environment the Lambda functions read (consumers/consumer-database.ts,
 * mail/mail-config.ts), EVENT_BROKER_URL, and OTEL_EXPORTER_OTLP_ENDPOINT (the twin's collector;
 * unset, nothing is traced); a bad one stops it at start with exit 2, naming the variable. How it
 * batches is topology's `eventConsumers`, as on AWS. Losing the broker stops it with exit 1
 * (whoever started it starts it again). SIGTERM or SIGINT stops it cleanly: batches under way
 * finish, the broker gets back what is waiting, and the spans still queued are exported.
 */
import { hostname } from 'node:os';
import type { Sql } from '@evermall/shop/db';
import {
  connectRabbitmqEventBus,
  encodeEvent,
  orderingKeyOf,
  ORDER_NOTIFIER_QUEUE,
  SALES_FEED_QUEUE,
  SHOP_QUEUES,
  type Consumer,
  type EventBus,
  type QueueSpec,
} from '@evermall/shop/events';
import type { Tracing } from '@evermall/shop/tracing';
import { eventConsumers } from '@evermall/topology';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { consumerDatabase, createOrderNotifier, createSalesFeed, ORDER_NOTIFIER, SALES_FEED, tracingFromEnvironment, type ConsumerLog } from '../consumers/index.js';
import { EnvironmentError, requiredVariable } from '../environment.js';
import { mailerFromEnvironment, type Mailer } from '../mail/index.js';
import type { RunnerLog } from './function-runner.js';
import { SqsEventSourceMapping } from './sqs-event-source.js';

/** How often the broker connection is checked: a lost one stops deliveries silently otherwise. */
const BROKER_CHECK_MS = 1_000;

const line = (level: string) => (fields: object, message: string) =>
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), ...fields, msg: message })}\n`);
const log: RunnerLog & ConsumerLog = { info: line('info'), warn: line('warn') };

function fatal(message: string, code: number): never {
  process.stderr.write(`event-consumers: ${message}\n`);
  process.exit(code);
}

interface ConsumerSetup {
  queue: QueueSpec;
  name: string;
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
  sql: Sql;
}

let mailer: Mailer;
let setups: ConsumerSetup[];
let brokerUrl: string;
let tracing: Tracing | undefined;
try {
  brokerUrl = requiredVariable(process.env, 'EVENT_BROKER_URL', "the twin's RabbitMQ, amqp://user:password@127.0.0.1:5672/vhost");
  if (!/^amqps?:\/\/[^/]/.test(brokerUrl)) throw new EnvironmentError('EVENT_BROKER_URL', 'must be an amqp:// URL: the twin runs its consumers from RabbitMQ');
  mailer = mailerFromEnvironment(process.env);
  // Before the pools: connect() traces a pool's statements only when tracing already runs.
  tracing = tracingFromEnvironment(process.env, 'evermall-consumers', `${hostname()}:${process.pid}`);
  const notifier = await consumerDatabase(process.env, ORDER_NOTIFIER);
  const feed = await consumerDatabase(process.env, SALES_FEED);
  setups = [
    { queue: ORDER_NOTIFIER_QUEUE, name: ORDER_NOTIFIER, handler: createOrderNotifier({ ...notifier, mailer, log }), sql: notifier.sql },
    { queue: SALES_FEED_QUEUE, name: SALES_FEED, handler: createSalesFeed({ ...feed, log }), sql: feed.sql },
  ];
} catch (err) {
  if (err instanceof EnvironmentError) fatal(err.message, 2);
  throw err;
}

const { batchSize, concurrency, timeoutSeconds, visibilityTimeoutSeconds, twinGatherMs, memoryMb } = eventConsumers;
/** Enough unacknowledged deliveries for every invocation slot to take a full batch. */
const prefetch = batchSize * concurrency;
const mappings = setups.map(
  (s) =>
    new SqsEventSourceMapping({
      name: s.name,
      queue: s.queue.name,
      handler: s.handler,
      batchSize,
      gatherMs: twinGatherMs,
      concurrency,
      timeoutMs: timeoutSeconds * 1000,
      memoryMb,
      log,
    }),
);

let bus: EventBus;
try {
  // Declares the queues too (idempotently), so the consumers may start before the shop publishes.
  bus = await connectRabbitmqEventBus({ url: brokerUrl, queues: SHOP_QUEUES });
} catch (err) {
  fatal(`cannot connect to the broker: ${(err as Error).message}`, 1);
}
const consumers: Consumer[] = [];
for (const [i, s] of setups.entries()) {
  const mapping = mappings[i]!;
  consumers.push(
    await bus.consume(
      s.queue.name,
      (delivery) =>
        mapping.deliver({
          body: encodeEvent(delivery.event),
          attempt: delivery.attempt,
          groupId: orderingKeyOf(delivery.event),
          deduplicationId: String(delivery.event.id),
          sentAt: new Date(delivery.event.createdAt),
        }),
      { prefetch, visibilityTimeoutSeconds },
    ),
  );
}

// The EventBus refuses calls once its connection is gone: an empty publish asks whether it is.
const brokerCheck = setInterval(() => {
  bus.publish([]).catch((err: unknown) => {
    log.warn({ err: String(err) }, 'lost the broker; stopping');
    fatal(`lost the broker: ${String(err)}`, 1);
  });
}, BROKER_CHECK_MS);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  clearInterval(brokerCheck);
  void (async () => {
    // No new deliveries; what was delivered runs through its batch (at most the function timeout).
    await Promise.all(consumers.map((c) => c.close()));
    await Promise.all(mappings.map((m) => m.close()));
    await bus.close();
    await Promise.all([...setups.map((s) => s.sql.end({ timeout: 5 })), mailer.close()]);
    await tracing?.shutdown();
    log.info({}, 'stopped');
    process.exit(0);
  })();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The settings as this process runs them: the twin's parity test holds them to topology's.
log.info(
  {
    queues: setups.map((s) => s.queue.name),
    batchSize,
    gatherMs: twinGatherMs,
    concurrency,
    timeoutSeconds,
    visibilityTimeoutSeconds,
    memoryMb,
    prefetch,
    traced: tracing !== undefined,
  },
  'consuming',
);
