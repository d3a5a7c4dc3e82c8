/**
 * Client secrets (contract §9): one or two active, each value shown once and stored only as a hash,
 * rotation without downtime, every change moving the App's ETag. Over HTTP against the local runtime;
 * the client record is read with the storage contract's key literals.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { APPS, call, uniqueTenant } from '../fixtures/api.ts';
import { testDb } from '../fixtures/db.ts';
import { external, localOnly, NEEDS, whenLocal } from '../fixtures/target.ts';
import { adminToken, permissionsToken, runtime } from '../fixtures/tokens.ts';

/** The table, opened on first use: there is none to open when the suite tests a deployment. */
let opened: ReturnType<typeof testDb> | undefined;
const db = () => (opened ??= testDb());

async function create(tenant: string) {
  const res = await call('POST', APPS, { token: adminToken(tenant), body: { app_name: 'Rotating' } });
  expect(res.status).toBe(201);
  return res.body.result;
}

const read = (tenant: string, appId: string) => call('GET', `${APPS}/${appId}`, { token: adminToken(tenant) });
const addSecret = (tenant: string, appId: string, options: { headers?: Record<string, string>; body?: unknown; rawBody?: string } = {}) =>
  call('POST', `${APPS}/${appId}/secrets`, { token: adminToken(tenant), ...options });
const deleteSecret = (tenant: string, appId: string, secretId: string, headers: Record<string, string> = {}) =>
  call('DELETE', `${APPS}/${appId}/secrets/${secretId}`, { token: adminToken(tenant), headers });

/** The hash as the README's storage contract defines it, computed here rather than by the service's code. */
const sha256 = (secret: string) => `sha256:${createHash('sha256').update(secret).digest('base64url')}`;

/** The client record, read with the key literals of the storage contract. */
async function clientRecord(tenant: string, app: { app_id: string; client_id: string }) {
  const key = { PK: `TENANT#${encodeURIComponent(tenant)}#APP#${app.app_id}`, SK: `CLIENT#${app.client_id}` };
  return (await db().doc.send(new GetCommand({ TableName: db().tableName, Key: key, ConsistentRead: true }))).Item;
}

async function appItem(tenant: string, appId: string) {
  const key = { PK: `TENANT#${encodeURIComponent(tenant)}`, SK: `APP#${appId}` };
  return (await db().doc.send(new GetCommand({ TableName: db().tableName, Key: key, ConsistentRead: true }))).Item;
}

describe('the first secret', () => {
  localOnly(NEEDS.table).it('is made by create: listed by id and date, its value in the 201 only, stored as its hash', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    expect(app.client_secrets).toEqual([{ secret_id: expect.stringMatching(/^[0-9a-z]{24}$/), created_at: app.created_at }]);
    const { client_secret: secret, ...shown } = app;
    expect((await read(tenant, app.app_id)).body.result).toEqual(shown);
    const record = await clientRecord(tenant, app);
    expect(record?.client_secret_hashes).toEqual({
      [app.client_secrets[0].secret_id]: { hash: sha256(secret), created_at: app.created_at },
    });
    expect(JSON.stringify(record)).not.toContain(secret);
  });
});

