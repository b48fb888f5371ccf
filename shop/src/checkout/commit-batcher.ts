import type { Context } from '@opentelemetry/api';
import { isRetryableDbError, withWriterRetry, type Queryable, type Sql } from '../db/pools.js';
import type { Logger } from '../lib/logger.js';
import { captureTrace, linksTo, runInTrace, withChildSpan } from '../tracing/spans.js';

/**
 * Checkouts per transaction at most. The batch runs a fixed handful of set-based statements
 * whatever its size, so a bigger batch costs little more lock time; 64 keeps one statement's
 * arrays and one response burst modest.
 */
export const MAX_CHECKOUTS_PER_COMMIT = 64;

/**
 * Checkout transactions in flight per instance. Two lanes let one batch run its statements
 * while the other waits for its commit (and the synchronous standby); more lanes only queue on
 * a hot row's lock and shrink the batches. Measured with shop/bench/hot-checkout.ts.
 */
export const CHECKOUT_LANES = 2;

/** What one job of a batch came to: a value, or an error that belongs to that job alone. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Runs a whole batch inside one transaction and answers one outcome per job, in job order.
 * A job's own refusal (a short cart) is an `{ ok: false }` outcome and writes nothing for it;
 * throwing rolls back the whole batch.
 */
export type BatchProcessor<J, T> = (tx: Queryable, jobs: readonly J[]) => Promise<Outcome<T>[]>;

export interface CommitBatcherOptions<J, T> {
  sql: Sql;
  process: BatchProcessor<J, T>;
  /** Batches in flight at once; each holds one connection of the writer pool. */
  lanes: number;
  /** Jobs per batch at most; 1 turns group commit off (one transaction per job). */
  maxBatch?: number;
  logger?: Logger;
  /** Told the size of every batch that committed (a histogram, a benchmark). */
  onCommit?: (size: number) => void;
}

interface Queued<J, T> {
  job: J;
  resolve(value: T): void;
  reject(err: unknown): void;
  /** The trace of the request that submitted the job, when tracing is on. */
  trace: Context | undefined;
}

/** How many jobs a traced batch carried. */
const ATTR_BATCH_SIZE = 'evermall.batch.size';

/**
 * Group commit (issue 6, "Flash sale beyond the naive ceiling"). A single hot product
 * serializes every checkout on its row lock, and each holder keeps it through its commit and
 * the synchronous standby's acknowledgement. Here, jobs that arrive while a batch is running
 * wait and then go together: one transaction, one lock acquisition, one commit and one
 * replication round trip for the lot, and (with a set-based processor) a fixed number of
 * statements rather than a few per job.
 *
 * Failure rules:
 * - The database asks for a retry (connection lost, primary moved, serialization): the whole
 *   batch is repeated by `withWriterRetry`. Every job is keyed, so a repeat cannot double it.
 * - Anything else thrown by a batch of several jobs: the batch is rolled back and each job is
 *   run again in a transaction of its own, so one job's bad value fails that job alone.
 */
export class CommitBatcher<J, T> {
  private readonly queue: Queued<J, T>[] = [];
  private running = 0;
  private readonly maxBatch: number;

  constructor(private readonly o: CommitBatcherOptions<J, T>) {
    this.maxBatch = o.maxBatch ?? MAX_CHECKOUTS_PER_COMMIT;
  }

  submit(job: J): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ job, resolve, reject, trace: captureTrace() });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.o.lanes && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.running++;
      void this.commit(batch).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  /**
   * A batch runs in the trace of its first job, whichever request's turn started it, in a span
   * linked to the other jobs' requests: each of their traces shows where its checkout committed.
   */
  private commit(batch: Queued<J, T>[]): Promise<void> {
    const trace = batch[0]?.trace;
    if (!trace) return this.commitNow(batch);
    return runInTrace(trace, () =>
      withChildSpan('commit batch', { attributes: { [ATTR_BATCH_SIZE]: batch.length }, links: linksTo(batch.slice(1).map((q) => q.trace)) }, () => this.commitNow(batch)),
    );
  }

  private async commitNow(batch: Queued<J, T>[]): Promise<void> {
    let outcomes: Outcome<T>[];
    try {
      outcomes = await this.runInTransaction(batch.map((q) => q.job));
    } catch (err) {
      if (batch.length > 1 && !isRetryableDbError(err)) {
        this.o.logger?.warn({ err, size: batch.length }, 'checkout batch failed; running its jobs one by one');
        await Promise.all(batch.map((q) => this.commit([q])));
        return;
      }
      for (const q of batch) q.reject(err);
      return;
    }
    this.o.onCommit?.(batch.length);
    outcomes.forEach((outcome, i) => {
      const q = batch[i]!;
      if (outcome.ok) q.resolve(outcome.value);
      else q.reject(outcome.error);
    });
  }

  private async runInTransaction(jobs: J[]): Promise<Outcome<T>[]> {
    return withWriterRetry(
      () =>
        this.o.sql.begin(async (tx) => {
          const outcomes = await this.o.process(tx, jobs);
          if (outcomes.length !== jobs.length) throw new Error(`batch processor answered ${outcomes.length} outcomes for ${jobs.length} jobs`);
          return outcomes;
        }) as Promise<Outcome<T>[]>,
      { logger: this.o.logger },
    );
  }
}
