/**
 * How many DynamoDB requests each operation makes, counted by the local endpoint itself: the real
 * handlers (real Middy chain, real SDK) against a local DynamoDB of their own, so no other test's
 * traffic is counted. The counts are deterministic, so they are asserted: each change of an app is one
 * TransactWriteItems.
 */
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, type LocalDynamo, localDynamoClient, startLocalDynamo } from '../../infra/local/dynamodb.ts';
import { adminToken, runtime } from '../fixtures/tokens.ts';

const TABLE = 'request-counts';
const COLLECTION = '/v1/management/applications';
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

let dynamo: LocalDynamo;
let handlers: Record<'create' | 'read' | 'update' | 'delete', Handler>;
let doc: DynamoDBDocumentClient;

beforeAll(async () => {
  dynamo = await startLocalDynamo({ port: 0 });
  await ensureTable(dynamo.endpoint, TABLE);
  doc = DynamoDBDocumentClient.from(localDynamoClient(dynamo.endpoint));
  Object.assign(process.env, {
    TABLE_NAME: TABLE,
    JWT_ISSUER: runtime().issuer,
    JWT_JWKS_FILE: runtime().jwksFile,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  // Imported once the environment points at this test's DynamoDB: the handlers read it at module scope.
  const loaded = await Promise.all([
    import('../../functions/create-app.ts'),
    import('../../functions/read-apps.ts'),
    import('../../functions/update-app.ts'),
    import('../../functions/delete-app.ts'),
  ]);
  const [create, read, update, remove] = loaded.map((module) => module.handler as unknown as Handler) as [
    Handler,
    Handler,
    Handler,
    Handler,
  ];
  handlers = { create, read, update, delete: remove };
});
afterAll(() => dynamo.close());

let requests = 0;
/** The event API Gateway sends for `path`: its route key spelled out here, with the path's parameters. */
function event(method: string, path: string, tenant: string, body?: unknown, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  const [appId, secretsSegment, secretId] = path.split('/').slice(4);
  const template = [COLLECTION, appId && '{app_id}', secretsSegment, secretId && '{secret_id}'].filter(Boolean).join('/');
  return {
    version: '2.0',
    routeKey: `${method} ${template}`,
    rawPath: path,
    rawQueryString: '',
    headers: { authorization: `Bearer ${adminToken(tenant)}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    requestContext: { requestId: `count-${requests++}`, http: { method, path } },
    pathParameters: appId ? { app_id: appId, ...(secretId ? { secret_id: secretId } : {}) } : undefined,
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}
const context = { awsRequestId: 'count', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

/** Runs one call and returns its answer with the DynamoDB requests it made, by operation. */
async function counted(handler: Handler, request: APIGatewayProxyEventV2) {
  const before = dynamo.capture.requestCounts();
  const response = await handler(request, context);
  return { response, requests: dynamo.capture.requestCounts(before) };
}

const body = (response: APIGatewayProxyStructuredResultV2) => JSON.parse(response.body ?? '{}');

describe('DynamoDB requests per operation', () => {
  it('create 1, list 1, read one 1, update 2, delete 2 (1 when there is no app)', async () => {
    const tenant = 'counting-tenant';
    const created = await counted(
      handlers.create,
      event('POST', COLLECTION, tenant, {
        app_name: 'counted',
        subdomain: 'counted-sub',
        custom_domain: 'counted.example.com',
        first_client: { name: 'c', redirect_uris: [], role_ids: ['r1', 'r2', 'r3'] },
      }),
    );
    expect(created.response.statusCode).toBe(201);
    expect(created.requests).toEqual({ TransactWriteItems: 1 });
    const appId = body(created.response).result.app_id as string;
    // Everything the create wrote, read back with the key literals of the storage contract.
    const collection = await doc.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': `TENANT#${tenant}#APP#${appId}` },
        Select: 'COUNT',
      }),
    );
    expect(collection.Count).toBe(4); // client record + 3 role assignments

    const listed = await counted(handlers.read, event('GET', COLLECTION, tenant));
    expect(listed.response.statusCode).toBe(200);
    expect(listed.requests).toEqual({ Query: 1 });

    const read = await counted(handlers.read, event('GET', `${COLLECTION}/${appId}`, tenant));
    expect(read.response.statusCode).toBe(200);
    expect(read.requests).toEqual({ GetItem: 1 });

    const updated = await counted(
      handlers.update,
      event('PUT', `${COLLECTION}/${appId}`, tenant, {
        subdomain: 'counted-moved',
        first_client: { name: 'c', redirect_uris: [], role_ids: ['r1', 'r4'] },
      }),
    );
    expect(updated.response.statusCode).toBe(200);
    expect(updated.requests).toEqual({ GetItem: 1, TransactWriteItems: 1 });

    const deleted = await counted(handlers.delete, event('DELETE', `${COLLECTION}/${appId}`, tenant));
    expect(deleted.response.statusCode).toBe(204);
    expect(deleted.requests).toEqual({ GetItem: 1, TransactWriteItems: 1 });

    const missing = await counted(handlers.delete, event('DELETE', `${COLLECTION}/${appId}`, tenant));
    expect(missing.response.statusCode).toBe(404);
    expect(missing.requests).toEqual({ GetItem: 1 });
  });

  it('an idempotent create is 1 request, its replay 2', async () => {
    const headers = { 'idempotency-key': crypto.randomUUID() };
    const first = await counted(handlers.create, event('POST', COLLECTION, 'idem-tenant', { app_name: 'once' }, headers));
    expect(first.response.statusCode).toBe(201);
    expect(first.requests).toEqual({ TransactWriteItems: 1 });
    const replay = await counted(handlers.create, event('POST', COLLECTION, 'idem-tenant', { app_name: 'once' }, headers));
    expect(replay.response.statusCode).toBe(201);
    expect(body(replay.response)).toEqual(body(first.response));
    expect(replay.requests).toEqual({ TransactWriteItems: 1, GetItem: 1 });
  });

  it('add a client secret 2, delete one 2; refused ones cost their read only', async () => {
    const tenant = 'secret-tenant';
    const created = await counted(handlers.create, event('POST', COLLECTION, tenant, { app_name: 'rotating' }));
    const app = body(created.response).result;
    const secrets = `${COLLECTION}/${app.app_id}/secrets`;
    const added = await counted(handlers.update, event('POST', secrets, tenant));
    expect(added.response.statusCode).toBe(201);
    expect(added.requests).toEqual({ GetItem: 1, TransactWriteItems: 1 });
    const third = await counted(handlers.update, event('POST', secrets, tenant));
    expect(third.response.statusCode).toBe(409);
    expect(third.requests).toEqual({ GetItem: 1 });
    const deleted = await counted(handlers.update, event('DELETE', `${secrets}/${app.client_secrets[0].secret_id}`, tenant));
    expect(deleted.response.statusCode).toBe(204);
    expect(deleted.requests).toEqual({ GetItem: 1, TransactWriteItems: 1 });
    const unknown = await counted(handlers.update, event('DELETE', `${secrets}/${app.client_secrets[0].secret_id}`, tenant));
    expect(unknown.response.statusCode).toBe(404);
    expect(unknown.requests).toEqual({ GetItem: 1 });
  });

  it('an id that cannot name an app or a secret is a 404 with no DynamoDB request at all', async () => {
    const tenant = 'malformed-tenant';
    const real = body((await counted(handlers.create, event('POST', COLLECTION, tenant, { app_name: 'real' }))).response).result;
    const cases: [Handler, string, string, unknown?][] = [
      [handlers.read, 'GET', `${COLLECTION}/APP%23x`],
      [handlers.read, 'GET', `${COLLECTION}/${'a'.repeat(2000)}`],
      [handlers.update, 'PUT', `${COLLECTION}/not-an-id`, { app_name: 'x' }],
      [handlers.delete, 'DELETE', `${COLLECTION}/${real.app_id.toUpperCase()}`],
      [handlers.update, 'POST', `${COLLECTION}/not-an-id/secrets`],
      [handlers.update, 'DELETE', `${COLLECTION}/${real.app_id}/secrets/not-a-secret`],
    ];
    for (const [handler, method, path, payload] of cases) {
      const answer = await counted(handler, event(method, path, tenant, payload));
      expect(answer.response.statusCode, `${method} ${path}`).toBe(404);
      expect(answer.requests, `${method} ${path}`).toEqual({});
    }
  });

  it('a refused update ({} aside) costs its read only; {} writes nothing', async () => {
    const tenant = 'noop-tenant';
    const created = await counted(handlers.create, event('POST', COLLECTION, tenant, { app_name: 'still' }));
    const appId = body(created.response).result.app_id as string;
    const noop = await counted(handlers.update, event('PUT', `${COLLECTION}/${appId}`, tenant, {}));
    expect(noop.response.statusCode).toBe(200);
    expect(noop.requests).toEqual({ GetItem: 1 });
    const stale = await counted(handlers.update, event('PUT', `${COLLECTION}/${appId}`, tenant, { app_name: 'x' }, { 'if-match': '"9"' }));
    expect(stale.response.statusCode).toBe(412);
    expect(stale.requests).toEqual({ GetItem: 1 });
  });
});
