import type { Context } from 'aws-lambda';
import { CLEANUP_FUNCTION } from '../../shared/cleanup/event-source.ts';
import { API_FUNCTION_SETTINGS, type FunctionSettings } from '../../shared/function-settings.ts';

/** The memory and timeout a function is deployed with (the one definition the stack reads too). */
export function settingsOf(functionName: string): FunctionSettings {
  return functionName === CLEANUP_FUNCTION.name ? CLEANUP_FUNCTION : API_FUNCTION_SETTINGS;
}

export const memorySizeOf = (functionName: string): number => settingsOf(functionName).memorySizeMb;
export const timeoutMsOf = (functionName: string): number => settingsOf(functionName).timeoutSeconds * 1000;

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
