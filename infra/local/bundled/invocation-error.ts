/**
 * An invocation that produced no response: what Lambda's Invoke returns as a function error
 * (X-Amz-Function-Error with `{errorType, errorMessage}`) or as a throttle. An HTTP API answers every one
 * of them with 500 `{"message":"Internal Server Error"}`; the local gateway answers 500 too (gateway.ts).
 */
export class InvocationError extends Error {
  constructor(
    readonly functionName: string,
    readonly errorType: string,
    message: string,
  ) {
    super(`${functionName}: ${errorType}: ${message}`);
    this.name = 'InvocationError';
  }
}

export const isInvocationError = (error: unknown): error is InvocationError => error instanceof InvocationError;
