/**
 * The metrics the API writes, read back from the EMF lines on stdout: the real handlers (real Middy
 * chain, real JWT verification, real local DynamoDB) invoked in-process, as Lambda would.
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { uniqueTenant } from '../fixtures/api.ts';
import { type Emf, withEmf } from '../fixtures/emf.ts';
import { adminToken, runtime, token } from '../fixtures/tokens.ts';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<{ statusCode?: number; body?: string }>;

const APPS = '/v1/management/applications';
let handlers: { createApp: Handler; readApps: Handler; updateApp: Handler };

beforeAll(async () => {
  Object.assign(process.env, {
    // On even if the run turns metrics off for quieter output; read when shared/metrics.ts loads.
    POWERTOOLS_METRICS_DISABLED: 'false',
    TABLE_NAME: runtime().tableName,
    JWT_ISSUER: runtime().issuer,
    JWT_JWKS_FILE: runtime().jwksFile,
    AWS_ENDPOINT_URL_DYNAMODB: runtime().dynamoEndpoint,
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  handlers = {
    createApp: (await import('../../functions/create-app.ts')).handler as never,
    readApps: (await import('../../functions/read-apps.ts')).handler as never,
    updateApp: (await import('../../functions/update-app.ts')).handler as never,
  };
});

let requests = 0;
function event(routeKey: string, path: string, options: { bearer?: string; body?: unknown; pathParameters?: Record<string, string> } = {}) {
  const requestId = `metrics-${process.pid}-${++requests}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: {
      ...(options.bearer ? { authorization: `Bearer ${options.bearer}` } : {}),
      ...(options.body ? { 'content-type': 'application/json' } : {}),
    },
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    ...(options.body ? { body: JSON.stringify(options.body) } : {}),
    requestContext: { requestId, http: { method: routeKey.split(' ')[0], path } },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}
const context = (id: string) => ({ awsRequestId: id, getRemainingTimeInMillis: () => 10_000 }) as unknown as Context;

const invoke = (handler: Handler, e: APIGatewayProxyEventV2) => withEmf(() => handler(e, context(e.requestContext.requestId)));

const createApp = (tenant: string) =>
  invoke(handlers.createApp, event(`POST ${APPS}`, APPS, { bearer: adminToken(tenant), body: { app_name: 'metrics' } }));

describe('API metrics (EMF)', () => {
  it('a 201 create: one line, namespace ManagementApps, dimensions {service, operation}, 1 in Responses2xx', async () => {
    const tenant = uniqueTenant('met');
    const { result, lines } = await createApp(tenant);
    expect(result.statusCode).toBe(201);
    expect(lines).toHaveLength(1);
    const [line] = lines as [Emf];
    expect(line._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'ManagementApps',
        Dimensions: [['service', 'operation']],
        Metrics: expect.arrayContaining([
          { Name: 'Responses2xx', Unit: 'Count' },
          { Name: 'Responses4xx', Unit: 'Count' },
          { Name: 'Responses5xx', Unit: 'Count' },
          { Name: 'Latency', Unit: 'Milliseconds' },
        ]),
      },
    ]);
    expect(line._aws.CloudWatchMetrics[0]?.Metrics).toHaveLength(4);
    expect(line).toMatchObject({ service: 'management-apps', operation: 'createApp', Responses2xx: 1, Responses4xx: 0, Responses5xx: 0 });
    expect(line.Latency).toBeTypeOf('number');
    expect(line.Latency as number).toBeGreaterThanOrEqual(0);
    // Neither the tenant nor the secret is anywhere in the line, dimension or not.
    const { client_secret } = JSON.parse(result.body ?? '{}').result;
    expect(client_secret).toBeTypeOf('string');
    expect(JSON.stringify(line)).not.toContain(tenant);
    expect(JSON.stringify(line)).not.toContain(client_secret);
  });

  it('a 401 from the JWT check is counted in Responses4xx of its operation', async () => {
    const withoutToken = await invoke(handlers.readApps, event(`GET ${APPS}`, APPS));
    expect(withoutToken.result.statusCode).toBe(401);
    expect(withoutToken.lines).toHaveLength(1);
    expect(withoutToken.lines[0]).toMatchObject({ operation: 'listApps', Responses2xx: 0, Responses4xx: 1, Responses5xx: 0 });

    const badToken = await invoke(handlers.readApps, event(`GET ${APPS}`, APPS, { bearer: 'not.a.jwt' }));
    expect(badToken.result.statusCode).toBe(401);
    expect(badToken.lines[0]).toMatchObject({ operation: 'listApps', Responses4xx: 1, Responses5xx: 0 });
  });

  it('a 403 and a 400 (validation) are 4xx too', async () => {
    const forbidden = await invoke(handlers.readApps, event(`GET ${APPS}`, APPS, { bearer: token({ tid: uniqueTenant('met') }) }));
    expect(forbidden.result.statusCode).toBe(403);
    expect(forbidden.lines[0]).toMatchObject({ operation: 'listApps', Responses2xx: 0, Responses4xx: 1, Responses5xx: 0 });
    const invalid = await invoke(
      handlers.createApp,
      event(`POST ${APPS}`, APPS, { bearer: adminToken(uniqueTenant('met')), body: { x: 1 } }),
    );
    expect(invalid.result.statusCode).toBe(400);
    expect(invalid.lines[0]).toMatchObject({ operation: 'createApp', Responses2xx: 0, Responses4xx: 1, Responses5xx: 0 });
  });

  it('a 500 made by the error handler from an unexpected error is counted in Responses5xx', async () => {
    const { apiHandler } = await import('../../shared/middleware/api-handler.ts');
    const failing = apiHandler('getApp', async () => {
      throw new TypeError('a bug');
    });
    const path = `${APPS}/abc`;
    const e = event(`GET ${APPS}/{app_id}`, path, { bearer: adminToken(uniqueTenant('met')), pathParameters: { app_id: 'abc' } });
    const { result, lines } = await invoke(failing as never, e);
    expect(result.statusCode).toBe(500);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ operation: 'getApp', Responses2xx: 0, Responses4xx: 0, Responses5xx: 1 });
  });

  it('counts a secret added (201) and a secret deleted (204) in the line of their operation', async () => {
    const tenant = uniqueTenant('met');
    const created = JSON.parse((await createApp(tenant)).result.body ?? '{}').result;
    const secretsPath = `${APPS}/${created.app_id}/secrets`;
    const added = await invoke(
      handlers.updateApp,
      event(`POST ${APPS}/{app_id}/secrets`, secretsPath, { bearer: adminToken(tenant), pathParameters: { app_id: created.app_id } }),
    );
    expect(added.result.statusCode).toBe(201);
    expect(added.lines).toHaveLength(1);
    expect(added.lines[0]).toMatchObject({ operation: 'addClientSecret', Responses2xx: 1, SecretsAdded: 1 });
    expect(added.lines[0]).not.toHaveProperty('SecretsDeleted');
    expect(JSON.stringify(added.lines[0])).not.toContain(JSON.parse(added.result.body ?? '{}').result.client_secret);

    const oldSecret = created.client_secrets[0].secret_id;
    const deleted = await invoke(
      handlers.updateApp,
      event(`DELETE ${APPS}/{app_id}/secrets/{secret_id}`, `${secretsPath}/${oldSecret}`, {
        bearer: adminToken(tenant),
        pathParameters: { app_id: created.app_id, secret_id: oldSecret },
      }),
    );
    expect(deleted.result.statusCode).toBe(204);
    expect(deleted.lines[0]).toMatchObject({ operation: 'deleteClientSecret', Responses2xx: 1, SecretsDeleted: 1 });
    expect(deleted.lines[0]).not.toHaveProperty('SecretsAdded');
  });

  it('a secret that was not added (404: no such app) is not counted', async () => {
    const tenant = uniqueTenant('met');
    const missing = '0'.repeat(26);
    const { result, lines } = await invoke(
      handlers.updateApp,
      event(`POST ${APPS}/{app_id}/secrets`, `${APPS}/${missing}/secrets`, {
        bearer: adminToken(tenant),
        pathParameters: { app_id: missing },
      }),
    );
    expect(result.statusCode).toBe(404);
    expect(lines[0]).toMatchObject({ operation: 'addClientSecret', Responses4xx: 1 });
    expect(lines[0]).not.toHaveProperty('SecretsAdded');
  });

  it('requests served at once by one process each get their own line (the flush is one synchronous block)', async () => {
    const calls = Array.from({ length: 12 }, (_, i) =>
      i % 2 === 0
        ? event(`POST ${APPS}`, APPS, { bearer: adminToken(uniqueTenant('met')), body: { app_name: `m${i}` } })
        : event(`POST ${APPS}`, APPS, { body: { app_name: `m${i}` } }),
    );
    const { result, lines } = await withEmf(() =>
      Promise.all(calls.map((e) => handlers.createApp(e, context(e.requestContext.requestId)))),
    );
    expect(result.map((r) => r.statusCode)).toEqual(calls.map((_, i) => (i % 2 === 0 ? 201 : 401)));
    expect(lines).toHaveLength(12);
    const byRequest = new Map(lines.map((line) => [line.request_id, line]));
    calls.forEach((e, i) => {
      const expected = i % 2 === 0 ? { Responses2xx: 1, Responses4xx: 0 } : { Responses2xx: 0, Responses4xx: 1 };
      expect(byRequest.get(e.requestContext.requestId)).toMatchObject({ operation: 'createApp', ...expected, Responses5xx: 0 });
    });
  });
});
