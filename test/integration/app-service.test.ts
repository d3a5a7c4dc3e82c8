/** The app service and repository against the real local DynamoDB: storage, claims, transactions. */
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { ensureTable } from '../../infra/local/dynamodb.ts';
import { AppRepository } from '../../shared/db/app-repository.ts';
import { keys } from '../../shared/db/keys.ts';
import { Conflict, InvalidRequest } from '../../shared/errors.ts';
import { CreateAppBody, UpdateAppBody } from '../../shared/schemas/app.ts';
import { AppService, newCreatePlan } from '../../shared/service/app-service.ts';
import { hashSecret } from '../../shared/service/credentials.ts';
import { idempotencyKeyHash } from '../../shared/service/idempotency.ts';
import { IdempotentCreate } from '../../shared/service/idempotent-create.ts';
import { uniqueLabel, uniqueTenant } from '../fixtures/api.ts';
import { collectionKey, testDb } from '../fixtures/db.ts';
import { runtime } from '../fixtures/tokens.ts';

const { doc, tableName, repo } = testDb();
const service = new AppService(repo);
const createInput = (body: Record<string, unknown>) => v.parse(CreateAppBody, { app_name: 'app', ...body });
const updateInput = (body: Record<string, unknown>) => v.parse(UpdateAppBody, body);
const actor = () => ({ tenantId: uniqueTenant(), subject: 'tester' });

async function collection(tenantId: string, appId: string) {
  const { Items } = await doc.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': collectionKey(tenantId, appId) },
    }),
  );
  return Items ?? [];
}

/** Role ids assigned to the app, read with the key literals of the storage contract (README). */
async function roleIdsIn(tenantId: string, appId: string): Promise<string[]> {
  const { Items } = await doc.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :role)',
      ConsistentRead: true,
      ExpressionAttributeValues: { ':pk': `TENANT#${tenantId}#APP#${appId}`, ':role': 'ROLE#' },
    }),
  );
  return (Items ?? []).map((item) => String(item.role_id)).sort();
}

describe('storage', () => {
  it('writes one role assignment per role id and a client record holding only the secret hash', async () => {
    const who = actor();
    const { app, clientSecret } = await service.create(
      who,
      createInput({ first_client: { name: 'c', redirect_uris: [], role_ids: ['r1', 'r2'] } }),
    );
    const items = await collection(who.tenantId, app.app_id);
    const client = items.find((item) => item.entity === 'Client');
    expect(client).toMatchObject({
      client_id: app.client_id,
      tenant_id: who.tenantId,
      client_secret_hashes: { [app.client_secrets[0].secret_id]: { hash: hashSecret(clientSecret), created_at: app.created_at } },
    });
    expect(JSON.stringify(items)).not.toContain(clientSecret);
    const roles = items.filter((item) => item.entity === 'RoleAssignment');
    expect(roles.map((r) => [r.SK, r.role_id, r.client_id, r.source])).toEqual([
      ['ROLE#r1', 'r1', app.client_id, 'first_client'],
      ['ROLE#r2', 'r2', app.client_id, 'first_client'],
    ]);
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: keys.app(who.tenantId, app.app_id) }));
    expect(JSON.stringify(Item)).not.toContain(clientSecret);
  });

  it("re-syncs role assignments on a new first_client, leaving other services' assignments alone", async () => {
    const who = actor();
    const { app } = await service.create(who, createInput({ first_client: { name: 'c', redirect_uris: [], role_ids: ['keep', 'drop'] } }));
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...keys.role(who.tenantId, app.app_id, 'external'),
          entity: 'RoleAssignment',
          role_id: 'external',
          source: 'roles-service',
        },
      }),
    );
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
    await Promise.all(
      sets.map((role_ids) => service.update(who, app.app_id, updateInput({ first_client: { name: 'c', redirect_uris: [], role_ids } }))),
    );
    const stored = await repo.getApp(who.tenantId, app.app_id);
    expect(await roleIdsIn(who.tenantId, app.app_id)).toEqual([...(stored?.first_client.role_ids ?? [])].sort());
  });
});

