import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../shared/http/cursor.ts';
import { APPS, call, uniqueTenant } from '../fixtures/api.ts';
import { adminToken } from '../fixtures/tokens.ts';

describe('tenant isolation', () => {
  it("tenant B cannot list, read, update or delete tenant A's apps, nor touch their secrets", async () => {
    const [a, b] = [uniqueTenant('a'), uniqueTenant('b')];
    const app = (await call('POST', APPS, { token: adminToken(a), body: { app_name: 'A only' } })).body.result;

    expect((await call('GET', APPS, { token: adminToken(b) })).body.result).toEqual([]);
    // A cursor naming A's app moves B's position only inside B's own partition.
    const forged = await call('GET', `${APPS}?cursor=${encodeCursor('00000000000000000000000000')}`, { token: adminToken(b) });
    expect(forged.status).toBe(200);
    expect(forged.body.result).toEqual([]);
    expect((await call('GET', `${APPS}/${app.app_id}`, { token: adminToken(b) })).status).toBe(404);
    expect((await call('PUT', `${APPS}/${app.app_id}`, { token: adminToken(b), body: { app_name: 'stolen' } })).status).toBe(404);
    expect((await call('POST', `${APPS}/${app.app_id}/secrets`, { token: adminToken(b) })).status).toBe(404);
    const secretId = app.client_secrets[0].secret_id;
    expect((await call('DELETE', `${APPS}/${app.app_id}/secrets/${secretId}`, { token: adminToken(b) })).status).toBe(404);
    expect((await call('DELETE', `${APPS}/${app.app_id}`, { token: adminToken(b) })).status).toBe(404);

    const still = (await call('GET', APPS, { token: adminToken(a) })).body.result;
    expect(still).toHaveLength(1);
    expect(still[0].app_name).toBe('A only');
    expect(still[0].client_secrets).toEqual(app.client_secrets);
  });

  it('a tenant id cannot spell another key (tid with # and URI characters)', async () => {
    const a = uniqueTenant('plain');
    const app = (await call('POST', APPS, { token: adminToken(a), body: { app_name: 'victim' } })).body.result;
    for (const evil of [`${a}#APP#${app.app_id}`, `${a}%23`, `${a}#`]) {
      expect((await call('GET', APPS, { token: adminToken(evil) })).body.result).toEqual([]);
      expect((await call('GET', `${APPS}/${app.app_id}`, { token: adminToken(evil) })).status).toBe(404);
      expect((await call('DELETE', `${APPS}/${app.app_id}`, { token: adminToken(evil) })).status).toBe(404);
    }
    expect((await call('GET', APPS, { token: adminToken(a) })).body.result).toHaveLength(1);
  });
});
