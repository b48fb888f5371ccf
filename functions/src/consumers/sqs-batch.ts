import { decodeEvent, type ShopEvent } from '@evermall/shop/events';
import { withEventSpan } from '@evermall/shop/tracing';
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** What a consumer does with one event; it throws when the event must be tried again. */
export type EventHandler = (event: ShopEvent) => Promise<void>;

/** A consumer's log lines, pino's call shape (object first, then message). */
export interface ConsumerLog {
  warn(fields: object, message: string): void;
}

/** Lambda's Node.js runtime sends stdout to CloudWatch Logs: one JSON line per entry, which Logs Insights reads field by field. */
export const jsonLinesLog: ConsumerLog = {
  warn: (fields, message) => process.stdout.write(`${JSON.stringify({ level: 'warn', time: new Date().toISOString(), ...fields, msg: message })}\n`),
};

export interface SqsBatchOptions {
  log?: ConsumerLog;
  /**
   * Reads the database login again after the database refused it (the secret rotated: consumer-
   * database.ts) and answers whether it changed; the record is then tried once more with it.
   */
  renewLogin?: () => Promise<boolean>;
}

/**
 * An SQS batch handler with partial batch responses (Lambda Developer Guide, "Handling errors for
 * an SQS event source in Lambda", "Implementing partial batch responses"; the event source mapping
 * has FunctionResponseTypes ReportBatchItemFailures):
 *
 * - the records are handled one after another, each on its own: its own transaction in `handle`,
 *   so one record's failure leaves the others' effects committed and reported as done;
 * - a body that is not a shop event (`encodeEvent`) fails its record: it is delivered again up
 *   to the queue's maxReceiveCount, then moved to the dead-letter queue, where the alarm sees it;
 * - a record whose handler throws fails, and so does every later record of its message group in
 *   the batch: on a FIFO queue Lambda must not go past a group's first failure (same guide, "stop
 *   processing messages after the first failure and return all failed and unprocessed messages"),
 *   or an order's cancellation could be counted before its placement;
 * - each event is handled in a CONSUMER span, the child of the span that published it
 *   (shop/src/tracing/README.md), when the process traces;
 * - the answer lists the failed records' messageIds; an empty list means every record is done.
 */
export function sqsBatchHandler(consumer: string, handle: EventHandler, options: SqsBatchOptions = {}): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const { log = jsonLinesLog, renewLogin } = options;
  const handleOnce = renewLogin ? withLoginRenewal(handle, renewLogin) : handle;
  return async (batch) => {
    const batchItemFailures: SQSBatchItemFailure[] = [];
    const failedGroups = new Set<string>();
    for (const record of batch.Records) {
      const group = record.attributes.MessageGroupId;
      if (group !== undefined && failedGroups.has(group)) {
        batchItemFailures.push({ itemIdentifier: record.messageId });
        continue;
      }
      const failure = await handleRecord(consumer, record, handleOnce);
      if (failure === undefined) continue;
      batchItemFailures.push({ itemIdentifier: record.messageId });
      if (group !== undefined) failedGroups.add(group);
      log.warn(
        { consumer, messageId: record.messageId, receiveCount: Number(record.attributes.ApproximateReceiveCount), group, err: failure },
        'event failed; it will be delivered again',
      );
    }
    return { batchItemFailures };
  };
}

/** Undefined when the record is done; what went wrong otherwise. */
async function handleRecord(consumer: string, record: SQSRecord, handle: EventHandler): Promise<{ type: string; message: string } | undefined> {
  let event: ShopEvent;
  try {
    event = decodeEvent(record.body);
  } catch (err) {
    return { type: 'UndecodableBody', message: (err as Error).message };
  }
  try {
    await withEventSpan(event, `${consumer} ${event.type}`, () => handle(event));
    return undefined;
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return { type: (e as { code?: string }).code ?? e.name, message: `event ${event.id} (${event.type}): ${e.message}` };
  }
}

/**
 * PostgreSQL's invalid_password (SQLSTATE 28P01), which a login with a password that is no longer
 * the user's gets: after the alternating-users rotation after next, the user this process read
 * has a new password. Nothing ran on a connection that was refused, so the record may run again.
 */
const isLoginRefused = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === '28P01';

/** Runs `handle`; when the database refused the login and `renewLogin` found a new one, runs it once more. */
function withLoginRenewal(handle: EventHandler, renewLogin: () => Promise<boolean>): EventHandler {
  return async (event) => {
    try {
      await handle(event);
    } catch (err) {
      if (!isLoginRefused(err) || !(await renewLogin())) throw err;
      await handle(event);
    }
  };
}