describe('claims: one transaction with the app', () => {
  const claimOf = async (kind: 'SUBDOMAIN' | 'DOMAIN', value: string) =>
    (await doc.send(new GetCommand({ TableName: tableName, Key: { PK: `${kind}#${value}`, SK: 'CLAIM' }, ConsistentRead: true }))).Item;

  it('a create refused on one claim writes nothing: not the other claim, the app or its collection', async () => {
    const who = actor();
    const [free, taken] = [uniqueLabel('free'), `${uniqueLabel('taken')}.example.com`];
    await service.create(actor(), createInput({ custom_domain: taken }));
    const plan = newCreatePlan(new Date());
    const attempt = service.create(
      who,
      createInput({ subdomain: free, custom_domain: taken, first_client: { name: 'c', redirect_uris: [], role_ids: ['r1'] } }),
      plan,
    );
    await expect(attempt).rejects.toMatchObject({ details: { ts_error_code: 'CUSTOM_DOMAIN_TAKEN' } });
    expect(await claimOf('SUBDOMAIN', free)).toBeUndefined();
    expect((await service.list(who, 10)).apps).toEqual([]);
    const { Count } = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': `TENANT#${who.tenantId}#APP#${plan.appId}` },
        Select: 'COUNT',
      }),
    );
    expect(Count).toBe(0);
  });

  it('an update moves a claim: the new value is held, the old one is free at once', async () => {
    const who = actor();
    const [first, second] = [uniqueLabel('first'), uniqueLabel('second')];
    const { app } = await service.create(who, createInput({ subdomain: first }));
    await service.update(who, app.app_id, updateInput({ subdomain: second }));
    expect(await claimOf('SUBDOMAIN', second)).toMatchObject({ tenant_id: who.tenantId, app_id: app.app_id });
    expect(await claimOf('SUBDOMAIN', first)).toBeUndefined();
    await expect(service.create(actor(), createInput({ subdomain: first }))).resolves.toBeDefined();
  });

  it('an update refused on a taken value changes nothing: not the app, not its old claim', async () => {
    const who = actor();
    const [mine, theirs] = [uniqueLabel('mine'), uniqueLabel('theirs')];
    const { app } = await service.create(who, createInput({ subdomain: mine }));
    await service.create(actor(), createInput({ subdomain: theirs }));
    await expect(service.update(who, app.app_id, updateInput({ subdomain: theirs, app_name: 'renamed' }))).rejects.toMatchObject({
      details: { ts_error_code: 'SUBDOMAIN_TAKEN' },
    });
    expect(await repo.getApp(who.tenantId, app.app_id)).toMatchObject({ version: 1, app_name: 'app', subdomain: mine });
    expect(await claimOf('SUBDOMAIN', mine)).toMatchObject({ app_id: app.app_id });
  });

  it('a claim another writer took from the app is left alone when the app moves away or is deleted', async () => {
    const who = actor();
    const [first, second] = [uniqueLabel('first'), uniqueLabel('second')];
    const { app } = await service.create(who, createInput({ subdomain: first }));
    const stranger = { PK: `SUBDOMAIN#${first}`, SK: 'CLAIM', entity: 'Claim', tenant_id: 'someone-else', app_id: 'another-app' };
    await doc.send(new PutCommand({ TableName: tableName, Item: stranger }));
    await service.update(who, app.app_id, updateInput({ subdomain: second }));
    expect(await claimOf('SUBDOMAIN', first)).toMatchObject({ tenant_id: 'someone-else' });
    await doc.send(new PutCommand({ TableName: tableName, Item: { ...stranger, PK: `SUBDOMAIN#${second}` } }));
    await service.delete(who, app.app_id);
    expect(await repo.getApp(who.tenantId, app.app_id)).toBeUndefined();
    expect(await claimOf('SUBDOMAIN', second)).toMatchObject({ tenant_id: 'someone-else' });
  });

  it('delete releases the claims at once and leaves a cleanup marker', async () => {
    const who = actor();
    const subdomain = uniqueLabel('gone');
    const { app } = await service.create(who, createInput({ subdomain }));
    await service.delete(who, app.app_id);
    expect(await claimOf('SUBDOMAIN', subdomain)).toBeUndefined();
    const marker = await doc.send(
      new GetCommand({ TableName: tableName, Key: { PK: 'CLEANUP', SK: `TENANT#${who.tenantId}#APP#${app.app_id}` } }),
    );
    expect(marker.Item).toMatchObject({ tenant_id: who.tenantId, app_id: app.app_id });
  });

  it('a delete that read the app before an update claimed a value deletes that claim too', async () => {
    // A table of its own: the runtime's stream cleanup (which would free the value a second later) follows the main table only.
    const table = `stale-delete-${process.pid}`;
    await ensureTable(runtime().dynamoEndpoint, table);
    const who = actor();
    const added = uniqueLabel('late');
    const plain = new AppService(new AppRepository(doc, table));
    const { app } = await plain.create(who, createInput({}));
    let raced = false;
    class UpdatedInBetween extends AppRepository {
      override async deleteApp(...args: Parameters<AppRepository['deleteApp']>): Promise<void> {
        if (!raced) {
          raced = true; // between the delete's read and its transaction, another request adds a subdomain
          await plain.update(who, app.app_id, updateInput({ subdomain: added }));
        }
        return super.deleteApp(...args);
      }
    }
    await new AppService(new UpdatedInBetween(doc, table)).delete(who, app.app_id);
    expect(raced).toBe(true);
    const left = await doc.send(new GetCommand({ TableName: table, Key: { PK: `SUBDOMAIN#${added}`, SK: 'CLAIM' }, ConsistentRead: true }));
    expect(left.Item).toBeUndefined();
  });

  it('an update that would pass 100 actions is refused whole, before anything is written', async () => {
    const who = actor();
    const ids = (prefix: string) => Array.from({ length: 50 }, (_, i) => `${prefix}${i}`);
    const { app } = await service.create(
      who,
      createInput({
        subdomain: uniqueLabel('a'),
        custom_domain: `${uniqueLabel('a')}.example.com`,
        first_client: { name: 'c', redirect_uris: [], role_ids: ids('old') },
      }),
    );
    const swap = updateInput({
      subdomain: uniqueLabel('b'),
      custom_domain: `${uniqueLabel('b')}.example.com`,
      first_client: { name: 'c', redirect_uris: [], role_ids: ids('new') },
    });
    await expect(service.update(who, app.app_id, swap)).rejects.toBeInstanceOf(InvalidRequest);
    await expect(service.update(who, app.app_id, swap)).rejects.toMatchObject({ details: { errors: [{ path: 'first_client.role_ids' }] } });
    expect(await repo.getApp(who.tenantId, app.app_id)).toMatchObject({ version: 1 });
    // 1 App + 50 + 50 role changes + 2 claims + 2 releases = 105 actions above; a role swap alone of 47 fits (1 + 47 + 47).
    const fits = updateInput({
      first_client: { name: 'c', redirect_uris: [], role_ids: [...ids('old').slice(0, 3), ...ids('new').slice(0, 47)] },
    });
    await expect(service.update(who, app.app_id, fits)).resolves.toMatchObject({ version: 2 });
    expect(await roleIdsIn(who.tenantId, app.app_id)).toEqual([...ids('old').slice(0, 3), ...ids('new').slice(0, 47)].sort());
  });
});