describe('POST /v1/management/applications/{app_id}/secrets', () => {
  it('201 with the new secret once; then listed by id only; the ETag and updated_at move', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    const res = await addSecret(tenant, app.app_id);
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const added = res.body.result;
    expect(Object.keys(added).sort()).toEqual(['client_secret', 'created_at', 'secret_id']);
    expect(Buffer.from(added.client_secret, 'base64url')).toHaveLength(32);
    expect(added.client_secret).not.toBe(app.client_secret);

    const after = await read(tenant, app.app_id);
    expect(after.headers.get('etag')).toBe('"2"');
    expect(after.body.result.updated_at).toBe(added.created_at);
    expect(after.body.result.client_secrets).toEqual([...app.client_secrets, { secret_id: added.secret_id, created_at: added.created_at }]);
    const listed = await call('GET', APPS, { token: adminToken(tenant) });
    for (const shown of [after, listed]) {
      expect(shown.text).not.toContain(added.client_secret);
      expect(shown.text).not.toContain(app.client_secret);
    }
  });

  localOnly(NEEDS.table).it('stores only the hashes, in the client record; the App item holds neither a value nor a hash', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    const added = (await addSecret(tenant, app.app_id)).body.result;
    const record = await clientRecord(tenant, app);
    expect(record?.client_secret_hashes).toEqual({
      [app.client_secrets[0].secret_id]: { hash: sha256(app.client_secret), created_at: app.created_at },
      [added.secret_id]: { hash: sha256(added.client_secret), created_at: added.created_at },
    });
    const stored = JSON.stringify([record, await appItem(tenant, app.app_id)]);
    for (const secret of [app.client_secret, added.client_secret]) expect(stored).not.toContain(secret);
    expect(JSON.stringify(await appItem(tenant, app.app_id))).not.toContain('sha256:');
  });

  it('409 SECRET_LIMIT for a third active secret, and nothing changes', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    expect((await addSecret(tenant, app.app_id)).status).toBe(201);
    const before = await read(tenant, app.app_id);
    const recordBefore = external() ? undefined : await clientRecord(tenant, app);
    const third = await addSecret(tenant, app.app_id);
    expect(third.status).toBe(409);
    expect(third.body).toMatchObject({ error_code: 409, ts_error_code: 'SECRET_LIMIT' });
    const after = await read(tenant, app.app_id);
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    expect(after.body).toEqual(before.body);
    await whenLocal(async () => expect(await clientRecord(tenant, app)).toEqual(recordBefore));
  });

  it('takes no body: none or {} is fine, anything else is a 400 that changes nothing', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    const refused = [
      { body: { client_secret: 'mine' } },
      { body: [] },
      { body: { name: 'second' } },
      { rawBody: 'x', headers: { 'content-type': 'application/json' } },
    ];
    for (const options of refused) {
      const res = await addSecret(tenant, app.app_id, options);
      expect(res.status, JSON.stringify(options)).toBe(400);
      expect(res.body.error_code).toBe(400);
    }
    expect((await read(tenant, app.app_id)).headers.get('etag')).toBe('"1"');
    // No body (above), `{}` as JSON, or `{}` under any label: one new secret each.
    expect((await addSecret(tenant, app.app_id, { body: {} })).status).toBe(201);
    const other = await create(tenant);
    expect((await addSecret(tenant, other.app_id, { rawBody: ' { } ', headers: { 'content-type': 'text/plain' } })).status).toBe(201);
  });

  it('honours If-Match: 412 on a stale ETag and nothing changes; 201 on the current one', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    expect((await addSecret(tenant, app.app_id, { headers: { 'if-match': '"7"' } })).status).toBe(412);
    expect((await read(tenant, app.app_id)).body.result.client_secrets).toHaveLength(1);
    expect((await addSecret(tenant, app.app_id, { headers: { 'if-match': '"1"' } })).status).toBe(201);
  });
});

describe('DELETE /v1/management/applications/{app_id}/secrets/{secret_id}', () => {
  it('204 and the secret is gone (hash included); again 404; the ETag moves', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    const added = (await addSecret(tenant, app.app_id)).body.result;
    const res = await deleteSecret(tenant, app.app_id, added.secret_id);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    const after = await read(tenant, app.app_id);
    expect(after.headers.get('etag')).toBe('"3"');
    expect(after.body.result.client_secrets).toEqual(app.client_secrets);
    expect(Date.parse(after.body.result.updated_at)).toBeGreaterThanOrEqual(Date.parse(added.created_at));
    await whenLocal(async () =>
      expect(Object.keys((await clientRecord(tenant, app))?.client_secret_hashes)).toEqual([app.client_secrets[0].secret_id]),
    );

    const again = await deleteSecret(tenant, app.app_id, added.secret_id);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ message: 'Client secret not found', error_code: 404 });
  });

  it.each([
    ['an unknown secret id', '000000000000000000000000'],
    ['a malformed secret id', 'not-a-secret'],
    ['a key-like secret id', 'CLIENT%23x'],
  ])('404 for %s, and nothing changes', async (_, secretId) => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    await addSecret(tenant, app.app_id);
    const res = await deleteSecret(tenant, app.app_id, secretId);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: 'Client secret not found', error_code: 404 });
    expect((await read(tenant, app.app_id)).headers.get('etag')).toBe('"2"');
  });

  it('409 LAST_SECRET for the only active secret, and nothing changes', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    const res = await deleteSecret(tenant, app.app_id, app.client_secrets[0].secret_id);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error_code: 409, ts_error_code: 'LAST_SECRET' });
    const after = await read(tenant, app.app_id);
    expect(after.headers.get('etag')).toBe('"1"');
    expect(after.body.result.client_secrets).toEqual(app.client_secrets);
    await whenLocal(async () =>
      expect(Object.keys((await clientRecord(tenant, app))?.client_secret_hashes)).toEqual([app.client_secrets[0].secret_id]),
    );
  });

  it('honours If-Match: 412 on a stale ETag and nothing changes', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    const added = (await addSecret(tenant, app.app_id)).body.result;
    expect((await deleteSecret(tenant, app.app_id, added.secret_id, { 'if-match': '"1"' })).status).toBe(412);
    expect((await read(tenant, app.app_id)).body.result.client_secrets).toHaveLength(2);
    expect((await deleteSecret(tenant, app.app_id, added.secret_id, { 'if-match': '"2"' })).status).toBe(204);
  });
});

