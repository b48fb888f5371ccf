import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { functionError, type FunctionError } from './failure-destination.js';
import type { AsyncHandler, RunnerLog } from './function-runner.js';
import { lambdaContext } from './lambda-context.js';
import { sqsEvent, sqsRecord, type QueueMessage } from './sqs-event.js';

export interface SqsEventSourceOptions {
  /** The function's name, in its context and the log. */
  name: string;
  /** The queue it reads, in the records' eventSourceARN. */
  queue: string;
  handler: AsyncHandler<SQSEvent, SQSBatchResponse | void | null>;
  /** Records per invocation at most (BatchSize). */
  batchSize: number;
  /** How long the first message of a batch waits for more before the batch goes. */
  gatherMs: number;
  /** Invocations at once (the mapping's maximum concurrency); batches beyond it wait. */
  concurrency: number;
  /** The function timeout: an invocation still running after it has failed, every record with it. */
  timeoutMs: number;
  memoryMb: number;
  log?: RunnerLog;
}

/** Why a message was given back to its queue. */
export class DeliveryFailed extends Error {
  override readonly name = 'DeliveryFailed';
  constructor(
    readonly reason: 'listed-in-batchItemFailures' | 'invocation-failed' | 'invalid-response' | 'runner-stopped',
    readonly error?: FunctionError,
  ) {
    super(`${reason}${error ? `: ${error.errorType}: ${error.errorMessage}` : ''}`);
  }
}

interface Waiting {
  message: QueueMessage;
  done: () => void;
  failed: (err: DeliveryFailed) => void;
}

const quiet: RunnerLog = { info: () => {}, warn: () => {} };

/**
 * Lambda's SQS event source mapping, for a queue the twin's broker feeds one message at a time
 * (Lambda Developer Guide, "Using Lambda with Amazon SQS", "Handling errors for an SQS event
 * source in Lambda"):
 *
 * 1. `deliver` hands over one received message; its promise resolves when the function is done
 *    with it (the caller acknowledges it) and rejects when it must go back to the queue (the
 *    caller gives it back, and the queue delivers it again or, past its limit, dead-letters it).
 * 2. Messages are gathered into batches of up to `batchSize`, for at most `gatherMs`, and each
 *    batch is one invocation with SQS's event shape (sqs-event.ts).
 * 3. At most `concurrency` invocations run at once; further batches wait for a slot.
 * 4. The function's answer is read as Lambda reads it with ReportBatchItemFailures: the records
 *    it lists in `batchItemFailures` go back, the others are done; no answer, or an empty list,
 *    means all are done. A thrown error, a timeout, or an answer Lambda rejects (an identifier
 *    that is empty or not in the batch, a list that is not a list) sends the whole batch back.
 *
 * As in FunctionRunner, a timed-out invocation cannot be killed in this process: its slot and its
 * messages are given back at the timeout, whatever it still does. SQS would let them reappear
 * only when their visibility timeout ends; here they go back at once.
 */
export class SqsEventSourceMapping {
  private readonly log: RunnerLog;
  private waiting: Waiting[] = [];
  private gatherTimer: NodeJS.Timeout | undefined;
  private running = 0;
  private readonly invocations = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: SqsEventSourceOptions) {
    for (const key of ['batchSize', 'concurrency'] as const) {
      if (!Number.isInteger(options[key]) || options[key] < 1) throw new Error(`${options.name}: ${key} must be a whole number of at least 1`);
    }
    this.log = options.log ?? quiet;
  }

  deliver(message: QueueMessage): Promise<void> {
    if (this.stopped) return Promise.reject(new DeliveryFailed('runner-stopped'));
    return new Promise<void>((done, failed) => {
      this.waiting.push({ message, done, failed });
      if (this.waiting.length >= this.options.batchSize) this.dispatch();
      else this.gatherTimer ??= setTimeout(() => this.dispatch(), this.options.gatherMs);
    });
  }

  /** Stops: waiting messages go back to the queue at once; invocations under way run to their end (at most the timeout). */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.gatherTimer);
    this.gatherTimer = undefined;
    for (const w of this.waiting.splice(0)) w.failed(new DeliveryFailed('runner-stopped'));
    await Promise.allSettled([...this.invocations]);
  }

  /** Starts as many batches as there are free slots; the rest wait for a slot to come free. */
  private dispatch(): void {
    clearTimeout(this.gatherTimer);
    this.gatherTimer = undefined;
    while (this.waiting.length && this.running < this.options.concurrency && !this.stopped) {
      const invocation = this.invoke(this.waiting.splice(0, this.options.batchSize));
      this.invocations.add(invocation);
      void invocation.finally(() => {
        this.invocations.delete(invocation);
        // What waited for this slot has waited long enough: it goes now, part batch or not.
        if (this.waiting.length) this.dispatch();
      });
    }
  }

  private async invoke(batch: Waiting[]): Promise<void> {
    const { name, queue, handler, timeoutMs, memoryMb } = this.options;
    this.running++;
    const requestId = randomUUID();
    const records: SQSRecord[] = batch.map((w) => sqsRecord(queue, w.message));
    const started = Date.now();
    this.log.info(
      {
        function: name,
        requestId,
        records: records.length,
        // The outbox ids (FIFO deduplication ids) and receive counts, so a log shows which events were in flight.
        events: batch.map((w) => w.message.deduplicationId),
        attempts: batch.map((w) => w.message.attempt),
      },
      'batch invoked',
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`), { name: 'Sandbox.Timedout' })), timeoutMs);
    });
    let failed: Map<string, DeliveryFailed>;
    try {
      const context = lambdaContext({ name, memoryMb }, requestId, started + timeoutMs);
      const response = await Promise.race([Promise.resolve().then(() => handler(sqsEvent(records), context)), timedOut]);
      failed = this.failuresOf(response, records);
    } catch (err) {
      const error = new DeliveryFailed('invocation-failed', functionError(err));
      failed = new Map(records.map((r) => [r.messageId, error]));
    } finally {
      clearTimeout(timer);
      this.running--;
    }
    records.forEach((record, i) => {
      const failure = failed.get(record.messageId);
      if (failure) batch[i]!.failed(failure);
      else batch[i]!.done();
    });
    const fields = { function: name, requestId, records: records.length, failed: failed.size, durationMs: Date.now() - started };
    if (failed.size) this.log.warn({ ...fields, reason: [...failed.values()][0]!.message }, 'batch done; failed records go back to the queue');
    else this.log.info(fields, 'batch done');
  }

  /** Lambda's reading of a partial batch response: which records go back, and why. */
  private failuresOf(response: SQSBatchResponse | void | null, records: SQSRecord[]): Map<string, DeliveryFailed> {
    const all = (reason: DeliveryFailed) => new Map(records.map((r) => [r.messageId, reason]));
    if (response === undefined || response === null || response.batchItemFailures === undefined || response.batchItemFailures === null) return new Map();
    if (!Array.isArray(response.batchItemFailures)) return all(new DeliveryFailed('invalid-response'));
    const ids = new Set(records.map((r) => r.messageId));
    const listed = response.batchItemFailures.map((f) => f?.itemIdentifier);
    if (listed.some((id) => typeof id !== 'string' || !ids.has(id))) return all(new DeliveryFailed('invalid-response'));
    const failure = new DeliveryFailed('listed-in-batchItemFailures');
    return new Map(listed.map((id) => [id, failure]));
  }
}
