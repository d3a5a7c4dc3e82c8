/**
 * Errors → contract §7 responses. Known errors (errors.ts) get their status here and keep their message; the
 * database being throttled, out of reach or not answering before the request's deadline (db/deadline.ts)
 * is a 503 with Retry-After; anything else is a generic 500.
 * No stack, class name or AWS message ever reaches the caller: those go to the log only.
 */
import type { MiddlewareObj } from '@middy/core';
import { isDeadlineExceeded } from '../db/deadline.ts';
import {
  type AppError,
  Conflict,
  IdempotencyKeyReused,
  InvalidRequest,
  NotFound,
  PayloadTooLarge,
  PermissionDenied,
  Unauthenticated,
  Unavailable,
  UnsupportedMediaType,
  VersionMismatch,
} from '../errors.ts';
import { logger } from '../logger.ts';
import type { ApiRequest, ApiResult, RequestLogFields } from './types.ts';

const RETRYABLE_AWS_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'InternalServerError',
  'TimeoutError',
  'RequestTimeout',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return RETRYABLE_AWS_ERRORS.has(error.name) || (typeof code === 'string' && NETWORK_CODES.has(code)) || isDeadlineExceeded(error);
}

/** The status of each kind of error: the only place the service's errors meet HTTP. */
const STATUS_OF: [new (...args: never[]) => AppError, number][] = [
  [InvalidRequest, 400],
  [Unauthenticated, 401],
  [PermissionDenied, 403],
  [NotFound, 404],
  [Conflict, 409],
  [VersionMismatch, 412],
  [PayloadTooLarge, 413],
  [UnsupportedMediaType, 415],
  [IdempotencyKeyReused, 422],
  [Unavailable, 503],
];

/** The challenge or retry hint some answers carry (RFC 6750 §3, RFC 9110 §10.2.3). */
function headersOf(error: AppError): Record<string, string> {
  if (error instanceof Unauthenticated) {
    return { 'WWW-Authenticate': error.credentialsPresent ? 'Bearer error="invalid_token"' : 'Bearer' };
  }
  if (error instanceof PermissionDenied) {
    return { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${error.permission}"` };
  }
  if (error instanceof Unavailable) return { 'Retry-After': String(error.retryAfterSeconds) };
  return {};
}

const response = (status: number, message: string, headers: Record<string, string> = {}, details = {}): ApiResult => ({
  statusCode: status,
  headers,
  body: JSON.stringify({ message, error_code: status, ...details }),
});

export function toErrorResponse(error: unknown, logFields: Partial<RequestLogFields> = {}): ApiResult {
  const status = STATUS_OF.find(([kind]) => error instanceof kind)?.[1];
  if (status !== undefined) {
    const known = error as AppError;
    return response(status, known.message, headersOf(known), known.details);
  }
  if (isDatabaseUnavailable(error)) {
    logger.warn('database unavailable', { ...logFields, error_name: (error as Error).name });
    return toErrorResponse(new Unavailable(), logFields);
  }
  logger.error('unhandled error', { ...logFields, error: error as Error });
  return response(500, 'Internal server error');
}

export function errorHandler(): MiddlewareObj {
  const errorHandlerOnError = async (request: ApiRequest): Promise<void> => {
    if (request.response !== undefined) return;
    request.response = toErrorResponse(request.error, request.event.log);
  };
  return { onError: errorHandlerOnError } as MiddlewareObj;
}