describe('rotation without downtime', () => {
  it('add a second secret, roll it out, delete the old one: both work in between, then only the new one', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    const oldId = app.client_secrets[0].secret_id;
    const fresh = (await addSecret(tenant, app.app_id)).body.result;
    // In between, the token endpoint accepts either secret: both hashes are in the client record.
    const hashes = async () => {
      const entries = Object.values((await clientRecord(tenant, app))?.client_secret_hashes ?? {}) as { hash: string }[];
      return entries.map((entry) => entry.hash);
    };
    await whenLocal(async () => expect((await hashes()).sort()).toEqual([sha256(app.client_secret), sha256(fresh.client_secret)].sort()));

    expect((await deleteSecret(tenant, app.app_id, oldId)).status).toBe(204);
    await whenLocal(async () => expect(await hashes()).toEqual([sha256(fresh.client_secret)]));
    const after = (await read(tenant, app.app_id)).body.result;
    expect(after.client_secrets).toEqual([{ secret_id: fresh.secret_id, created_at: fresh.created_at }]);
    expect(after.client_id).toBe(app.client_id);
    // The limit counts active secrets: the next rotation can start at once.
    expect((await addSecret(tenant, app.app_id)).status).toBe(201);
  });

  it('an update (even one replacing first_client) keeps the secrets', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    const fresh = (await addSecret(tenant, app.app_id)).body.result;
    const put = await call('PUT', `${APPS}/${app.app_id}`, {
      token: adminToken(tenant),
      body: { app_name: 'Renamed', first_client: { name: 'new', redirect_uris: [] } },
    });
    expect(put.status).toBe(200);
    const ids = [app.client_secrets[0].secret_id, fresh.secret_id];
    expect(put.body.result.client_secrets.map((s: { secret_id: string }) => s.secret_id)).toEqual(ids);
    await whenLocal(async () =>
      expect(Object.keys((await clientRecord(tenant, app))?.client_secret_hashes).sort()).toEqual([...ids].sort()),
    );
  });
});

describe('who may change secrets', () => {
  it("another tenant's app is a 404 on both routes, and it is untouched", async () => {
    const [owner, stranger] = [uniqueTenant('a'), uniqueTenant('b')];
    const app = await create(owner);
    const added = (await addSecret(owner, app.app_id)).body.result;
    const add = await addSecret(stranger, app.app_id);
    expect(add.status).toBe(404);
    expect(add.body).toEqual({ message: 'Application not found', error_code: 404 });
    const remove = await deleteSecret(stranger, app.app_id, added.secret_id);
    expect(remove.status).toBe(404);
    expect(remove.body).toEqual({ message: 'Application not found', error_code: 404 });
    const after = await read(owner, app.app_id);
    expect(after.headers.get('etag')).toBe('"2"');
    expect(after.body.result.client_secrets).toHaveLength(2);
  });

  it('404 Application not found for an unknown or malformed app id', async () => {
    const tenant = uniqueTenant();
    const notFound = { message: 'Application not found', error_code: 404 };
    for (const appId of ['01m8c9a932zdsepkhrpqvj03dn', 'not-an-id', 'APP%231']) {
      expect((await addSecret(tenant, appId)).body, appId).toEqual(notFound);
      expect((await deleteSecret(tenant, appId, '000000000000000000000000')).body, appId).toEqual(notFound);
    }
  });

  it('apps:read alone is a 403 on both routes; apps:edit alone is enough', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    const readOnly = permissionsToken(tenant, ['apps:read', 'apps:create', 'apps:delete']);
    // Locally the grant comes as a scope, the form an OAuth client credential carries.
    const editor = permissionsToken(tenant, ['apps:edit'], { permissions: undefined, scope: 'apps:edit' });
    const paths: [string, string][] = [
      ['POST', `${APPS}/${app.app_id}/secrets`],
      ['DELETE', `${APPS}/${app.app_id}/secrets/${app.client_secrets[0].secret_id}`],
    ];
    for (const [method, path] of paths) {
      const res = await call(method, path, { token: readOnly });
      expect(res.status, method).toBe(403);
      expect(res.body).toEqual({ message: 'Missing permission: apps:edit', error_code: 403 });
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="apps:edit"');
      expect((await call(method, path)).status, method).toBe(401);
    }
    expect((await read(tenant, app.app_id)).headers.get('etag')).toBe('"1"');
    const added = await call('POST', `${APPS}/${app.app_id}/secrets`, { token: editor });
    expect(added.status).toBe(201);
    expect((await call('DELETE', `${APPS}/${app.app_id}/secrets/${app.client_secrets[0].secret_id}`, { token: editor })).status).toBe(204);
  });
});

localOnly(NEEDS.log).describe('secrets in logs', () => {
  it('a new secret is in no log line', async () => {
    const tenant = uniqueTenant();
    const app = await create(tenant);
    const res = await addSecret(tenant, app.app_id);
    const requestId = res.headers.get('x-request-id') ?? 'missing';
    let log = readFileSync(runtime().logFile, 'utf8');
    for (const deadline = Date.now() + 10_000; !log.includes(requestId) && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      log = readFileSync(runtime().logFile, 'utf8');
    }
    const line = log.split('\n').find((entry) => entry.includes(requestId));
    expect(JSON.parse(line ?? '{}')).toMatchObject({
      route: 'POST /v1/management/applications/{app_id}/secrets',
      status: 201,
      app_id: app.app_id,
    });
    expect(log).not.toContain(res.body.result.client_secret);
  });
});
