import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import { functionError, recordFailure, type FailureCondition, type FunctionError } from './failure-destination.js';
import { functionArn, lambdaContext } from './lambda-context.js';

/** A handler as our functions write them: the event and Lambda's context in, a promise out. */
export type AsyncHandler<E, R> = (event: E, context: Context) => Promise<R>;

/** The runner's log lines, pino's call shape (object first, then message). */
export interface RunnerLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface FunctionRunnerOptions<E, R> {
  /** The function's name, in its context and ARN. */
  name: string;
  handler: AsyncHandler<E, R>;
  /** Lambda's reserved concurrency: at most this many invocations run at once; the rest wait their turn. */
  concurrency: number;
  /** Lambda's function timeout: an attempt still running after this has failed. */
  timeoutMs: number;
  /** Lambda's memory setting; only reported to the handler here. */
  memoryMb: number;
  /** One entry per retry after a failed attempt: Lambda's asynchronous invocation makes two, after one and two minutes. */
  retryDelaysMs: readonly number[];
  /** The on-failure destination: a folder of invocation records. */
  failureDir: string;
  log?: RunnerLog;
}

export type InvocationResult<R> =
  | { requestId: string; status: 'succeeded'; attempts: number; response: R }
  | { requestId: string; status: 'failed'; condition: FailureCondition; attempts: number; error: FunctionError | undefined; record: string };

/** What Lambda reports when it stops a function at its timeout. */
class TaskTimedOut extends Error {
  override readonly name = 'Sandbox.Timedout';
  constructor(timeoutMs: number) {
    super(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
  }
}

class RunnerStopped extends Error {}

const quiet: RunnerLog = { info: () => {}, warn: () => {} };

/**
 * Runs a Lambda handler unchanged, as Lambda runs an asynchronously invoked function (Lambda
 * Developer Guide, "Invoking a Lambda function asynchronously", "Error handling and automatic
 * retries in Lambda"):
 *
 * 1. `invoke` queues the event and returns at once to whoever raised it (S3, the twin's
 *    watcher); its promise settles only when the event is done, for tests and drills.
 * 2. At most `concurrency` attempts run at once; the others wait in order.
 * 3. An attempt fails when the handler throws, rejects or runs past `timeoutMs`. Each retry waits
 *    its delay outside the concurrency limit, keeps the request id, and queues again.
 * 4. After the last retry the event goes to the on-failure destination with the last error.
 *
 * One difference from Lambda: the handler runs in this process, so a timed-out attempt cannot be
 * killed as Lambda kills its execution environment. Its slot is given back at the timeout, as
 * Lambda's is, and whatever it still does is ignored; handlers must be idempotent anyway,
 * because Lambda and S3 both deliver at least once.
 */
export class FunctionRunner<E, R> {
  private readonly log: RunnerLog;
  private readonly arn: string;
  private running = 0;
  private readonly turns: (() => void)[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly stopping = new AbortController();

  constructor(private readonly options: FunctionRunnerOptions<E, R>) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new Error(`${options.name}: concurrency must be a whole number of at least 1`);
    this.log = options.log ?? quiet;
    this.arn = functionArn(options.name);
  }

  /**
   * Lambda's `InvocationType: Event`. A failed event ends in the failure folder; the promise
   * rejects only when that record cannot be written.
   */
  invoke(event: E): Promise<InvocationResult<R>> {
    const done = this.run(event, randomUUID());
    this.inFlight.add(done);
    // The caller handles a rejection of `done`; this branch only keeps the bookkeeping.
    done.finally(() => this.inFlight.delete(done)).catch(() => {});
    return done;
  }

  /** Resolves once every event invoked so far has succeeded or been recorded as failed. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Stops: attempts under way run to their end (at most `timeoutMs`); events still waiting for a
   * turn or a retry go to the failure folder as RunnerStopped, so none is lost without a record.
   */
  async close(): Promise<void> {
    this.stopping.abort(new RunnerStopped());
    for (const turn of this.turns.splice(0)) turn();
    await this.idle();
  }

  private async run(event: E, requestId: string): Promise<InvocationResult<R>> {
    const { retryDelaysMs, name } = this.options;
    let lastError: FunctionError | undefined;
    for (let attempt = 1; ; attempt++) {
      if (this.stopping.signal.aborted) return this.fail(event, requestId, 'RunnerStopped', attempt - 1, lastError);
      const outcome = await this.attempt(event, requestId);
      if (outcome === undefined) return this.fail(event, requestId, 'RunnerStopped', attempt - 1, lastError);
      if (outcome.ok) {
        this.log.info({ function: name, requestId, attempt }, 'function succeeded');
        return { requestId, status: 'succeeded', attempts: attempt, response: outcome.response };
      }
      lastError = outcome.error;
      const delay = retryDelaysMs[attempt - 1];
      if (delay === undefined) return this.fail(event, requestId, 'RetriesExhausted', attempt, lastError);
      this.log.warn({ function: name, requestId, attempt, error: lastError, retryInMs: delay }, 'function failed; retrying');
      await sleep(delay, undefined, { signal: this.stopping.signal }).catch(() => {});
    }
  }

  /** One attempt in a concurrency slot: undefined when the runner stopped before a slot came free. */
  private async attempt(event: E, requestId: string): Promise<{ ok: true; response: R } | { ok: false; error: FunctionError } | undefined> {
    if (!(await this.takeSlot())) return undefined;
    const { timeoutMs, handler, name, memoryMb } = this.options;
    const context = lambdaContext({ name, memoryMb }, requestId, Date.now() + timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TaskTimedOut(timeoutMs)), timeoutMs);
    });
    try {
      // Through a promise, so a handler that throws before returning one fails like one that rejects.
      const response = await Promise.race([Promise.resolve().then(() => handler(event, context)), timedOut]);
      return { ok: true, response };
    } catch (err) {
      return { ok: false, error: functionError(err) };
    } finally {
      clearTimeout(timer);
      this.giveBackSlot();
    }
  }

  private async takeSlot(): Promise<boolean> {
    while (!this.stopping.signal.aborted) {
      if (this.running < this.options.concurrency) {
        this.running++;
        return true;
      }
      await new Promise<void>((resolve) => this.turns.push(resolve));
    }
    return false;
  }

  private giveBackSlot(): void {
    this.running--;
    this.turns.shift()?.();
  }

  private async fail(event: E, requestId: string, condition: FailureCondition, attempts: number, error: FunctionError | undefined): Promise<InvocationResult<R>> {
    const record = await recordFailure(this.options.failureDir, { requestId, functionArn: this.arn, condition, attempts, event, error });
    this.log.warn({ function: this.options.name, requestId, attempts, condition, error, record }, 'function failed; event sent to the failure destination');
    return { requestId, status: 'failed', condition, attempts, error, record };
  }
}
