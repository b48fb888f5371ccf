import type { Context } from 'aws-lambda';

export interface FunctionIdentity {
  name: string;
  memoryMb: number;
}

/** The account the twin's ARNs name: AWS's documentation account, so no ARN here can be mistaken for a real one. */
export const TWIN_ACCOUNT = '123456789012';
/** The region the twin's ARNs and records name; nothing reaches AWS. */
export const TWIN_REGION = 'local';

export const functionArn = (name: string): string => `arn:aws:lambda:${TWIN_REGION}:${TWIN_ACCOUNT}:function:${name}:$LATEST`;

/**
 * The context object Lambda's Node.js runtime passes a handler (Lambda Developer Guide, "Using the
 * Lambda context object to retrieve Node.js function information"). The callback-era methods
 * (done, fail, succeed) are refused: our handlers return a promise, as the runtime recommends.
 */
export function lambdaContext(fn: FunctionIdentity, requestId: string, deadline: number): Context {
  const callbackStyle = () => {
    throw new Error(`${fn.name}: context.done/fail/succeed are not supported; return a promise from the handler.`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn(fn.name),
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `twin/[$LATEST]${requestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: callbackStyle,
    fail: callbackStyle,
    succeed: callbackStyle,
  };
}
