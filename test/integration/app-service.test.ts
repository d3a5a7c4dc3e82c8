/** The app service and repository against the real local DynamoDB: storage, claims, crash repair. */
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { AppRepository } from '../../shared/db/app-repository.ts';
import { CLAIM_GRACE_MS } from '../../shared/db/claims.ts';
import { keys } from '../../shared/db/keys.ts';
import { Conflict, IdempotencyInProgress } from '../../shared/errors.ts';
import { IDEMPOTENCY_LEASE_MS } from '../../shared/service/idempotency.ts';
import { IdempotentCreate } from '../../shared/service/idempotent-create.ts';
import { CreateAppBody, UpdateAppBody } from '../../shared/schemas/app.ts';
import { AppService } from '../../shared/service/app-service.ts';
import { hashSecret } from '../../shared/service/credentials.ts';
import { uniqueLabel, uniqueTenant } from '../fixtures/api.ts';
import { testDb } from '../fixtures/db.ts';

const { doc, tableName, repo } = testDb();
const service = new AppService(repo);
const createInput = (body: Record<string, unknown>) => v.parse(CreateAppBody, { app_name: 'app', ...body });
const updateInput = (body: Record<string, unknown>) => v.parse(UpdateAppBody, body);
const actor = () => ({ tenantId: uniqueTenant(), subject: 'tester' });

async function collection(tenantId: string, appId: string) {
  const { Items } = await doc.send(
    new QueryCommand({ TableName: tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': keys.collection(tenantId, appId) } }),
  );
  return Items ?? [];
}

const roleIdsIn = async (tenantId: string, appId: string) =>
  (await repo.listRoleAssignments(tenantId, appId)).map((item) => item.role_id).sort();

describe('storage', () => {
  it('writes one role assignment per role id and a client record holding only the secret hash', async () => {
    const who = actor();
    const { app, clientSecret } = await service.create(who, createInput({ first_client: { name: 'c', redirect_uris: [], role_ids: ['r1', 'r2'] } }));
    const items = await collection(who.tenantId, app.app_id);
    const client = items.find((item) => item.entity === 'Client');
    expect(client).toMatchObject({ client_id: app.client_id, client_secret_hash: hashSecret(clientSecret), tenant_id: who.tenantId });
    expect(JSON.stringify(items)).not.toContain(clientSecret);
    const roles = items.filter((item) => item.entity === 'RoleAssignment');
    expect(roles.map((r) => [r.SK, r.role_id, r.client_id, r.source])).toEqual([
      ['ROLE#r1', 'r1', app.client_id, 'first_client'],
      ['ROLE#r2', 'r2', app.client_id, 'first_client'],
    ]);
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: keys.app(who.tenantId, app.app_id) }));
    expect(JSON.stringify(Item)).not.toContain(clientSecret);
  });

  it('re-syncs role assignments on a new first_client, leaving other services\' assignments alone', async () => {
    const who = actor();
    const { app } = await service.create(who, createInput({ first_client: { name: 'c', redirect_uris: [], role_ids: ['keep', 'drop'] } }));
    await doc.send(new PutCommand({
      TableName: tableName,
      Item: { ...keys.role(who.tenantId, app.app_id, 'external'), entity: 'RoleAssignment', role_id: 'external', source: 'roles-service' },
    }));
    await service.update(who, app.app_id, updateInput({ first_client: { name: 'c2', redirect_uris: [], role_ids: ['keep', 'new'] } }));
    expect(await roleIdsIn(who.tenantId, app.app_id)).toEqual(['external', 'keep', 'new']);
    await service.update(who, app.app_id, updateInput({ app_name: 'no client change' }));
    expect(await roleIdsIn(who.tenantId, app.app_id)).toEqual(['external', 'keep', 'new']);
    await service.update(who, app.app_id, updateInput({ first_client: { name: 'c3', redirect_uris: [] } }));
    expect(await roleIdsIn(who.tenantId, app.app_id)).toEqual(['external']);
  });

  it('concurrent first_client updates converge: the assignments equal the final stored role_ids', async () => {
    const who = actor();
    const { app } = await service.create(who, createInput({}));
    const sets = [['a', 'b'], ['c'], ['d', 'e', 'f'], ['a'], ['g', 'h']];
    await Promise.all(sets.map((role_ids) => service.update(who, app.app_id, updateInput({ first_client: { name: 'c', redirect_uris: [], role_ids } }))));
    const stored = await repo.getApp(who.tenantId, app.app_id);
    expect(await roleIdsIn(who.tenantId, app.app_id)).toEqual([...(stored?.first_client.role_ids ?? [])].sort());
  });
});

