/**
 * The local API gateway on its own: event shape (as payload 2.0 builds it: repeated headers and
 * parameters comma-joined, cookies apart, every name an own property), its own answers (404, 413, 429,
 * 500) in the contract's error shape with X-Request-Id.
 */
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type LambdaHandler } from '../../infra/local/gateway.ts';
import { ROUTES } from '../../shared/routes.ts';
import { rawCall } from '../fixtures/raw-http.ts';

/** An answer of the gateway itself: the contract's shape, and X-Request-Id equal to apigw-requestid. */
async function expectOwnAnswer(res: Response, status: number, message: string) {
  expect(res.status).toBe(status);
  expect(await res.json()).toEqual({ message, error_code: status });
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(res.headers.get('apigw-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  expect(res.headers.get('x-request-id')).toBe(res.headers.get('apigw-requestid'));
}

const events: APIGatewayProxyEventV2[] = [];
const echo: LambdaHandler = async (event) => {
  events.push(event);
  if (event.headers['x-fail']) throw new Error('handler exploded');
  return { statusCode: 200, headers: { 'X-Route': event.routeKey }, body: '{}' };
};

function serve(burstLimit: number) {
  const server = createGateway(
    ROUTES.map((route) => ({ route, handler: echo })),
    { rateLimit: 0.001, burstLimit },
  );
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
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', 'X-Custom': 'v' },
      body: '{"a":1}',
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

  it('404 {"message":"Not Found","error_code":404} for an unknown path or method', async () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['PATCH', '/v1/management/applications/x'],
      ['GET', '/v1/management/applications/x/y'],
    ]) {
      const res = await fetch(`${gw.url}${path}`, { method });
      await expectOwnAnswer(res, 404, 'Not Found');
    }
  });

  it("404 for a target that only parses as another host (//host/path), never that host's route", async () => {
    const before = events.length;
    const res = await rawCall(gw.url, 'GET', '//evil.example/v1/management/applications');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: 'Not Found', error_code: 404 });
    expect(events.length).toBe(before);
  });

  it('500 {"message":"Internal server error","error_code":500} when a handler throws', async () => {
    const res = await fetch(`${gw.url}/v1/management/applications`, { headers: { 'x-fail': '1' } });
    await expectOwnAnswer(res, 500, 'Internal server error');
  });

  it('413 past the 10 MB payload limit, before any handler runs', async () => {
    const before = events.length;
    const res = await fetch(`${gw.url}/v1/management/applications`, { method: 'POST', body: 'x'.repeat(10 * 1024 * 1024 + 1) });
    await expectOwnAnswer(res, 413, 'Request Entity Too Large');
    expect(events.length).toBe(before);
  });

  it('joins repeated headers with commas, as payload 2.0 does: two Authorization headers arrive as one joined value', async () => {
    const res = await rawCall(gw.url, 'GET', '/v1/management/applications', {
      authorization: ['Bearer first', 'Bearer second'],
      'x-many': ['a', 'b', 'c'],
      'content-type': ['application/json', 'text/plain'],
    });
    expect(res.status).toBe(200);
    const event = events.at(-1);
    expect(event?.headers.authorization).toBe('Bearer first,Bearer second');
    expect(event?.headers['x-many']).toBe('a,b,c');
    expect(event?.headers['content-type']).toBe('application/json,text/plain');
  });

  it('puts every cookie in cookies[], and no Cookie header in headers', async () => {
    const res = await rawCall(gw.url, 'GET', '/v1/management/applications', { cookie: ['a=1; b=2', 'c=3'] });
    expect(res.status).toBe(200);
    const event = events.at(-1);
    expect(event?.cookies).toEqual(['a=1', 'b=2', 'c=3']);
    expect(event?.headers).not.toHaveProperty('cookie');
    await fetch(`${gw.url}/v1/management/applications`);
    expect(events.at(-1)).not.toHaveProperty('cookies');
  });

  it('makes every query parameter an own property, __proto__ and constructor included (as JSON.parse does on AWS)', async () => {
    const res = await fetch(`${gw.url}/v1/management/applications?__proto__=1&constructor=2&toString=3&x=1&x=2`);
    expect(res.status).toBe(200);
    const query = events.at(-1)?.queryStringParameters ?? {};
    expect(Object.entries(query)).toEqual([
      ['__proto__', '1'],
      ['constructor', '2'],
      ['toString', '3'],
      ['x', '1,2'],
    ]);
    expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
    expect(Object.entries(JSON.parse(JSON.stringify(query)))).toEqual(Object.entries(query));
  });

  it('a header named __proto__ is an own property too', async () => {
    const headers = Object.defineProperty({}, '__proto__', { value: 'x', enumerable: true }) as Record<string, string>;
    const res = await rawCall(gw.url, 'GET', '/v1/management/applications', headers);
    expect(res.status).toBe(200);
    expect(Object.hasOwn(events.at(-1)?.headers ?? {}, '__proto__')).toBe(true);
  });

  it('429 {"message":"Too Many Requests","error_code":429} past the burst', async () => {
    const small = await serve(3);
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${small.url}/v1/management/applications`);
        statuses.push(res.status);
        if (i === 3) await expectOwnAnswer(res, 429, 'Too Many Requests');
        else await res.arrayBuffer();
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      small.close();
    }
  });
});
