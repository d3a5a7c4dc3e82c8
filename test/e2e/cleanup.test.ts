/**
 * `npm start`'s event-driven cleanup, end to end: DELETE over HTTP answers 204, then the runtime's own
 * stream and cleanup function remove everything the app owned: 10,000 extra role assignments included.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { batchWrite } from '../../shared/db/batch-write.ts';
import { keys } from '../../shared/db/keys.ts';
import { APPS, call, uniqueLabel, uniqueTenant } from '../fixtures/api.ts';
import { collectionSize as countCollection, testDb } from '../fixtures/db.ts';
import { deleteItemFromOutside } from '../fixtures/outside-writer.ts';
import { localOnly, NEEDS } from '../fixtures/target.ts';
import { adminToken, runtime } from '../fixtures/tokens.ts';

/** The table, opened on first use: there is none to open when the suite tests a deployment. */
let opened: ReturnType<typeof testDb> | undefined;
const db = () => (opened ??= testDb());

const collectionSize = (tenantId: string, appId: string) => countCollection(db().doc, db().tableName, tenantId, appId);

/** Polls until the collection is empty; the bound is generous, the assertion is emptiness, not speed. */
async function becomesEmpty(tenantId: string, appId: string, timeoutMs = 240_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const size = await collectionSize(tenantId, appId);
    if (size === 0 || Date.now() > deadline) return size;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// Seeding 10,000 role assignments, and deleting as an outside writer, both go to the table itself.
localOnly(NEEDS.table).describe('delete, then event-driven cleanup', () => {
  it('removes 10,000 role assignments, the client record and the claims; neighbours stay', { timeout: 300_000 }, async () => {
    const tenant = uniqueTenant('bulk');
    const subdomain = uniqueLabel('bulk');
    const custom_domain = `${subdomain}.example.com`;
    const body = (role_ids: string[]) => ({ app_name: 'bulk', first_client: { name: 'c', redirect_uris: [], role_ids } });
    const app = (await call('POST', APPS, { token: adminToken(tenant), body: { ...body(['r1', 'r2']), subdomain, custom_domain } })).body
      .result;
    const sibling = (await call('POST', APPS, { token: adminToken(tenant), body: body(['r1', 'r2']) })).body.result;
    const foreignTenant = uniqueTenant('other');
    const foreign = (await call('POST', APPS, { token: adminToken(foreignTenant), body: body(['r1', 'r2']) })).body.result;

    const extra = Array.from({ length: 10_000 }, (_, i) => ({
      PutRequest: {
        Item: {
          ...keys.role(tenant, app.app_id, `bulk-${i}`),
          entity: 'RoleAssignment',
          tenant_id: tenant,
          app_id: app.app_id,
          role_id: `bulk-${i}`,
          client_id: app.client_id,
          source: 'roles-service',
          assigned_at: new Date().toISOString(),
        },
      },
    }));
    await batchWrite(db().doc, db().tableName, extra);
    expect(await collectionSize(tenant, app.app_id)).toBe(10_003);

    const started = Date.now();
    const res = await call('DELETE', `${APPS}/${app.app_id}`, { token: adminToken(tenant) });
    expect(res.status).toBe(204);
    expect(await becomesEmpty(tenant, app.app_id)).toBe(0);
    const seconds = (Date.now() - started) / 1000;

    expect(await collectionSize(tenant, sibling.app_id)).toBe(3);
    expect(await collectionSize(foreignTenant, foreign.app_id)).toBe(3);
    const reclaim = await call('POST', APPS, { token: adminToken(uniqueTenant()), body: { app_name: 'heir', subdomain, custom_domain } });
    expect(reclaim.status).toBe(201);

    const line = readFileSync(runtime().logFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('removed app collection'))
      .map((l) => JSON.parse(l))
      .find((entry) => entry.app_id === app.app_id);
    expect(line).toMatchObject({ tenant_id: tenant, items_removed: 10_003, level: 'INFO' });
    console.log(`cleanup of 10,003 items: ${seconds.toFixed(1)} s after the 204, ${line.dynamodb_calls} DynamoDB calls`);
  });

  it('an App deleted by an outside writer (a client of its own) is cleaned up too', async () => {
    const tenant = uniqueTenant('cli');
    const app = (
      await call('POST', APPS, {
        token: adminToken(tenant),
        body: { app_name: 'cli', first_client: { name: 'c', redirect_uris: [], role_ids: ['a', 'b', 'c'] } },
      })
    ).body.result;
    expect(await collectionSize(tenant, app.app_id)).toBe(4);
    const key = keys.app(tenant, app.app_id);
    await deleteItemFromOutside(runtime().dynamoEndpoint, db().tableName, key);
    expect(await becomesEmpty(tenant, app.app_id, 60_000)).toBe(0);
  });
});
