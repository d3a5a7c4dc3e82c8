import type { Context } from 'aws-lambda';
import { CLEANUP_FUNCTION } from '../../shared/cleanup/event-source.ts';
import { API_FUNCTION_SETTINGS } from '../../shared/function-settings.ts';

/** The memory a function is deployed with (the one definition the stack reads too). */
export function memorySizeOf(functionName: string): number {
  return functionName === CLEANUP_FUNCTION.name ? CLEANUP_FUNCTION.memorySizeMb : API_FUNCTION_SETTINGS.memorySizeMb;
}

/** The Lambda context a local invocation gets: async handlers only, a real deadline. */
export function lambdaContext(
  functionName: string,
  requestId: string,
  timeoutMs: number,
  memorySizeMb = memorySizeOf(functionName),
): Context {
  const deadline = Date.now() + timeoutMs;
  const fail = () => {
    throw new Error('Callbacks are not supported: handlers are async');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memorySizeMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: fail,
    fail,
    succeed: fail,
  };
}
