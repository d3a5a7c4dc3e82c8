import { describe, expect, it } from 'vitest';
import { APPS, call, uniqueLabel, uniqueTenant } from '../fixtures/api.ts';
import { adminToken, permissionsToken } from '../fixtures/tokens.ts';

async function create(tenant: string, body: Record<string, unknown> = {}) {
  const res = await call('POST', APPS, { token: adminToken(tenant), body: { app_name: 'Original', ...body } });
  expect(res.status).toBe(201);
  return res.body.result;
}

const put = (tenant: string, appId: string, body: unknown, headers: Record<string, string> = {}) =>
  call('PUT', `${APPS}/${appId}`, { token: adminToken(tenant), body, headers });

describe('PUT /v1/management/applications/{app_id}', () => {
  it('keeps omitted fields, clears null ones, replaces objects whole, bumps the ETag', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant, {
      app_description: 'before',
      login_uri: 'https://a.example.com/login',
      pkce: 'allowPkceAlongsideClientCredentials',
      refresh_token_invalidation_trigger_configuration: { invalidateOnMemberSuspension: false, invalidateOnMemberRoleUpdate: false },
    });
    const res = await call('PUT', `${APPS}/${app.app_id}`, {
      token: permissionsToken(tenant, ['apps:edit']),
      body: {
        app_name: 'Renamed',
        app_description: null,
        pkce: null,
        refresh_token_invalidation_trigger_configuration: { invalidateOnMemberPasswordReset: false },
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"2"');
    const updated = res.body.result;
    expect(updated).toMatchObject({
      app_id: app.app_id,
      app_name: 'Renamed',
      login_uri: 'https://a.example.com/login',
      client_id: app.client_id,
      created_at: app.created_at,
    });
    expect(updated).not.toHaveProperty('app_description');
    expect(updated).not.toHaveProperty('pkce');
    expect(updated).not.toHaveProperty('client_secret');
    // Replaced, not merged: the stored false values do not survive.
    expect(updated.refresh_token_invalidation_trigger_configuration).toEqual({
      invalidateOnMemberSuspension: true,
      invalidateOnMemberPasswordReset: false,
      invalidateOnMemberRoleUpdate: true,
    });
    expect(Date.parse(updated.updated_at)).toBeGreaterThanOrEqual(Date.parse(app.updated_at));
    const listed = (await call('GET', APPS, { token: adminToken(tenant) })).body.result[0];
    expect(listed).toEqual(updated);
  });

  it('treats {} as a no-op that still answers the app', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    const res = await put(tenant, app.app_id, {});
    expect(res.status).toBe(200);
    expect(res.body.result.app_name).toBe('Original');
  });

  it('replaces first_client, keeping client_id, and switches protocol', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant, { first_client: { name: 'c1', redirect_uris: ['https://a.example.com/cb'], role_ids: ['r1'] } });
    const res = await put(tenant, app.app_id, {
      first_client_authentication_protocol: 'saml',
      first_client: { name: 'sp', sp_entity_id: 'urn:sp', role_ids: ['r2'] },
    });
    expect(res.status).toBe(200);
    expect(res.body.result.first_client).toEqual({
      authentication_protocol: 'saml',
      client_id: app.client_id,
      name: 'sp',
      sp_entity_id: 'urn:sp',
      role_ids: ['r2'],
    });
    expect(res.body.result.client_id).toBe(app.client_id);
  });

  it('moves the subdomain and custom domain claims', async () => {
    const tenant = uniqueTenant();
    const [oldSub, newSub] = [uniqueLabel('old'), uniqueLabel('new')];
    const oldDomain = `${oldSub}.example.com`;
    const app = await create(tenant, { subdomain: oldSub, custom_domain: oldDomain });
    const res = await put(tenant, app.app_id, { subdomain: newSub, custom_domain: null });
    expect(res.status).toBe(200);
    expect(res.body.result.subdomain).toBe(newSub);
    expect(res.body.result).not.toHaveProperty('custom_domain');

    const other = uniqueTenant();
    expect((await call('POST', APPS, { token: adminToken(other), body: { app_name: 'x', subdomain: newSub } })).status).toBe(409);
    const reuse = await call('POST', APPS, {
      token: adminToken(other),
      body: { app_name: 'y', subdomain: oldSub, custom_domain: oldDomain },
    });
    expect(reuse.status).toBe(201);
  });

  it('409 when the new subdomain or domain belongs to another app, and nothing changes', async () => {
    const tenant = uniqueTenant();
    const sub = uniqueLabel('held');
    const domain = `${uniqueLabel('held')}.example.com`;
    await create(uniqueTenant(), { subdomain: sub, custom_domain: domain });
    const app = await create(tenant);
    const taken = await put(tenant, app.app_id, { app_name: 'changed', subdomain: sub });
    expect(taken.status).toBe(409);
    expect(taken.body.ts_error_code).toBe('SUBDOMAIN_TAKEN');
    const takenDomain = await put(tenant, app.app_id, { custom_domain: domain });
    expect(takenDomain.body.ts_error_code).toBe('CUSTOM_DOMAIN_TAKEN');
    const after = (await call('GET', APPS, { token: adminToken(tenant) })).body.result[0];
    const { client_secret: _, ...unchanged } = app;
    expect(after).toEqual(unchanged);
  });

  it('keeps its own subdomain when sent again', async () => {
    const tenant = uniqueTenant();
    const sub = uniqueLabel('mine');
    const app = await create(tenant, { subdomain: sub });
    const res = await put(tenant, app.app_id, { subdomain: sub, app_name: 'again' });
    expect(res.status).toBe(200);
    expect((await call('POST', APPS, { token: adminToken(uniqueTenant()), body: { app_name: 'z', subdomain: sub } })).status).toBe(409);
  });

  it('{} is a no-op: 200 with the app as it was, the same ETag and updated_at', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    const res = await put(tenant, app.app_id, {});
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"1"');
    const { client_secret: _shownOnce, ...stored } = app;
    expect(res.body.result).toEqual(stored);
  });

  it('412 when If-Match is stale, 200 when it matches', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    const stale = await put(tenant, app.app_id, { app_name: 'x' }, { 'if-match': '"7"' });
    expect(stale.status).toBe(412);
    expect(stale.body.error_code).toBe(412);
    const fresh = await put(tenant, app.app_id, { app_name: 'y' }, { 'if-match': '"1"' });
    expect(fresh.status).toBe(200);
    const again = await put(tenant, app.app_id, { app_name: 'z' }, { 'if-match': '"1"' });
    expect(again.status).toBe(412);
    const any = await put(tenant, app.app_id, { app_name: 'w' }, { 'if-match': '*' });
    expect(any.status).toBe(200);
    expect(any.headers.get('etag')).toBe('"3"');
  });

  it.each([
    [{ app_name: null }, 'app_name'],
    [{ app_name: '' }, 'app_name'],
    [{ invite_member_email_expiration_minutes: null }, 'invite_member_email_expiration_minutes'],
    [{ client_id: 'mine' }, 'client_id'],
    [{ first_client_authentication_protocol: 'saml' }, 'first_client'],
    [{ first_client_authentication_protocol: 'oidc' }, 'first_client'],
    [{ subdomain: 'Bad_Label' }, 'subdomain'],
  ])('400 for %j', async (body, path) => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    const res = await put(tenant, app.app_id, body);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('404 Application not found for an unknown app_id, whatever its format', async () => {
    const tenant = uniqueTenant();
    for (const appId of ['01m8c9a932zdsepkhrpqvj03dn', 'APP%231', 'not-an-id', 'a'.repeat(2000)]) {
      const missing = await put(tenant, appId, { app_name: 'x' });
      expect(missing.status, appId).toBe(404);
      expect(missing.body).toEqual({ message: 'Application not found', error_code: 404 });
    }
  });

  it('413 and 415 like create', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    expect((await put(tenant, app.app_id, { app_description: 'x'.repeat(70_000) })).status).toBe(413);
    const res = await call('PUT', `${APPS}/${app.app_id}`, {
      token: adminToken(tenant),
      rawBody: '{}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
  });
});
