/**
 * What a seeded fuzzing run found (issue 8, "Hardening"), each over HTTP against the local runtime: the
 * answer, and that a refused request stored nothing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APPS, type ApiResponse, call, uniqueTenant } from '../fixtures/api.ts';
import { signWithHeader } from '../fixtures/jws.ts';
import { rawCall } from '../fixtures/raw-http.ts';
import { localOnly, NEEDS, target, whenLocal } from '../fixtures/target.ts';
import { adminToken, claims, runtime } from '../fixtures/tokens.ts';

const JSON_TYPE = { 'content-type': 'application/json' };
const bearer = (tenant: string) => ({ authorization: `Bearer ${adminToken(tenant)}` });
/** A well-formed app id that names nothing. */
const NO_SUCH_APP = `${APPS}/01m8c9a932zdsepkhrpqvj03dn`;

const listOf = async (tenant: string) => (await call('GET', APPS, { token: adminToken(tenant) })).body.result as unknown[];

async function createApp(tenant: string) {
  const res = await call('POST', APPS, { token: adminToken(tenant), body: { app_name: 'Hardened' } });
  expect(res.status).toBe(201);
  return res.body.result as { app_id: string; updated_at: string };
}

/** The app as stored: unchanged by a refused PUT (same ETag, same updated_at). */
async function expectUnchanged(tenant: string, app: { app_id: string; updated_at: string }) {
  const [stored] = (await listOf(tenant)) as { app_id: string; updated_at: string; app_name: string }[];
  expect(stored).toMatchObject({ app_id: app.app_id, updated_at: app.updated_at, app_name: 'Hardened' });
}

function expectError(res: Pick<ApiResponse, 'status' | 'body'>, status: number, message?: string) {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ error_code: status, ...(message ? { message } : {}) });
  expect(typeof res.body.message).toBe('string');
}

async function logLine(requestId: string, message: string): Promise<Record<string, unknown> | undefined> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50))) {
    for (const line of readFileSync(runtime().logFile, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.message === message && entry.request_id === requestId) return entry;
    }
  }
  return undefined;
}

localOnly(NEEDS.signingKey).describe('1. a JWS header listing crit', () => {
  const crits = [
    ['a list', ['exp']],
    ['an empty list', []],
    ['a string', 'x'],
  ];
  it.each(crits)('is 401 when crit is %s, logged as JwtCritHeaderError', async (_, crit) => {
    const tenant = uniqueTenant();
    const bad = signWithHeader({ kid: runtime().key.kid, crit }, claims({ tid: tenant, role: 'Admin' }), runtime().key.privateKeyPem);
    const res = await call('POST', APPS, { token: bad, body: { app_name: 'a' } });
    expectError(res, 401, 'Invalid token');
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect((await logLine(res.headers.get('x-request-id') ?? '', 'token rejected'))?.reason).toBe('JwtCritHeaderError');
    expect(await listOf(tenant)).toEqual([]);
  });
});

describe('2. a body that is not a JSON object', () => {
  const bodies = ['[]', '[{"app_name":"a"}]', 'null', '"x"', '1', 'true'];

  it.each(bodies)('POST %s: 400 "Request body must be a JSON object", nothing created', async (rawBody) => {
    const tenant = uniqueTenant();
    const res = await call('POST', APPS, { token: adminToken(tenant), rawBody, headers: JSON_TYPE });
    expectError(res, 400, 'Request body must be a JSON object');
    expect(await listOf(tenant)).toEqual([]);
  });

  it.each(bodies)('PUT %s: 400 "Request body must be a JSON object", the app unchanged', async (rawBody) => {
    const tenant = uniqueTenant();
    const app = await createApp(tenant);
    const res = await call('PUT', `${APPS}/${app.app_id}`, { token: adminToken(tenant), rawBody, headers: JSON_TYPE });
    expectError(res, 400, 'Request body must be a JSON object');
    await expectUnchanged(tenant, app);
  });
});

