/** GET /v1/management/applications/{app_id} (contract §9): the App and its ETag, never a secret. */
import { describe, expect, it } from 'vitest';
import { APPS, call, uniqueTenant } from '../fixtures/api.ts';
import { adminToken, permissionsToken } from '../fixtures/tokens.ts';

async function create(tenant: string, body: Record<string, unknown> = {}) {
  const res = await call('POST', APPS, { token: adminToken(tenant), body: { app_name: 'Readable', ...body } });
  expect(res.status).toBe(201);
  return res.body.result;
}

const reader = (tenant: string) => permissionsToken(tenant, ['apps:read']);

describe('GET /v1/management/applications/{app_id}', () => {
  it('answers the app as the list shows it, with its ETag and the contract headers, never the secret', async () => {
    const tenant = uniqueTenant();
    const { client_secret: secret, ...app } = await create(tenant, { app_description: 'one of a kind' });
    const res = await call('GET', `${APPS}/${app.app_id}`, { token: reader(tenant) });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({ result: app });
    expect(res.body.result).not.toHaveProperty('client_secret');
    expect(res.text).not.toContain(secret);
    const listed = (await call('GET', APPS, { token: reader(tenant) })).body.result;
    expect(listed).toEqual([res.body.result]);
  });

  it('gives the ETag a PUT answered, and a read-then-If-Match update works', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    const put = await call('PUT', `${APPS}/${app.app_id}`, { token: adminToken(tenant), body: { app_name: 'Renamed' } });
    expect(put.status).toBe(200);
    const read = await call('GET', `${APPS}/${app.app_id}`, { token: reader(tenant) });
    expect(read.headers.get('etag')).toBe(put.headers.get('etag'));
    expect(read.body.result).toEqual(put.body.result);

    const putIfMatch = (app_name: string, etag: string) =>
      call('PUT', `${APPS}/${app.app_id}`, { token: adminToken(tenant), body: { app_name }, headers: { 'if-match': etag } });
    const etag = read.headers.get('etag') ?? '';
    expect((await putIfMatch('Again', etag)).status).toBe(200);
    expect((await putIfMatch('Lost', etag)).status).toBe(412);
    expect((await call('GET', `${APPS}/${app.app_id}`, { token: reader(tenant) })).body.result.app_name).toBe('Again');
  });

  it.each([
    ['a well-formed unknown id', '01m8c9a932zdsepkhrpqvj03dn'],
    ['a malformed id', 'not-an-id'],
    ['an id in upper case', '01M8C9A932ZDSEPKHRPQVJ03DN'],
    ['an id spelling a key', 'APP%231'],
    ['an id far too long for a key', 'a'.repeat(2000)],
  ])('404 Application not found for %s', async (_, id) => {
    const res = await call('GET', `${APPS}/${id}`, { token: reader(uniqueTenant()) });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: 'Application not found', error_code: 404 });
  });

  it("404 for another tenant's app, and that app is untouched", async () => {
    const [owner, stranger] = [uniqueTenant('a'), uniqueTenant('b')];
    const app = await create(owner);
    const res = await call('GET', `${APPS}/${app.app_id}`, { token: adminToken(stranger) });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: 'Application not found', error_code: 404 });
    expect(res.text).not.toContain(app.app_name);
    expect((await call('GET', `${APPS}/${app.app_id}`, { token: reader(owner) })).status).toBe(200);
  });

  it('403 without apps:read, even with every other permission', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    const allButRead = permissionsToken(tenant, ['apps:create', 'apps:edit', 'apps:delete']);
    const res = await call('GET', `${APPS}/${app.app_id}`, { token: allButRead });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ message: 'Missing permission: apps:read', error_code: 403 });
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="apps:read"');
    expect((await call('GET', `${APPS}/${app.app_id}`)).status).toBe(401);
  });
});
