import { describe, expect, it } from 'vitest';
import { APPS, call, uniqueTenant } from '../fixtures/api.ts';
import { adminToken, permissionsToken } from '../fixtures/tokens.ts';

const secrets: string[] = [];

async function createApps(tenant: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await call('POST', APPS, { token: adminToken(tenant), body: { app_name: `app ${i}` } });
    expect(res.status).toBe(201);
    ids.push(res.body.result.app_id);
    secrets.push(res.body.result.client_secret);
  }
  return ids;
}

describe('GET /v1/management/applications', () => {
  it('lists the tenant apps oldest first, without secrets', async () => {
    const tenant = uniqueTenant();
    const ids = await createApps(tenant, 3);
    const res = await call('GET', APPS, { token: permissionsToken(tenant, ['apps:read']) });
    expect(res.status).toBe(200);
    expect(res.body.result.map((a: { app_id: string }) => a.app_id)).toEqual(ids);
    expect(res.body.result.map((a: { app_name: string }) => a.app_name)).toEqual(['app 0', 'app 1', 'app 2']);
    expect(res.body).not.toHaveProperty('next_cursor');
    expect(res.headers.get('link')).toBeNull();
    expect(res.body.result.some((a: object) => 'client_secret' in a)).toBe(false);
    for (const secret of secrets) expect(res.text).not.toContain(secret);
  });

  it('pages with limit and cursor, with next_cursor and a Link header', async () => {
    const tenant = uniqueTenant();
    const ids = await createApps(tenant, 5);
    const seen: string[] = [];
    let path = `${APPS}?limit=2`;
    const pages: number[] = [];
    for (;;) {
      const res = await call('GET', path, { token: adminToken(tenant) });
      expect(res.status).toBe(200);
      pages.push(res.body.result.length);
      seen.push(...res.body.result.map((a: { app_id: string }) => a.app_id));
      if (!res.body.next_cursor) {
        expect(res.headers.get('link')).toBeNull();
        break;
      }
      const link = res.headers.get('link');
      expect(link).toBe(`<${APPS}?cursor=${res.body.next_cursor}&limit=2>; rel="next"`);
      path = /<([^>]+)>/.exec(link ?? '')?.[1] ?? '';
    }
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual(ids);
  });

  it('has no next_cursor when the last page is exactly full', async () => {
    const tenant = uniqueTenant();
    await createApps(tenant, 2);
    const res = await call('GET', `${APPS}?limit=2`, { token: adminToken(tenant) });
    expect(res.body.result).toHaveLength(2);
    expect(res.body).not.toHaveProperty('next_cursor');
  });

  it('returns an empty list for a tenant with no apps', async () => {
    const res = await call('GET', APPS, { token: adminToken(uniqueTenant()) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ result: [] });
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1.5', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    [`cursor=${Buffer.from('{"after":"../../x"}').toString('base64url')}`, 'cursor'],
    ['colour=blue', 'colour'],
  ])('400 for %s', async (query, path) => {
    const res = await call('GET', `${APPS}?${query}`, { token: adminToken(uniqueTenant()) });
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });
});
