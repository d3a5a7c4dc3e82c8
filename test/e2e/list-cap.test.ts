/** Contract §5: without `limit`, at most 1,000 apps per response, then `next_cursor`. */
import { describe, expect, it } from 'vitest';
import { batchWrite } from '../../shared/db/batch-write.ts';
import { keys } from '../../shared/db/keys.ts';
import { defaultOidcClient } from '../../shared/schemas/client.ts';
import { newAppId, newClientId, newSecretId } from '../../shared/service/credentials.ts';
import { APPS, call, uniqueTenant } from '../fixtures/api.ts';
import { testDb } from '../fixtures/db.ts';
import { adminToken } from '../fixtures/tokens.ts';

const ALL_TRIGGERS = { invalidateOnMemberSuspension: true, invalidateOnMemberPasswordReset: true, invalidateOnMemberRoleUpdate: true };

describe('unpaged list cap', () => {
  it('returns 1,000 apps and a cursor to the rest', async () => {
    const tenant = uniqueTenant('big');
    const { doc, tableName } = testDb();
    const start = Date.UTC(2026, 0, 1);
    const items = Array.from({ length: 1001 }, (_, i) => {
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

    const first = await call('GET', APPS, { token: adminToken(tenant) });
    expect(first.status).toBe(200);
    expect(first.body.result).toHaveLength(1000);
    expect(first.body.result[0].app_name).toBe('bulk 0');
    expect(first.body.result[999].app_name).toBe('bulk 999');
    expect(first.headers.get('link')).toBe(`<${APPS}?cursor=${first.body.next_cursor}>; rel="next"`);
    const rest = await call('GET', `${APPS}?cursor=${first.body.next_cursor}`, { token: adminToken(tenant) });
    expect(rest.body.result.map((a: { app_name: string }) => a.app_name)).toEqual(['bulk 1000']);
    expect(rest.body).not.toHaveProperty('next_cursor');
  });
});
