/**
 * A list page of large apps stops reading DynamoDB once its body is full (contract §5): a Query page
 * holds at most 1 MB, so reading all of an unpaged page's 1,001 apps of ~64 KiB would cost a Query
 * per ~16 apps for apps the body cannot hold. The real repository and list body against a local
 * DynamoDB of this test's own, whose requests it counts.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, type LocalDynamo, localDynamoClient, startLocalDynamo } from '../../infra/local/dynamodb.ts';
import { AppRepository } from '../../shared/db/app-repository.ts';
import { batchWrite } from '../../shared/db/batch-write.ts';
import { ListBody } from '../../shared/http/list-body.ts';

const TABLE = 'list-reads';
const TENANT = 'large-tenant';
let dynamo: LocalDynamo;
let repo: AppRepository;

/** An App item of ~64 KiB, with its keys spelled out as the storage contract has them. */
function largeApp(i: number) {
  const appId = `0${String(i).padStart(3, '0')}${'a'.repeat(22)}`;
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
  return {
    PK: `TENANT#${TENANT}`,
    SK: `APP#${appId}`,
    entity: 'App',
    app_id: appId,
    tenant_id: TENANT,
    version: 1,
    app_name: `large ${i}`,
    invite_member_email_expiration_minutes: 2880,
    client_id: `client-${i}`,
    client_secrets: [{ secret_id: `secret-${i}`, created_at: at }],
    first_client: {
      authentication_protocol: 'oidc',
      name: 'c',
      redirect_uris: Array.from({ length: 20 }, (_, k) => `https://cb-${k}.example.com/${'x'.repeat(2020)}`),
      resources: Array.from({ length: 50 }, (_, k) => `resource-${k}-`.padEnd(256, 'r')),
      allowed_scopes: Array.from({ length: 34 }, (_, k) => `scope-${k}-`.padEnd(256, 's')),
    },
    created_at: at,
    created_by: 'seed',
    updated_at: at,
  };
}

beforeAll(async () => {
  dynamo = await startLocalDynamo({ port: 0 });
  await ensureTable(dynamo.endpoint, TABLE);
  const doc = DynamoDBDocumentClient.from(localDynamoClient(dynamo.endpoint));
  repo = new AppRepository(doc, TABLE);
  await batchWrite(
    doc,
    TABLE,
    Array.from({ length: 100 }, (_, i) => ({ PutRequest: { Item: largeApp(i) } })),
  );
});
afterAll(() => dynamo.close());

describe('a list page of large apps', () => {
  it('stops reading once the body is full: 5 Queries, where reading all 100 apps takes 6', async () => {
    const before = dynamo.capture.requestCounts();
    const body = new ListBody();
    const page = await repo.listApps(TENANT, { limit: 1000, fits: (app) => body.add(app) });
    expect(dynamo.capture.requestCounts(before)).toEqual({ Query: 5 });
    expect(page.more).toBe(true);
    expect(page.apps.length).toBeGreaterThan(70);
    expect(page.apps.length).toBeLessThan(80);
    expect(Buffer.byteLength(body.text('x'.repeat(100)))).toBeLessThan(5_000_000);
  });

  it('the next page starts after the last app taken and reads the rest', async () => {
    const body = new ListBody();
    const first = await repo.listApps(TENANT, { limit: 1000, fits: (app) => body.add(app) });
    const before = dynamo.capture.requestCounts();
    const rest = await repo.listApps(TENANT, { limit: 1000, after: first.apps.at(-1)?.app_id, fits: () => true });
    expect([...first.apps, ...rest.apps].map((app) => app.app_name)).toEqual(Array.from({ length: 100 }, (_, i) => `large ${i}`));
    expect(rest.more).toBe(false);
    expect(dynamo.capture.requestCounts(before).Query).toBeLessThanOrEqual(2);
  });
});
