/**
 * `npm start` and `npm run token` as a newcomer uses them: a second runtime in its own folder, started
 * and stopped for real (data kept across a restart, SIGTERM exits 0). A mistake a person can fix (a busy
 * port, a bad JWKS file, an unusable or shared DATA_DIR, a bad token option) is one clear line and exit 1.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_ISSUER, devIssuerFiles, devTokenHint, ensureDevIssuer } from '../../infra/local/dev-issuer.ts';
import { localDynamoClient } from '../../infra/local/dynamodb.ts';
import { createTokenVerifier } from '../../shared/auth/verifier.ts';
import { collectionSize } from '../fixtures/db.ts';
import { makeTestKey } from '../fixtures/keys.ts';
import { type SpawnedRuntime, spawnRuntime } from '../fixtures/spawn-runtime.ts';
import { localOnly, NEEDS } from '../fixtures/target.ts';
import { runtime } from '../fixtures/tokens.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'mgmt-apps-newcomer-'));
// As a newcomer's shell has it: no test-only settings (the test workers silence their loggers).
const env = {
  ...process.env,
  DATA_DIR: dataDir,
  PORT: '0',
  DYNAMODB_PORT: '0',
  JWT_ISSUER: '',
  JWT_JWKS_FILE: '',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};
const children: ChildProcess[] = [];
/** Every folder the tests made, removed at the end. */
const folders = [dataDir];

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

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A command that must fail: its exit code and what it printed. */
async function failing(args: string[], extraEnv: Record<string, string> = {}): Promise<Finished> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...env, ...extraEnv } });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  // 'close', not 'exit': by then everything it printed has been read.
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}

/** `npm start` that must refuse to start: exit 1 and exactly one line on stderr, which is returned. */
async function refusedStart(extraEnv: Record<string, string>): Promise<string> {
  const { code, stderr } = await failing(['infra/local/start.ts'], extraEnv);
  expect(code).toBe(1);
  expect(stderr.trim().split('\n'), stderr).toHaveLength(1);
  return stderr.trim();
}

function freshFolder(name: string): string {
  const folder = mkdtempSync(join(tmpdir(), `mgmt-apps-${name}-`));
  folders.push(folder);
  return folder;
}

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const folder of folders) rmSync(folder, { recursive: true, force: true, maxRetries: 3 });
});

