/**
 * The real list handler (real Middy chain, real SDK) with the database out of reach: a 503 with
 * Retry-After and a generic body, never the SDK's error text.
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { closedPort } from '../fixtures/closed-port.ts';
import { adminToken, runtime } from '../fixtures/tokens.ts';

describe('database out of reach', () => {
  it('answers 503 Service unavailable with Retry-After', async () => {
    Object.assign(process.env, {
      TABLE_NAME: runtime().tableName,
      JWT_ISSUER: runtime().issuer,
      JWT_JWKS_FILE: runtime().jwksFile,
      AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${await closedPort()}`,
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    const { handler } = await import('../../functions/read-apps.ts');
    const event = {
      version: '2.0',
      routeKey: 'GET /v1/management/applications',
      rawPath: '/v1/management/applications',
      rawQueryString: '',
      headers: { authorization: `Bearer ${adminToken('tenant-down')}` },
      requestContext: { requestId: 'req-503', http: { method: 'GET', path: '/v1/management/applications' } },
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2;
    const context = { awsRequestId: 'req-503', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
    const response = await handler(event as never, context);
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'Retry-After': '1', 'Cache-Control': 'no-store', 'X-Request-Id': 'req-503' });
    expect(JSON.parse(response.body ?? '')).toEqual({ message: 'Service unavailable', error_code: 503 });
  });
});
