import { describe, expect, it } from 'vitest';
import {
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
} from '../../shared/errors.ts';
import { isDatabaseUnavailable, toErrorResponse } from '../../shared/middleware/error-handler.ts';

describe('error responses', () => {
  it('carry {message, error_code} and the extras of contract §7', () => {
    const bad = toErrorResponse(new InvalidRequest('Invalid request body: x: y', [{ path: 'x', message: 'y' }]));
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body ?? '')).toEqual({
      message: 'Invalid request body: x: y',
      error_code: 400,
      errors: [{ path: 'x', message: 'y' }],
    });
    const conflict = toErrorResponse(new Conflict('taken', 'SUBDOMAIN_TAKEN'));
    expect(JSON.parse(conflict.body ?? '')).toEqual({ message: 'taken', error_code: 409, ts_error_code: 'SUBDOMAIN_TAKEN' });
  });

  it('each error of the service and the chain has its status, in one table', () => {
    const cases = [
      [new InvalidRequest('x'), 400],
      [new Unauthenticated(true), 401],
      [new PermissionDenied('apps:read'), 403],
      [new NotFound(), 404],
      [new Conflict('x', 'SUBDOMAIN_TAKEN'), 409],
      [new VersionMismatch(), 412],
      [new PayloadTooLarge(1), 413],
      [new UnsupportedMediaType(), 415],
      [new IdempotencyKeyReused(), 422],
      [new Unavailable(), 503],
    ] as const;
    for (const [error, status] of cases) {
      const response = toErrorResponse(error);
      expect(response.statusCode, error.name).toBe(status);
      expect(JSON.parse(response.body ?? '')).toMatchObject({ message: error.message, error_code: status });
    }
    expect(toErrorResponse(new Unavailable(7)).headers).toEqual({ 'Retry-After': '7' });
  });

  it('carry the Bearer challenges', () => {
    expect(toErrorResponse(new Unauthenticated(false)).headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
    expect(toErrorResponse(new Unauthenticated(true)).headers).toEqual({ 'WWW-Authenticate': 'Bearer error="invalid_token"' });
    expect(toErrorResponse(new PermissionDenied('apps:read')).headers?.['WWW-Authenticate']).toContain('insufficient_scope');
  });

  it('never leak an unknown error', () => {
    const error = new TypeError("Cannot read properties of undefined (reading 'PK') at AppRepository");
    const response = toErrorResponse(error);
    expect(response.statusCode).toBe(500);
    expect(response.body).toBe('{"message":"Internal server error","error_code":500}');
  });

  it('turn throttling and an unreachable database into 503 with Retry-After', () => {
    const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
      name: 'ProvisionedThroughputExceededException',
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
    for (const error of [throttled, refused]) {
      expect(isDatabaseUnavailable(error)).toBe(true);
      const response = toErrorResponse(error);
      expect(response.statusCode).toBe(503);
      expect(response.headers).toEqual({ 'Retry-After': '1' });
      expect(response.body).toBe('{"message":"Service unavailable","error_code":503}');
    }
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { name: 'ConditionalCheckFailedException' }))).toBe(false);
  });
});