localOnly(NEEDS.ownRuntime).describe('the local runtime as a newcomer runs it', () => {
  it('prints its endpoints, serves dev tokens, keeps data across a restart and stops cleanly', { timeout: 60_000 }, async () => {
    const first = await start();
    expect(first.output()).toMatch(/DynamoDB\s+http:\/\/127\.0\.0\.1:\d+\s+table "management-apps"/);
    expect(first.output()).toContain('npm run token -- --tenant acme --admin');
    const admin = await token('--tenant', 'acme', '--admin');
    const created = await fetch(`${first.baseUrl}/v1/management/applications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: '{"app_name":"kept"}',
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
      method: 'POST',
      headers,
      body: JSON.stringify({ app_name: 'd', first_client: { name: 'c', redirect_uris: [], role_ids: ['a', 'b'] } }),
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
    expect(claims).toMatchObject({
      iss: DEV_ISSUER,
      aud: 'userid-api',
      tid: 'globex',
      sub: 'bob',
      permissions: ['apps:read', 'apps:edit'],
    });
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
    expect(await refusedStart({ PORT: busy })).toBe(`Port ${busy} is already in use: stop what holds it, or set PORT to another port.`);
  });

  it('says in one line that a variable is not a valid value, and exits 1', async () => {
    expect(await refusedStart({ PORT: 'three thousand' })).toMatch(/^PORT /);
  });

  it('says in one line that JWT_JWKS_FILE cannot be used (missing, a folder, not JSON, no keys), and exits 1', {
    timeout: 60_000,
  }, async () => {
    const folder = freshFolder('jwks');
    const file = (name: string, text: string) => {
      writeFileSync(join(folder, name), text);
      return join(folder, name);
    };
    const cases = {
      [join(folder, 'missing.json')]: 'cannot be read (no such file)',
      [folder]: 'cannot be read (it is a folder)',
      [file('html.json', '<html>not found</html>')]: 'is not JSON',
      [file('empty.json', '{"keys": []}')]: 'has no keys (a JWKS is {"keys": [...]})',
      [file('one-key.json', JSON.stringify(makeTestKey('k').publicJwk))]: 'has no keys (a JWKS is {"keys": [...]})',
    };
    const dataDir = join(folder, 'data');
    const refusals = await Promise.all(Object.keys(cases).map((jwks) => refusedStart({ JWT_JWKS_FILE: jwks, DATA_DIR: dataDir })));
    expect(refusals).toEqual(
      Object.entries(cases).map(([jwks, problem]) => `JWT_JWKS_FILE ${jwks} ${problem}: fix it, or set JWT_JWKS_FILE to another file.`),
    );
    expect(existsSync(dataDir)).toBe(false); // refused before anything was made
  });

  it('says in one line that DATA_DIR cannot be written, and exits 1', async () => {
    const inTheWay = join(freshFolder('data-file'), 'a-file');
    writeFileSync(inTheWay, '');
    for (const dataDir of [inTheWay, join(inTheWay, 'data')]) {
      expect(await refusedStart({ DATA_DIR: dataDir })).toBe(
        `Data folder ${dataDir} cannot be written (a file is in the way): fix it, or set DATA_DIR to another folder.`,
      );
    }
  });

  it('runs one runtime per DATA_DIR: a second is refused, a killed one does not block, a stop releases it', {
    timeout: 60_000,
  }, async () => {
    const dataDir = freshFolder('lock');
    const lockFile = join(dataDir, 'runtime.lock');
    const first = await start({ DATA_DIR: dataDir });
    expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(first.child.pid));
    expect(await refusedStart({ DATA_DIR: dataDir })).toBe(
      `Data folder ${dataDir} is in use by another local runtime (pid ${first.child.pid} in ${lockFile}): ` +
        'stop it, or set DATA_DIR to another folder.',
    );

    expect(await stop(first.child, 'SIGKILL')).toBeNull();
    expect(existsSync(lockFile)).toBe(true); // no chance to remove it
    const second = await start({ DATA_DIR: dataDir });
    expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(second.child.pid));
    expect(await stop(second.child, 'SIGTERM')).toBe(0);
    expect(existsSync(lockFile)).toBe(false);
  });

  it("the banner's token command names a DATA_DIR that is not the default, and works as printed", { timeout: 60_000 }, async () => {
    const dataDir = join(freshFolder('hint'), 'data dir');
    const started = await start({ DATA_DIR: dataDir });
    try {
      const hint = /Token\s+(.+)/.exec(started.output())?.[1] ?? '';
      expect(hint).toBe(`DATA_DIR='${dataDir}' npm run token -- --tenant acme --admin`);
      // Run it as printed, from a shell that knows nothing of the runtime's DATA_DIR.
      const command = hint.replace('npm run token --', `'${process.execPath}' --import tsx infra/local/token.ts`);
      const { DATA_DIR: _unset, ...shellEnv } = env;
      const jwt = (await promisify(execFile)('sh', ['-c', command], { env: shellEnv })).stdout.trim();
      const res = await fetch(`${started.baseUrl}/v1/management/applications`, { headers: { authorization: `Bearer ${jwt}` } });
      expect(res.status).toBe(200);
    } finally {
      await stop(started.child, 'SIGTERM');
    }
  });

  it('the banner says dev tokens are refused when JWT_ISSUER points elsewhere', { timeout: 60_000 }, async () => {
    const folder = freshFolder('idp');
    const jwksFile = join(folder, 'idp-jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [makeTestKey('idp-key').publicJwk] }));
    const started = await start({ DATA_DIR: join(folder, 'data'), JWT_ISSUER: 'https://idp.example.com', JWT_JWKS_FILE: jwksFile });
    try {
      expect(/Token\s+(.+)/.exec(started.output())?.[1]).toBe(
        'dev tokens (npm run token) are refused: JWT_ISSUER is https://idp.example.com, not the dev issuer http://localhost/dev-issuer',
      );
    } finally {
      await stop(started.child, 'SIGTERM');
    }
  });
});

describe("the banner's token line", () => {
  const dataDir = freshFolder('hint-unit');
  const devIssuer = ensureDevIssuer(dataDir);
  const trusted = { issuers: [DEV_ISSUER], audience: 'userid-api', jwksFile: devIssuer.jwksFile };

  it('is the plain command with the default DATA_DIR and audience', () => {
    expect(devTokenHint(devIssuer, trusted, resolve('.data'))).toBe('npm run token -- --tenant acme --admin');
  });

  it('names a DATA_DIR and an audience that are not the defaults', () => {
    expect(devTokenHint(devIssuer, { ...trusted, audience: 'my-api' }, '/srv/apps')).toBe(
      'DATA_DIR=/srv/apps npm run token -- --tenant acme --admin --audience my-api',
    );
  });

  it('says why dev tokens are refused: another issuer, or a JWKS without the dev key', () => {
    const refused = 'dev tokens (npm run token) are refused';
    expect(devTokenHint(devIssuer, { ...trusted, issuers: ['https://a.example', 'https://b.example'] }, dataDir)).toBe(
      `${refused}: JWT_ISSUER is https://a.example,https://b.example, not the dev issuer ${DEV_ISSUER}`,
    );
    const otherJwks = join(dataDir, 'other.json');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(otherJwks, JSON.stringify({ keys: [makeTestKey('other').publicJwk] }));
    expect(devTokenHint(devIssuer, { ...trusted, jwksFile: otherJwks }, dataDir)).toBe(
      `${refused}: JWT_JWKS_FILE ${otherJwks} does not hold the dev issuer's key`,
    );
    expect(devTokenHint(devIssuer, { ...trusted, jwksFile: undefined }, dataDir)).toBe(
      `${refused}: JWT_ISSUER names the dev issuer, but no JWT_JWKS_FILE holds its key`,
    );
  });
});

describe('npm run token', () => {
  it('--help prints the usage and exits 0', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'infra/local/token.ts', '--help'], { env });
    expect(stdout).toContain('usage: npm run token -- --tenant <id>');
    expect(stdout).toMatch(/--permissions <list>\s+comma-separated, of apps:create, apps:read, apps:edit, apps:delete/);
  });

  it('signs every permission the service knows', async () => {
    const jwt = await token('--tenant', 'globex', '--permissions', 'apps:create,apps:read,apps:edit,apps:delete');
    expect(JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()).permissions).toEqual([
      'apps:create',
      'apps:read',
      'apps:edit',
      'apps:delete',
    ]);
  });

  it('refuses an unknown permission or option in one line, exit 1, and prints no token', async () => {
    const run = (...args: string[]) => failing(['infra/local/token.ts', ...args]);
    expect(await run('--tenant', 'acme', '--permissions', 'apps:read,apps:write')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Unknown permission "apps:write": use apps:create, apps:read, apps:edit, apps:delete\n',
    });
    expect(await run('--tenant', 'acme', '--admn')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Unknown option --admn: see npm run token -- --help\n',
    });
    expect(await run('acme')).toEqual({ code: 1, stdout: '', stderr: 'Unexpected argument acme: see npm run token -- --help\n' });
  });
});
