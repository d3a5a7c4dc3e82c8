/** The local API gateway on its own: event shape, its own answers (404, 413, 429, 500). */
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type LambdaHandler } from '../../infra/local/gateway.ts';
import { ROUTES } from '../../shared/routes.ts';

const events: APIGatewayProxyEventV2[] = [];
const echo: LambdaHandler = async (event) => {
  events.push(event);
  if (event.headers['x-fail']) throw new Error('handler exploded');
  return { statusCode: 200, headers: { 'X-Route': event.routeKey }, body: '{}' };
};

function serve(burstLimit: number) {
  const server = createGateway(ROUTES.map((route) => ({ route, handler: echo })), { rateLimit: 0.001, burstLimit });
  return new Promise<{ url: string; close: () => void }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => server.close() });
    });
  });
}

describe('local gateway', () => {
  let gw: { url: string; close: () => void };
  beforeAll(async () => {
    gw = await serve(1_000);
  });
  afterAll(() => gw.close());

  it('builds a payload 2.0 event from the route table', async () => {
    const res = await fetch(`${gw.url}/v1/management/applications/abc%20d?limit=5&x=1&x=2`, {
      method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-Custom': 'v' }, body: '{"a":1}',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-route')).toBe('PUT /v1/management/applications/{app_id}');
    const event = events.at(-1);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'PUT /v1/management/applications/{app_id}',
      rawPath: '/v1/management/applications/abc%20d',
      rawQueryString: 'limit=5&x=1&x=2',
      pathParameters: { app_id: 'abc d' },
      queryStringParameters: { limit: '5', x: '1,2' },
      body: '{"a":1}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'PUT' }, stage: '$default' },
    });
    expect(event?.headers['content-type']).toBe('application/json');
    expect(event?.headers['x-custom']).toBe('v');
    expect(event?.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('apigw-requestid')).toBe(event?.requestContext.requestId);
  });

  it('404 {"message":"Not Found"} for an unknown path or method', async () => {
    for (const [method, path] of [['GET', '/'], ['PATCH', '/v1/management/applications/x'], ['GET', '/v1/management/applications/x/y']]) {
      const res = await fetch(`${gw.url}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await res.json()).toEqual({ message: 'Not Found' });
      expect(res.headers.get('apigw-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('500 {"message":"Internal Server Error"} when a handler throws', async () => {
    const res = await fetch(`${gw.url}/v1/management/applications`, { headers: { 'x-fail': '1' } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('413 past the 10 MB payload limit, before any handler runs', async () => {
    const before = events.length;
    const res = await fetch(`${gw.url}/v1/management/applications`, { method: 'POST', body: 'x'.repeat(10 * 1024 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect(events.length).toBe(before);
  });

  it('429 {"message":"Too Many Requests"} past the burst', async () => {
    const small = await serve(3);
    try {
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(`${small.url}/v1/management/applications`)).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
    } finally {
      small.close();
    }
  });
});