describe('3. a body in another charset, or content-coded', () => {
  const refused: [string, Record<string, string>, Buffer][] = [
    ['charset=utf-16', { 'content-type': 'application/json; charset=utf-16' }, Buffer.from('{"app_name":"a"}', 'utf16le')],
    ['charset=utf-16 (UTF-8 bytes)', { 'content-type': 'application/json; charset=utf-16' }, Buffer.from('{"app_name":"a"}')],
    ['charset=iso-8859-1', { 'content-type': 'application/json;charset=ISO-8859-1' }, Buffer.from('{"app_name":"caf\xe9"}', 'latin1')],
    ['Content-Encoding: gzip', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, Buffer.from('{"app_name":"a"}')],
    ['Content-Encoding: br', { 'content-type': 'application/json', 'content-encoding': 'br' }, Buffer.from('{"app_name":"a"}')],
  ];

  it.each(refused)('POST with %s: 415, nothing created', async (_, headers, body) => {
    const tenant = uniqueTenant();
    const res = await rawCall(target().baseUrl, 'POST', APPS, { ...bearer(tenant), ...headers }, body);
    expectError(res, 415);
    expect(await listOf(tenant)).toEqual([]);
  });

  it.each(refused)('PUT with %s: 415, the app unchanged', async (_, headers, body) => {
    const tenant = uniqueTenant();
    const app = await createApp(tenant);
    const res = await rawCall(target().baseUrl, 'PUT', `${APPS}/${app.app_id}`, { ...bearer(tenant), ...headers }, body);
    expectError(res, 415);
    await expectUnchanged(tenant, app);
  });

  it('UTF-8, however spelled, and Content-Encoding: identity are accepted', async () => {
    const accepted: Record<string, string>[] = [
      { 'content-type': 'application/json; charset=UTF-8' },
      { 'content-type': 'application/json; charset="utf-8"' },
      { 'content-type': 'application/json', 'content-encoding': 'identity' },
    ];
    for (const headers of accepted) {
      const res = await rawCall(target().baseUrl, 'POST', APPS, { ...bearer(uniqueTenant()), ...headers }, '{"app_name":"café"}');
      expect(res.status, JSON.stringify(headers)).toBe(201);
      expect(res.body.result.app_name).toBe('café');
    }
  });
});

