/**
 * Contract §5: without `limit`, at most 1,000 apps per response, then `next_cursor`. Locally the 1,001
 * apps are written to the table (a second); a deployment's table is out of reach, so there they are
 * created through the API.
 */
import { describe, expect, it } from 'vitest';
import { batchWrite } from '../../shared/db/batch-write.ts';
import { keys } from '../../shared/db/keys.ts';
import { defaultOidcClient } from '../../shared/schemas/client.ts';
import { newAppId, newClientId, newSecretId } from '../../shared/service/credentials.ts';
import { APPS, call, uniqueTenant } from '../fixtures/api.ts';
import { testDb } from '../fixtures/db.ts';
import { external } from '../fixtures/target.ts';
import { adminToken } from '../fixtures/tokens.ts';

const ALL_TRIGGERS = { invalidateOnMemberSuspension: true, invalidateOnMemberPasswordReset: true, invalidateOnMemberRoleUpdate: true };

const COUNT = 1001;

/** 1,001 apps written straight to the table; their ids, oldest first. */
async function seedTable(tenant: string): Promise<string[]> {
  const { doc, tableName } = testDb();
  const start = Date.UTC(2026, 0, 1);
  const items = Array.from({ length: COUNT }, (_, i) => {
    const created = new Date(start + i * 1000);
    const appId = newAppId(created);
    return {
      PutRequest: {
        Item: {
          ...keys.app(tenant, appId),
          entity: 'App',
          app_id: appId,
          tenant_id: tenant,
          version: 1,
          app_name: `bulk ${i}`,
          invite_member_email_expiration_minutes: 2880,
          refresh_token_invalidation_trigger_configuration: ALL_TRIGGERS,
          client_id: newClientId(),
          client_secrets: [{ secret_id: newSecretId(), created_at: created.toISOString() }],
          first_client: defaultOidcClient('c'),
          created_at: created.toISOString(),
          created_by: 'seed',
          updated_at: created.toISOString(),
        },
      },
    };
  });
  await batchWrite(doc, tableName, items);
  return items.map((item) => item.PutRequest.Item.app_id);
}

/** 1,001 apps created through the API, a few at a time; their ids, in the list's order (by id). */
async function seedApi(tenant: string): Promise<string[]> {
  const ids: string[] = [];
  const token = adminToken(tenant);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < COUNT; i = next++) {
      const res = await call('POST', APPS, { token, body: { app_name: `bulk ${i}` } });
      expect(res.status).toBe(201);
      ids.push(res.body.result.app_id);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return ids.sort();
}

describe('unpaged list cap', () => {
  it('returns 1,000 apps and a cursor to the rest', { timeout: 180_000 }, async () => {
    const tenant = uniqueTenant('big');
    const ids = external() ? await seedApi(tenant) : await seedTable(tenant);
    expect(ids).toHaveLength(1001);

    const first = await call('GET', APPS, { token: adminToken(tenant) });
    expect(first.status).toBe(200);
    expect(first.body.result).toHaveLength(1000);
    expect(first.body.result.map((a: { app_id: string }) => a.app_id)).toEqual(ids.slice(0, 1000));
    expect(first.headers.get('link')).toBe(`<${APPS}?cursor=${first.body.next_cursor}>; rel="next"`);
    const rest = await call('GET', `${APPS}?cursor=${first.body.next_cursor}`, { token: adminToken(tenant) });
    expect(rest.body.result.map((a: { app_id: string }) => a.app_id)).toEqual([ids[1000]]);
    expect(rest.body).not.toHaveProperty('next_cursor');
  });
});