describe('claims and crash repair', () => {
  const claimItem = (kind: 'subdomain' | 'custom_domain', value: string, owner: { tenant: string; appId: string }, ageMs: number) => ({
    ...keys.claim(kind, value), entity: 'Claim', kind, value, tenant_id: owner.tenant, app_id: owner.appId, app_version: 1,
    claimed_at: new Date(Date.now() - ageMs).toISOString(),
  });
  const putClaim = (item: Record<string, unknown>) => doc.send(new PutCommand({ TableName: tableName, Item: item }));

  it('a fresh orphan claim (a create still in flight) blocks; an old one is taken over', async () => {
    const [young, old] = [uniqueLabel('young'), uniqueLabel('old')];
    const ghost = { tenant: 'ghost-tenant', appId: '00000000000000000000000000' };
    await putClaim(claimItem('subdomain', young, ghost, 1_000));
    await putClaim(claimItem('subdomain', old, ghost, CLAIM_GRACE_MS + 1_000));
    await expect(service.create(actor(), createInput({ subdomain: young }))).rejects.toBeInstanceOf(Conflict);
    const { app } = await service.create(actor(), createInput({ subdomain: old }));
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: keys.claim('subdomain', old) }));
    expect(Item).toMatchObject({ app_id: app.app_id, tenant_id: app.tenant_id });
  });

  it('an old claim whose owner still names the value is never taken over', async () => {
    const who = actor();
    const domain = `${uniqueLabel('kept')}.example.com`;
    const { app } = await service.create(who, createInput({ custom_domain: domain }));
    await putClaim(claimItem('custom_domain', domain, { tenant: who.tenantId, appId: app.app_id }, CLAIM_GRACE_MS * 10));
    await expect(service.create(actor(), createInput({ custom_domain: domain }))).rejects.toMatchObject({ details: { ts_error_code: 'CUSTOM_DOMAIN_TAKEN' } });
  });

  it('an old claim left by an update that moved away (crash before release) is taken over', async () => {
    const who = actor();
    const [first, second] = [uniqueLabel('first'), uniqueLabel('second')];
    const { app } = await service.create(who, createInput({ subdomain: second }));
    // As if an update had claimed `first`, then crashed before writing the app.
    await putClaim(claimItem('subdomain', first, { tenant: who.tenantId, appId: app.app_id }, CLAIM_GRACE_MS + 1));
    await expect(service.create(actor(), createInput({ subdomain: first }))).resolves.toBeDefined();
  });

  it('a create that fails after claiming releases its claims and leaves no app', async () => {
    class CrashingRepository extends AppRepository {
      override async insertApp(): Promise<boolean> {
        throw new Error('simulated crash before the app item');
      }
    }
    const who = actor();
    const subdomain = uniqueLabel('crash');
    const crashing = new AppService(new CrashingRepository(doc, tableName));
    await expect(crashing.create(who, createInput({ subdomain }))).rejects.toThrow('simulated crash');
    expect((await service.list(who, 10)).apps).toEqual([]);
    await expect(service.create(actor(), createInput({ subdomain }))).resolves.toBeDefined();
  });

  it('delete releases the claims at once', async () => {
    const who = actor();
    const subdomain = uniqueLabel('gone');
    const { app } = await service.create(who, createInput({ subdomain }));
    await service.delete(who, app.app_id);
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: keys.claim('subdomain', subdomain) }));
    expect(Item).toBeUndefined();
  });
});

describe('idempotent create after a crash', () => {
  it('a retry within the lease is told to wait; after it, the same app is finished with the same secret', async () => {
    class CrashAfterCommit extends AppRepository {
      override async insertApp(app: Parameters<AppRepository['insertApp']>[0]): Promise<boolean> {
        await super.insertApp(app);
        throw new Error('simulated crash after the app item');
      }
    }
    const who = actor();
    const key = crypto.randomUUID();
    const input = createInput({ subdomain: uniqueLabel('idem-crash') });
    const crashing = new CrashAfterCommit(doc, tableName);
    await expect(new IdempotentCreate(new AppService(crashing), crashing.idempotency).create(who, input, key)).rejects.toThrow('simulated crash');
    // The app item was written, so its subdomain claim must have survived the failed call.
    await expect(service.create(actor(), createInput({ subdomain: input.subdomain }))).rejects.toBeInstanceOf(Conflict);

    const once = new IdempotentCreate(service, repo.idempotency);
    await expect(once.create(who, input, key)).rejects.toBeInstanceOf(IdempotencyInProgress);
    const later = () => new Date(Date.now() + IDEMPOTENCY_LEASE_MS + 1_000);
    const retried = await new IdempotentCreate(new AppService(repo, later), repo.idempotency, later).create(who, input, key);
    const apps = (await service.list(who, 10)).apps;
    expect(apps.map((a) => a.app_id)).toEqual([retried.app.app_id]);
    const client = (await collection(who.tenantId, retried.app.app_id)).find((item) => item.entity === 'Client');
    expect(client?.client_secret_hash).toBe(hashSecret(retried.clientSecret));
    // And from now on it replays. The committed app kept its subdomain claim throughout.
    await expect(once.create(who, input, key)).resolves.toEqual(retried);
    await expect(service.create(actor(), createInput({ subdomain: input.subdomain }))).rejects.toBeInstanceOf(Conflict);
  });
});

describe('listing', () => {
  it('caps an unpaged list at the limit and reports more', async () => {
    const who = actor();
    for (let i = 0; i < 4; i++) await service.create(who, createInput({ app_name: `n${i}` }));
    const first = await service.list(who, 3);
    expect(first.apps.map((a) => a.app_name)).toEqual(['n0', 'n1', 'n2']);
    expect(first.more).toBe(true);
    const rest = await service.list(who, 3, first.apps.at(-1)?.app_id);
    expect(rest.apps.map((a) => a.app_name)).toEqual(['n3']);
    expect(rest.more).toBe(false);
  });
});
