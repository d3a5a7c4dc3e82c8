/**
 * `npm start` and `npm run token` as a newcomer uses them: a second runtime in its own folder, started
 * and stopped for real (data kept across a restart, SIGTERM exits 0, a busy port is one clear line).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../shared/auth/verifier.ts';
import { DEV_ISSUER, devIssuerFiles } from '../../infra/local/dev-issuer.ts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDynamoClient } from '../../infra/local/dynamodb.ts';
import { collectionSize } from '../fixtures/db.ts';
import { spawnRuntime, type SpawnedRuntime } from '../fixtures/spawn-runtime.ts';
import { runtime } from '../fixtures/tokens.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'mgmt-apps-newcomer-'));
// As a newcomer's shell has it: no test-only settings (the test workers silence their loggers).
const env = { ...process.env, DATA_DIR: dataDir, PORT: '0', DYNAMODB_PORT: '0', JWT_ISSUER: '', JWT_JWKS_FILE: '', POWERTOOLS_LOG_LEVEL: 'INFO' };
const children: ChildProcess[] = [];

async function start(extraEnv: Record<string, string> = {}): Promise<SpawnedRuntime> {
  const started = await spawnRuntime({ ...env, ...extraEnv });
  children.push(started.child);
  return started;
}

const stop = (child: ChildProcess, signal: NodeJS.Signals) =>
  new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });

const token = async (...args: string[]) =>
  (await promisify(execFile)(process.execPath, ['--import', 'tsx', 'infra/local/token.ts', ...args], { env })).stdout.trim();

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('the local runtime as a newcomer runs it', () => {
  it('prints its endpoints, serves dev tokens, keeps data across a restart and stops cleanly', { timeout: 60_000 }, async () => {
    const first = await start();
    expect(first.output()).toMatch(/DynamoDB\s+http:\/\/127\.0\.0\.1:\d+\s+table "management-apps"/);
    expect(first.output()).toContain('npm run token -- --tenant acme --admin');
    const admin = await token('--tenant', 'acme', '--admin');
    const created = await fetch(`${first.baseUrl}/v1/management/applications`, {
      method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: '{"app_name":"kept"}',
    });
    expect(created.status).toBe(201);
    expect(await stop(first.child, 'SIGTERM')).toBe(0);
    expect(first.output()).toContain('SIGTERM: stopping; data kept');

    const second = await start();
    const listed = await fetch(`${second.baseUrl}/v1/management/applications`, { headers: { authorization: `Bearer ${admin}` } });
    expect(((await listed.json()) as { result: { app_name: string }[] }).result.map((a) => a.app_name)).toEqual(['kept']);
    expect(await stop(second.child, 'SIGINT')).toBe(0);
  });

  it('a runtime killed before the cleanup ran delivers the REMOVE after its restart (durable stream)', { timeout: 60_000 }, async () => {
    const first = await start();
    const admin = await token('--tenant', 'durable', '--admin');
    const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
    const created = await fetch(`${first.baseUrl}/v1/management/applications`, {
      method: 'POST', headers, body: JSON.stringify({ app_name: 'd', first_client: { name: 'c', redirect_uris: [], role_ids: ['a', 'b'] } }),
    });
    const app = ((await created.json()) as { result: { app_id: string } }).result;
    const deleted = await fetch(`${first.baseUrl}/v1/management/applications/${app.app_id}`, { method: 'DELETE', headers });
    expect(deleted.status).toBe(204);
    // Within the 1 s batching window the REMOVE is recorded but not yet handled: kill without warning.
    expect(await stop(first.child, 'SIGKILL')).toBeNull();

    const second = await start();
    try {
      const doc = DynamoDBDocumentClient.from(localDynamoClient(second.dynamoEndpoint));
      const deadline = Date.now() + 30_000;
      let size = await collectionSize(doc, 'management-apps', 'durable', app.app_id);
      expect(size).toBeGreaterThan(0); // the kill really came before the cleanup
      while ((size > 0 || !second.output().includes('removed app collection')) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        size = await collectionSize(doc, 'management-apps', 'durable', app.app_id);
      }
      expect(size).toBe(0);
      expect(second.output()).toContain('removed app collection');
    } finally {
      expect(await stop(second.child, 'SIGTERM')).toBe(0);
    }
  });

  it('npm run token signs with the dev key in DATA_DIR, with the claims asked for', async () => {
    const jwt = await token('--tenant', 'globex', '--permissions', 'apps:read,apps:edit', '--sub', 'bob', '--expires-in', '120');
    const verifier = createTokenVerifier({ issuers: [DEV_ISSUER], audience: 'userid-api', jwksFile: devIssuerFiles(dataDir).jwks });
    const claims = await verifier.verify(jwt);
    expect(claims).toMatchObject({ iss: DEV_ISSUER, aud: 'userid-api', tid: 'globex', sub: 'bob', permissions: ['apps:read', 'apps:edit'] });
    expect((claims.exp as number) - (claims.iat as number)).toBe(120);
    expect(claims).not.toHaveProperty('role');
    await expect(token('--admin')).rejects.toThrow(/--tenant is required/);
  });

  it('refuses dev tokens when another issuer is configured (the test runtime trusts only the test issuer)', async () => {
    const jwt = await token('--tenant', 'acme', '--admin');
    const res = await fetch(`${runtime().baseUrl}/v1/management/applications`, { headers: { authorization: `Bearer ${jwt}` } });
    expect(res.status).toBe(401);
  });

  it('says in one line that a port is busy, and exits 1', async () => {
    const busy = new URL(runtime().baseUrl).port;
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], { env: { ...env, PORT: busy } });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(`Port ${busy} is already in use: stop what holds it, or set PORT to another port.`);
  });
});
