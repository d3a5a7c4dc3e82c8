import { describe, expect, it } from 'vitest';
import { APPS, call, uniqueLabel, uniqueTenant } from '../fixtures/api.ts';
import { adminToken, permissionsToken } from '../fixtures/tokens.ts';

describe('DELETE /v1/management/applications/{app_id}', () => {
  it('deletes the app (204, empty body) and frees its subdomain and domain', async () => {
    const tenant = uniqueTenant();
    const subdomain = uniqueLabel('del');
    const custom_domain = `${subdomain}.example.com`;
    const app = (await call('POST', APPS, { token: adminToken(tenant), body: { app_name: 'doomed', subdomain, custom_domain } })).body
      .result;
    const res = await call('DELETE', `${APPS}/${app.app_id}`, {
      // Locally the grant comes as a scope, the form an OAuth client credential carries.
      token: permissionsToken(tenant, ['apps:delete'], { permissions: undefined, scope: 'apps:delete' }),
    });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers.get('content-type')).toBeNull();
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect((await call('GET', APPS, { token: adminToken(tenant) })).body.result).toEqual([]);
    const again = await call('DELETE', `${APPS}/${app.app_id}`, { token: adminToken(tenant) });
    expect(again.status).toBe(404);
    const reclaim = await call('POST', APPS, { token: adminToken(uniqueTenant()), body: { app_name: 'heir', subdomain, custom_domain } });
    expect(reclaim.status).toBe(201);
  });

  it('404 Application not found for an unknown app_id, whatever its format', async () => {
    for (const appId of ['01m8c9a932zdsepkhrpqvj03dn', 'not-an-id', 'APP%231', 'a'.repeat(2000)]) {
      const missing = await call('DELETE', `${APPS}/${appId}`, { token: adminToken(uniqueTenant()) });
      expect(missing.status, appId).toBe(404);
      expect(missing.body).toEqual({ message: 'Application not found', error_code: 404 });
    }
  });
});
