/** Contract §8: Idempotency-Key on create. */

import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '../../shared/db/keys.ts';
import { idempotencyKeyHash } from '../../shared/service/idempotency.ts';
import { APPS, call, uniqueLabel, uniqueTenant } from '../fixtures/api.ts';
import { testDb } from '../fixtures/db.ts';
import { localOnly, NEEDS } from '../fixtures/target.ts';
import { adminToken } from '../fixtures/tokens.ts';

describe('Idempotency-Key', () => {
  it('a retry with the same key and body replays the original 201 and creates nothing', async () => {
    const tenant = uniqueTenant();
    const key = crypto.randomUUID();
    const body = { app_name: 'once', subdomain: uniqueLabel('idem') };
    const first = await call('POST', APPS, { token: adminToken(tenant), body, headers: { 'idempotency-key': key } });
    expect(first.status).toBe(201);
    // Changes after the first call do not alter the replay: it is the original response.
    await call('PUT', `${APPS}/${first.body.result.app_id}`, { token: adminToken(tenant), body: { app_name: 'renamed' } });
    const again = await call('POST', APPS, { token: adminToken(tenant), body, headers: { 'idempotency-key': key } });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect((await call('GET', APPS, { token: adminToken(tenant) })).body.result).toHaveLength(1);
  });

  it('the same key with a different body is a 422', async () => {
    const tenant = uniqueTenant();
    const key = crypto.randomUUID();
    expect(
      (await call('POST', APPS, { token: adminToken(tenant), body: { app_name: 'a' }, headers: { 'idempotency-key': key } })).status,
    ).toBe(201);
    const other = await call('POST', APPS, { token: adminToken(tenant), body: { app_name: 'b' }, headers: { 'idempotency-key': key } });
    expect(other.status).toBe(422);
    expect(other.body.error_code).toBe(422);
    expect((await call('GET', APPS, { token: adminToken(tenant) })).body.result).toHaveLength(1);
  });

  it('keys are per tenant', async () => {
    const key = crypto.randomUUID();
    const a = await call('POST', APPS, { token: adminToken(uniqueTenant()), body: { app_name: 'x' }, headers: { 'idempotency-key': key } });
    const b = await call('POST', APPS, { token: adminToken(uniqueTenant()), body: { app_name: 'x' }, headers: { 'idempotency-key': key } });
    expect(b.status).toBe(201);
    expect(b.body.result.app_id).not.toBe(a.body.result.app_id);
  });

  it('concurrent requests with one key create one app, and every one of them gets its 201', async () => {
    const tenant = uniqueTenant();
    const key = crypto.randomUUID();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        call('POST', APPS, { token: adminToken(tenant), body: { app_name: 'c' }, headers: { 'idempotency-key': key } }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(results.map((r) => r.body.result.app_id)).size).toBe(1);
    expect(new Set(results.map((r) => r.body.result.client_secret)).size).toBe(1);
    expect((await call('GET', APPS, { token: adminToken(tenant) })).body.result).toHaveLength(1);
  });

  it('a refused request frees its key', async () => {
    const tenant = uniqueTenant();
    const key = crypto.randomUUID();
    const sub = uniqueLabel('held');
    await call('POST', APPS, { token: adminToken(uniqueTenant()), body: { app_name: 'holder', subdomain: sub } });
    const refused = await call('POST', APPS, {
      token: adminToken(tenant),
      body: { app_name: 'x', subdomain: sub },
      headers: { 'idempotency-key': key },
    });
    expect(refused.status).toBe(409);
    const corrected = await call('POST', APPS, { token: adminToken(tenant), body: { app_name: 'x' }, headers: { 'idempotency-key': key } });
    expect(corrected.status).toBe(201);
  });

  it('400 for a malformed key', async () => {
    for (const key of ['', 'x'.repeat(256), 'tab\there']) {
      const res = await call('POST', APPS, {
        token: adminToken(uniqueTenant()),
        body: { app_name: 'x' },
        headers: { 'idempotency-key': key },
      });
      expect(res.status, JSON.stringify(key)).toBe(400);
    }
  });

  localOnly(NEEDS.table).it('keeps neither the secret nor the key readable at rest', async () => {
    const tenant = uniqueTenant();
    const key = crypto.randomUUID();
    const res = await call('POST', APPS, { token: adminToken(tenant), body: { app_name: 's' }, headers: { 'idempotency-key': key } });
    const { doc, tableName } = testDb();
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: keys.idempotency(tenant, idempotencyKeyHash(key)) }));
    expect(Item).toMatchObject({ app_id: res.body.result.app_id });
    expect(Item?.result_sealed).toEqual(expect.any(String));
    const stored = JSON.stringify(Item);
    expect(stored).not.toContain(res.body.result.client_secret);
    expect(stored).not.toContain(key);
  });
});