describe('idempotent create: the record is written with the app', () => {
  const creator = (clock?: () => Date) => new IdempotentCreate(new AppService(repo, clock), repo.idempotency, clock);

  it('a create refused on a claim leaves the key free: the corrected retry creates', async () => {
    const who = actor();
    const key = crypto.randomUUID();
    const taken = uniqueLabel('taken');
    await service.create(actor(), createInput({ subdomain: taken }));
    await expect(creator().create(who, createInput({ subdomain: taken }), key)).rejects.toBeInstanceOf(Conflict);
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: keys.idempotency(who.tenantId, idempotencyKeyHash(key)) }));
    expect(Item).toBeUndefined();
    await expect(creator().create(who, createInput({ subdomain: uniqueLabel('free') }), key)).resolves.toBeDefined();
  });

  it('concurrent requests with one key make one app, and every caller gets its 201', async () => {
    const who = actor();
    const key = crypto.randomUUID();
    const input = createInput({ subdomain: uniqueLabel('idem') });
    const results = await Promise.all(Array.from({ length: 8 }, () => creator().create(who, input, key)));
    const apps = (await service.list(who, 10)).apps;
    expect(apps).toHaveLength(1);
    for (const result of results) expect(result).toEqual(results[0]);
    expect(results[0]?.app.app_id).toBe(apps[0]?.app_id);
  });

  it('a record past its expiry (TTL deletion lags) is replaced by a new create', async () => {
    const who = actor();
    const key = crypto.randomUUID();
    const input = createInput({});
    const first = await creator().create(who, input, key);
    const later = () => new Date(Date.now() + 25 * 60 * 60 * 1000);
    const second = await creator(later).create(who, input, key);
    expect(second.app.app_id).not.toBe(first.app.app_id);
    await expect(creator(later).create(who, input, key)).resolves.toEqual(second);
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

  it("lists in created_at order: an app id's time prefix is its created_at", async () => {
    // A clock that moves on at every reading: an id and a created_at read at two instants would disagree.
    let tick = Date.UTC(2026, 0, 1);
    const ticking = new AppService(repo, () => {
      tick += 7;
      return new Date(tick);
    });
    const who = actor();
    for (let i = 0; i < 3; i++) await ticking.create(who, createInput({ app_name: `t${i}` }));
    const { apps } = await service.list(who, 10);
    expect(apps.map((a) => a.created_at)).toEqual(['2026-01-01T00:00:00.007Z', '2026-01-01T00:00:00.014Z', '2026-01-01T00:00:00.021Z']);
  });
});
