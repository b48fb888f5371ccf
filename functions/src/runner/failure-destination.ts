import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Why an event ended here. Lambda's own conditions (RetriesExhausted, EventAgeExceeded), and
 * RunnerStopped: the twin stopped while the event waited for an attempt, which Lambda (whose
 * queue outlives any one process) never does. Recording it keeps the runner from losing an event
 * silently.
 */
export type FailureCondition = 'RetriesExhausted' | 'RunnerStopped';

/** What a failed attempt reported, as Lambda puts it in `responsePayload`. */
export interface FunctionError {
  errorType: string;
  errorMessage: string;
  stackTrace: string[];
}

export interface FailedInvocation {
  requestId: string;
  functionArn: string;
  condition: FailureCondition;
  attempts: number;
  event: unknown;
  error: FunctionError | undefined;
}

/**
 * The on-failure destination: a folder of invocation records, one JSON file per failed event, in
 * the shape Lambda sends to an SQS, SNS, S3 or EventBridge destination (Lambda Developer Guide,
 * "Capturing records of Lambda asynchronous invocations"). Each record carries the whole event,
 * so it can be replayed once the cause is fixed.
 */
export async function recordFailure(folder: string, failure: FailedInvocation, now = new Date()): Promise<string> {
  const record = {
    version: '1.0',
    timestamp: now.toISOString(),
    requestContext: {
      requestId: failure.requestId,
      functionArn: failure.functionArn,
      condition: failure.condition,
      approximateInvokeCount: failure.attempts,
    },
    requestPayload: failure.event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(failure.error ? { functionError: 'Unhandled' } : {}) },
    responsePayload: failure.error ?? null,
  };
  await mkdir(folder, { recursive: true });
  const name = `${now.toISOString().replaceAll(':', '-')}-${failure.requestId}.json`;
  // Renamed into place, so whoever lists the folder never reads half a record.
  const temp = path.join(folder, `.${name}.tmp`);
  await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`);
  await rename(temp, path.join(folder, name));
  return path.join(folder, name);
}

/** A thrown value as Lambda's Node.js runtime reports it. */
export function functionError(err: unknown): FunctionError {
  if (err instanceof Error) {
    return {
      errorType: err.name,
      errorMessage: err.message,
      stackTrace: (err.stack ?? '')
        .split('\n')
        .slice(1)
        .map((line) => line.trim()),
    };
  }
  return { errorType: 'Error', errorMessage: String(err), stackTrace: [] };
}
