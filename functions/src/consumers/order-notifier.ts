import type { Sql } from '@evermall/shop/db';
import { eventConsumers } from '@evermall/topology';
import type { SQSBatchResponse, SQSEvent, SQSHandler } from 'aws-lambda';
import { mailerFromEnvironment, type Mailer } from '../mail/index.js';
import { consumerDatabase } from './consumer-database.js';
import { onceForConsumer } from './consumer-inbox.js';
import { consumerLambda } from './consumer-lambda.js';
import { composeOrderMail, isNotified } from './order-mail.js';
import { sqsBatchHandler, type ConsumerLog } from './sqs-batch.js';

/** The consumer's name in `consumer_inbox`, its queue (ORDER_NOTIFIER_QUEUE) and its function. */
export const ORDER_NOTIFIER = 'order-notifier';

export interface OrderNotifierDeps {
  sql: Sql;
  mailer: Mailer;
  lockTimeoutMs?: number;
  log?: ConsumerLog;
  /** Reads the database login again after a refusal (ConsumerDatabase.renewLogin). */
  renewLogin?: () => Promise<boolean>;
}

/**
 * The order notifier: `order.placed` → a confirmation, `order.shipped` → a shipping notice,
 * `order.cancelled` → a cancellation notice (why, by the payload's status), each to the order's
 * customer (order-mail.ts). Other events are not its business and are done at once.
 *
 * Once per event: the mail is sent inside the transaction that records the event in the inbox
 * (consumer-inbox.ts), and that transaction commits only after the mail service accepted it. So:
 * - a redelivery after the commit finds the event recorded and sends nothing;
 * - a send that fails rolls the record back, and the redelivery sends it;
 * - the one gap: the consumer dies (or the commit fails) after the mail service accepted the mail
 *   and before the commit. The record is rolled back and the redelivery sends the mail again, with
 *   the same Message-ID (`<order-<id>-<type>@evermall.shop>`): the twin's mailbox and the drills
 *   count messages by Message-ID, and so do mail clients that thread by it. On AWS, SES replaces
 *   the Message-ID with its own, so the customer may see two copies; the shop's id travels in the
 *   X-Evermall-Message-Id header and a message tag (mail/ses-mailer.ts). No mail service offers a
 *   transaction to close the gap; sending after the commit instead would lose the mail in it.
 */
export function createOrderNotifier(deps: OrderNotifierDeps): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const lockTimeoutMs = deps.lockTimeoutMs ?? eventConsumers.lockTimeoutMs;
  return sqsBatchHandler(
    ORDER_NOTIFIER,
    async (event) => {
      if (!isNotified(event.type)) return;
      const notified = { ...event, type: event.type };
      await onceForConsumer(deps.sql, ORDER_NOTIFIER, event.id, lockTimeoutMs, async (tx) => {
        await deps.mailer.send(await composeOrderMail(tx, notified));
      });
    },
    { log: deps.log, renewLogin: deps.renewLogin },
  );
}

/**
 * The entry point Lambda calls (handler `order-notifier.handler`), its settings from the
 * environment (CONSUMER_DATABASE_URL and CONSUMER_DATABASE_SECRET_ARN, MAIL_FROM, MAIL_TRANSPORT=ses
 * or SMTP_URL), read at the cold start (consumer-lambda.ts); a setting that is missing fails it
 * with the variable's name. The twin's runner calls createOrderNotifier with the same settings.
 */
export const handler = consumerLambda(ORDER_NOTIFIER, async (env) => {
  const mailer = mailerFromEnvironment(env);
  return createOrderNotifier({ ...(await consumerDatabase(env, ORDER_NOTIFIER)), mailer });
}) satisfies SQSHandler;
