/**
 * `npm start -- --bundled` for real: the CDK app synthesized with bundling (once per run, the slow part), every
 * function from its esbuild bundle in instances of its own. The API's whole life cycle and the cleanup
 * on the stream run through the template's routes and functions, with Lambda's log lines and each
 * function held to its role's policy on the local DynamoDB; a request over Lambda's 6 MB invoke limit is
 * answered by the gateway.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../infra/local/jwt-sign.ts';
import { freshAssembly } from '../fixtures/fresh-assembly.ts';
import { makeTestKey } from '../fixtures/keys.ts';

const ISSUER = 'https://issuer.bundled.test.example';
const TABLE = 'bundled-test-table';

describe('npm start -- --bundled', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mgmt-apps-bundled-'));
  const key = makeTestKey('bundled-key');
  let child: ChildProcess;
  let output = '';
  let api = '';

  const token = () => {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(
      { iss: ISSUER, aud: 'userid-api', sub: 'user-1', tid: 'tenant-b', role: 'Admin', iat: now, exp: now + 600 },
      key.privateKeyPem,
      key.kid,
    );
  };
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    // The run's one synth (or the project's fresh cdk.out), placed where a previous bundle-mode start on
    // this DATA_DIR would have left it: the start takes the reuse path, as it does after `npm run synth`.
    cpSync(await freshAssembly(), join(dataDir, 'cdk.out'), { recursive: true });
    const jwksFile = join(dataDir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [key.publicJwk] }));
    child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts', '--bundled'], {
      env: {
        ...process.env,
        PORT: '0',
        DYNAMODB_PORT: '0',
        DATA_DIR: dataDir,
        TABLE_NAME: TABLE,
        JWT_ISSUER: ISSUER,
        JWT_JWKS_FILE: jwksFile,
      },
    });
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    while (!/API\s+http:\/\/127\.0\.0\.1:\d+\//.test(output)) {
      if (child.exitCode !== null) throw new Error(`bundle mode did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    api = /API\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1] as string;
  }, 250_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says which mode it runs and which assembly it used', () => {
    expect(output).toMatch(/bundle mode: (synthesizing|reusing) /);
    expect(output).toContain('Mode         bundled: createApp, readApps, updateApp, deleteApp, cleanupApp');
  });

  it('serves create, list, get, update and delete from the bundles, and the cleanup runs on the stream', async () => {
    const created = await call('POST', '/v1/management/applications', { app_name: 'bundled app' });
    expect(created.status).toBe(201);
    const app = ((await created.json()) as { result: { app_id: string } }).result;

    const listed = (await (await call('GET', '/v1/management/applications')).json()) as { result: { app_id: string }[] };
    expect(listed.result.map((a) => a.app_id)).toContain(app.app_id);
    expect((await call('GET', `/v1/management/applications/${app.app_id}`)).status).toBe(200);
    const updated = await call('PUT', `/v1/management/applications/${app.app_id}`, { app_name: 'renamed bundled app' });
    expect(((await updated.json()) as { result: { app_name: string } }).result.app_name).toBe('renamed bundled app');
    expect((await call('DELETE', `/v1/management/applications/${app.app_id}`)).status).toBe(204);
    expect((await call('GET', `/v1/management/applications/${app.app_id}`)).status).toBe(404);

    // The cleanup function (1024 MB in the template) ran on the removal and logged its work; its REPORT
    // line comes once its invocation has returned, after the handler's own lines.
    const cleanupReport =
      /^REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 1024 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms$/m;
    await expect.poll(() => cleanupReport.test(output), { timeout: 20_000 }).toBe(true);
    expect(output.split('\n').some((line) => line.includes('"removed app collection"') && line.includes(app.app_id))).toBe(true);
    // Four API functions and the cleanup: five cold starts; every later invocation reused an instance.
    const reports = output.split('\n').filter((line) => line.startsWith('REPORT '));
    expect(reports.length).toBeGreaterThanOrEqual(7);
    expect(reports.filter((line) => line.includes('Init Duration'))).toHaveLength(5);
  });

  it("holds each function's access key to its role's policy on the local DynamoDB endpoint", async () => {
    const endpoint = /DynamoDB\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    const as = (accessKeyId: string) =>
      new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId, secretAccessKey: 'x' } });
    const key = { PK: { S: 'TENANT#iam-probe' }, SK: { S: 'PROBE#1' } };
    // readApps' role grants Query and GetItem only.
    await expect(as('readApps').send(new PutItemCommand({ TableName: TABLE, Item: key }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(as('readApps').send(new GetItemCommand({ TableName: TABLE, Key: key }))).resolves.toBeDefined();
    // Any other key (a person's CLI, a test) is unrestricted.
    await expect(as('someone').send(new PutItemCommand({ TableName: TABLE, Item: key }))).resolves.toBeDefined();
  });

  it("answers a request over Lambda's 6 MB invoke limit itself, 413", async () => {
    const starts = output.split('\n').filter((line) => line.startsWith('START ')).length;
    const res = await fetch(`${api}/v1/management/applications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ app_name: 'x'.repeat(6_300_000) }),
    });
    expect(res.status).toBe(413);
    expect(output.split('\n').filter((line) => line.startsWith('START ')).length).toBe(starts);
  });
});
