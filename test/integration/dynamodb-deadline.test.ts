/**
 * The real handlers (real Middy chain, real SDK, real JWT) against a DynamoDB that accepts connections and
 * never answers: the request's deadline (shared/db/deadline.ts) must end the call in time for a 503 with
 * Retry-After while the function still has time left, and close the stalled connection. The SDK's own
 * per-attempt timeout (3 s) is longer than the budget here, and Middy's last-resort early timeout (5 ms
 * before the end) would also answer 503: the log line tells which of them answered.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../../infra/local/lambda-context.ts';
import { logger } from '../../shared/logger.ts';
import { adminToken, runtime } from '../fixtures/tokens.ts';

/** The Lambda's budget in these tests: shorter than one SDK attempt's requestTimeout. */
const BUDGET_MS = 2_500;
const APPS = '/v1/management/applications';

let server: Server;
const accepted: Socket[] = [];
const open = new Set<Socket>();

beforeAll(async () => {
  server = createServer((socket) => {
    // Read and ignore: the request stays unanswered until the client gives up.
    accepted.push(socket);
    open.add(socket);
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  Object.assign(process.env, {
    TABLE_NAME: runtime().tableName,
    JWT_ISSUER: runtime().issuer,
    JWT_JWKS_FILE: runtime().jwksFile,
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}`,
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
});

afterAll(async () => {
  for (const socket of open) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

type Handler = (event: never, context: Context) => Promise<APIGatewayProxyResultV2>;

/** Invokes `handler` with a context counting down from BUDGET_MS; returns the result and the time left then. */
async function invoke(handler: Handler, event: Partial<APIGatewayProxyEventV2>, requestId: string) {
  const context = lambdaContext('deadline-test', requestId, BUDGET_MS);
  const full = {
    version: '2.0',
    rawQueryString: '',
    isBase64Encoded: false,
    ...event,
    requestContext: { requestId, http: { method: event.requestContext?.http.method, path: event.rawPath } },
  };
  const connectionsBefore = accepted.length;
  const response = (await handler(full as never, context)) as Exclude<APIGatewayProxyResultV2, string>;
  return { response, remainingMs: context.getRemainingTimeInMillis(), connections: accepted.length - connectionsBefore };
}

async function expectAnsweredByDeadline(result: Awaited<ReturnType<typeof invoke>>, requestId: string, warn: ReturnType<typeof vi.spyOn>) {
  const { response, remainingMs, connections } = result;
  expect(response.statusCode).toBe(503);
  expect(response.headers).toMatchObject({ 'Retry-After': '1', 'Cache-Control': 'no-store', 'X-Request-Id': requestId });
  expect(JSON.parse(response.body ?? '')).toEqual({ message: 'Service unavailable', error_code: 503 });
  // It answered before the function would have timed out...
  expect(remainingMs).toBeGreaterThan(0);
  // ...because the request's deadline ended the DynamoDB call, not Middy's early timeout ('TimeoutError').
  expect(warn).toHaveBeenCalledWith('database unavailable', expect.objectContaining({ error_name: 'DatabaseDeadlineExceeded' }));
  // The call really reached the stalled DynamoDB, and the stalled connection was closed, not left hanging.
  expect(connections).toBeGreaterThan(0);
  await vi.waitFor(() => expect(open.size).toBe(0));
}

describe('a DynamoDB that never answers', () => {
  it('GET apps answers 503 with Retry-After before the function times out', { timeout: 15_000 }, async () => {
    const warn = vi.spyOn(logger, 'warn');
    const { handler } = await import('../../functions/read-apps.ts');
    const result = await invoke(
      handler as Handler,
      {
        routeKey: `GET ${APPS}`,
        rawPath: APPS,
        headers: { authorization: `Bearer ${adminToken('tenant-stalled')}` },
        requestContext: { http: { method: 'GET' } } as never,
      },
      'req-deadline-list',
    );
    await expectAnsweredByDeadline(result, 'req-deadline-list', warn);
    warn.mockRestore();
  });

  it('PUT an app answers 503 with Retry-After before the function times out', { timeout: 15_000 }, async () => {
    const warn = vi.spyOn(logger, 'warn');
    const { handler } = await import('../../functions/update-app.ts');
    const appId = '01j0000000000000000000000a';
    const result = await invoke(
      handler as Handler,
      {
        routeKey: `PUT ${APPS}/{app_id}`,
        rawPath: `${APPS}/${appId}`,
        pathParameters: { app_id: appId },
        headers: { authorization: `Bearer ${adminToken('tenant-stalled')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ app_name: 'Renamed' }),
        requestContext: { http: { method: 'PUT' } } as never,
      },
      'req-deadline-put',
    );
    await expectAnsweredByDeadline(result, 'req-deadline-put', warn);
    warn.mockRestore();
  });
});
