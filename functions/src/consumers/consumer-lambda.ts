import { hostname } from 'node:os';
import { flushTracing } from '@evermall/shop/tracing';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Environment } from '../environment.js';
import { tracingFromEnvironment } from './consumer-tracing.js';

type BatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * A consumer's Lambda entry point. The first invocation of an execution environment (its cold
 * start) builds the handler from the environment: tracing when a collector is named, the database
 * login from its secret, the mail transport. A build that fails (a setting missing, Secrets
 * Manager unreachable) fails that invocation, so the batch is delivered again, and the next
 * invocation builds anew. Before an invocation returns, the spans it made are exported: Lambda may
 * freeze the environment as soon as it has the answer, with the spans still queued.
 */
export function consumerLambda(consumer: string, build: (env: Environment) => Promise<BatchHandler>): BatchHandler {
  let tracingChecked = false;
  let handler: Promise<BatchHandler> | undefined;
  const prepare = async (): Promise<BatchHandler> => {
    if (!tracingChecked) {
      // The log stream names this execution environment, as INSTANCE_ID names an instance.
      tracingFromEnvironment(process.env, `evermall-${consumer}`, process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? hostname());
      tracingChecked = true;
    }
    return build(process.env);
  };
  return async (event) => {
    handler ??= prepare().catch((err: unknown) => {
      handler = undefined;
      throw err;
    });
    try {
      return await (
        await handler
      )(event);
    } finally {
      await flushTracing();
    }
  };
}