describe('4. control characters and lone surrogates in string fields', () => {
  const oidc = { name: 'c', redirect_uris: ['https://ok.example.com/cb'] };
  const saml = (client: Record<string, string>) => ({
    first_client_authentication_protocol: 'saml',
    first_client: { name: 'c', sp_entity_id: 'urn:sp', ...client },
  });
  /** Every string field a body can set (enums aside), and how to put a value there. */
  const fields: [string, (s: string) => Record<string, unknown>][] = [
    ['app_name', (s) => ({ app_name: `a${s}` })],
    ['app_description', (s) => ({ app_description: `d${s}` })],
    ['login_uri', (s) => ({ login_uri: `https://example.com/${s}` })],
    ['invite_member_uri', (s) => ({ invite_member_uri: `https://example.com/${s}` })],
    ['subdomain', (s) => ({ subdomain: `app${s}` })],
    ['custom_domain', (s) => ({ custom_domain: `app${s}.example.com` })],
    ['first_client.name', (s) => ({ first_client: { ...oidc, name: `c${s}` } })],
    ['first_client.description', (s) => ({ first_client: { ...oidc, description: `d${s}` } })],
    ['first_client.redirect_uris.1', (s) => ({ first_client: { ...oidc, redirect_uris: ['https://a.io', `https://b.io/${s}`] } })],
    ['first_client.resources.0', (s) => ({ first_client: { ...oidc, resources: [`r${s}`] } })],
    ['first_client.allowed_scopes.0', (s) => ({ first_client: { ...oidc, allowed_scopes: [`openid${s}`] } })],
    ['first_client.role_ids.0', (s) => ({ first_client: { ...oidc, role_ids: [`role${s}`] } })],
    [
      'first_client.device_authorization.input_uri',
      (s) => ({
        first_client: {
          ...oidc,
          device_authorization: {
            enabled: true,
            approval_uri: 'https://a.example',
            success_uri: 'https://s.example',
            input_uri: `https://i.example/${s}`,
          },
        },
      }),
    ],
    [
      'first_client.ciba_authorization.login_uri',
      (s) => ({ first_client: { ...oidc, ciba_authorization: { enabled: true, login_uri: `https://l.example.com/${s}` } } }),
    ],
    ['first_client.sp_entity_id', (s) => saml({ sp_entity_id: `urn:sp${s}` })],
    ['first_client.sp_acs_url', (s) => saml({ sp_acs_url: `https://sp.example.com/${s}` })],
  ];
  const chars = [
    ['NUL', '\u0000'],
    ['ESC', '\u001b'],
    ['DEL', '\u007f'],
    ['a lone surrogate', '\ud800'],
  ];

  it.each(fields)('%s: 400 naming the field, on create and update, nothing stored', async (path, body) => {
    const tenant = uniqueTenant();
    const app = await createApp(tenant);
    for (const [name, char] of chars) {
      const created = await call('POST', APPS, { token: adminToken(tenant), body: { app_name: 'a', ...body(char!) } });
      expectError(created, 400);
      expect(
        created.body.errors.map((e: { path: string }) => e.path),
        `POST ${name}`,
      ).toContain(path);
      const updated = await call('PUT', `${APPS}/${app.app_id}`, { token: adminToken(tenant), body: body(char!) });
      expectError(updated, 400);
      expect(
        updated.body.errors.map((e: { path: string }) => e.path),
        `PUT ${name}`,
      ).toContain(path);
    }
    await expectUnchanged(tenant, app);
  });

  // schemas/app.ts builds JourneyId on a bare v.string(): it passes until it is built on `Line` (fields.ts).
  // When that lands this test fails: turn it into a plain `it`.
  it('b2b_invite_journey_id: 400 naming the field', async () => {
    const res = await call('POST', APPS, { token: adminToken(uniqueTenant()), body: { app_name: 'a', b2b_invite_journey_id: 'j\u0000' } });
    expectError(res, 400);
  });

  it('tab and line breaks are prose in descriptions, refused in names', async () => {
    const body = { app_name: 'a', app_description: 'one\ttwo\r\nthree' };
    const res = await call('POST', APPS, { token: adminToken(uniqueTenant()), body });
    expect(res.status).toBe(201);
    expect(res.body.result.app_description).toBe('one\ttwo\r\nthree');
    const name = await call('POST', APPS, { token: adminToken(uniqueTenant()), body: { app_name: 'one\ntwo' } });
    expectError(name, 400);
    expect(name.body.errors).toContainEqual({ path: 'app_name', message: 'Must not contain control characters' });
  });

  it('a surrogate pair (an emoji) is text like any other', async () => {
    const res = await call('POST', APPS, { token: adminToken(uniqueTenant()), body: { app_name: 'Rocket 🚀' } });
    expect(res.status).toBe(201);
    expect(res.body.result.app_name).toBe('Rocket 🚀');
  });
});

describe('5. two Authorization headers', () => {
  it('are 401 even when both carry the same valid token, and nothing is created', async () => {
    const tenant = uniqueTenant();
    const bearer = `Bearer ${adminToken(tenant)}`;
    for (const authorization of [
      [bearer, bearer],
      [bearer, 'Bearer garbage'],
      ['Bearer garbage', bearer],
    ]) {
      const res = await rawCall(target().baseUrl, 'POST', APPS, { authorization, 'content-type': 'application/json' }, '{"app_name":"a"}');
      expectError(res, 401, 'Invalid token');
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      await whenLocal(async () => {
        const line = await logLine(String(res.headers['x-request-id']), 'token rejected');
        expect(line?.reason).toBe('MultipleAuthorizationHeaders');
      });
    }
    expect(await listOf(tenant)).toEqual([]);
  });
});

