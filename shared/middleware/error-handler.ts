/**
 * Errors → contract §7 responses. Known errors (`HttpError`) keep their status and message; the
 * database being throttled, out of reach or not answering before the request's deadline (db/deadline.ts)
 * is a 503 with Retry-After; anything else is a generic 500.
 * No stack, class name or AWS message ever reaches the caller: those go to the log only.
 */
import type { MiddlewareObj } from '@middy/core';
import { isDeadlineExceeded } from '../db/deadline.ts';
import { HttpError, ServiceUnavailable } from '../errors.ts';
import { logger } from '../logger.ts';
import type { ApiRequest, ApiResult, RequestLogFields } from './types.ts';

const RETRYABLE_AWS_ERRORS = new Set([
  'ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded',
  'ServiceUnavailable', 'InternalServerError', 'TimeoutError', 'RequestTimeout',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return RETRYABLE_AWS_ERRORS.has(error.name) || (typeof code === 'string' && NETWORK_CODES.has(code)) || isDeadlineExceeded(error);
}

export function toErrorResponse(error: unknown, logFields: Partial<RequestLogFields> = {}): ApiResult {
  let known: HttpError;
  if (error instanceof HttpError) {
    known = error;
  } else if (isDatabaseUnavailable(error)) {
    logger.warn('database unavailable', { ...logFields, error_name: (error as Error).name });
    known = new ServiceUnavailable();
  } else {
    logger.error('unhandled error', { ...logFields, error: error as Error });
    known = new HttpError(500, 'Internal server error');
  }
  return {
    statusCode: known.status,
    headers: { ...known.headers },
    body: JSON.stringify({ message: known.message, error_code: known.status, ...known.details }),
  };
}

export function errorHandler(): MiddlewareObj {
  const errorHandlerOnError = async (request: ApiRequest): Promise<void> => {
    if (request.response !== undefined) return;
    request.response = toErrorResponse(request.error, request.event.log);
  };
  return { onError: errorHandlerOnError } as MiddlewareObj;
}