describe('6. prototype names in the query and the body', () => {
  it.each(['__proto__=1', 'constructor=1', 'toString=1', 'limit=5&__proto__=x'])('GET ?%s is 400 naming the parameter', async (query) => {
    const res = await call('GET', `${APPS}?${query}`, { token: adminToken(uniqueTenant()) });
    expectError(res, 400);
    const name = query.split('&').at(-1)!.split('=')[0]!;
    expect(res.body.errors).toContainEqual({ path: name, message: `Unknown field "${name}"` });
  });

  it.each(['__proto__', 'constructor', 'prototype'])('a body key %s is 400 naming it, nothing created', async (key) => {
    const tenant = uniqueTenant();
    const res = await call('POST', APPS, { token: adminToken(tenant), rawBody: `{"app_name":"a","${key}":{"x":1}}`, headers: JSON_TYPE });
    expectError(res, 400);
    expect(res.body.errors).toContainEqual({ path: key, message: `Unknown field "${key}"` });
    expect(await listOf(tenant)).toEqual([]);
  });
});

describe('7. a tenant id whose keys would not fit', () => {
  const cjk = (n: number) => '漢'.repeat(n); // 9 bytes each once URI-encoded
  const tokenFor = (tid: string) => adminToken(tid);
  /**
   * How many CJK characters still fit after an ASCII prefix: the cleanup marker's sort key
   * "TENANT#" (7) + tid + "#APP#" (5) + app id (26) is at most 1,024 bytes.
   */
  const fitting = (prefix: string) => Math.floor((1024 - 38 - prefix.length) / 9);

  it.each([
    ["one CJK character too many for the cleanup marker's sort key", (prefix: string) => fitting(prefix) + 1],
    ['226 CJK characters (past the 2,048-byte partition key too)', () => 226],
  ])('%s: 401 on every route, never a 5xx', async (_, count) => {
    const prefix = uniqueTenant('k');
    const tid = `${prefix}${cjk(count(prefix))}`;
    const app = { app_name: 'a' };
    const requests = [
      ['POST', APPS, app],
      ['GET', APPS],
      ['PUT', NO_SUCH_APP, app],
      ['DELETE', NO_SUCH_APP],
    ] as const;
    for (const [method, path, body] of requests) {
      const res = await call(method, path, { token: tokenFor(tid), body });
      expectError(res, 401, 'Invalid token');
    }
  });

  it('the longest tid that fits: create (with an Idempotency-Key), update and delete work', async () => {
    const prefix = uniqueTenant('k');
    const tid = `${prefix}${cjk(fitting(prefix))}`;
    const token = tokenFor(tid);
    const created = await call('POST', APPS, {
      token,
      body: { app_name: 'a', first_client: { name: 'c', redirect_uris: [], role_ids: ['r1'] } },
      headers: { 'idempotency-key': 'k'.repeat(255) },
    });
    expect(created.status).toBe(201);
    expect(created.body.result.tenant_id).toBe(tid);
    const appPath = `${APPS}/${created.body.result.app_id}`;
    expect((await call('PUT', appPath, { token, body: { app_description: 'x' } })).status).toBe(200);
    expect((await call('DELETE', appPath, { token })).status).toBe(204);
    expect(await listOf(tid)).toEqual([]);
  });
});

describe("8. the gateway's own answers", () => {
  it("404 for an unknown route has the contract's shape and X-Request-Id (= apigw-requestid)", async () => {
    const res = await call('GET', '/v1/management/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: 'Not Found', error_code: 404 });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-request-id')).toBe(res.headers.get('apigw-requestid'));
  });
});

describe('9. first_client.client_id in a body', () => {
  it('is refused as read-only on create and update, by its path', async () => {
    const tenant = uniqueTenant();
    const app = await createApp(tenant);
    const first_client = { name: 'c', redirect_uris: [], client_id: 'mine' };
    const created = await call('POST', APPS, { token: adminToken(tenant), body: { app_name: 'a', first_client } });
    const updated = await call('PUT', `${APPS}/${app.app_id}`, { token: adminToken(tenant), body: { first_client } });
    for (const res of [created, updated]) {
      expectError(res, 400, 'Invalid request body: first_client.client_id: Field "client_id" is read-only');
      expect(res.body.errors).toEqual([{ path: 'first_client.client_id', message: 'Field "client_id" is read-only' }]);
    }
    await expectUnchanged(tenant, app);
  });
});
