/**
 * The grant-removal proof (issue 9 §3): one action taken out of one function's policy in a synthesized
 * template, and that template run as it is (`npm start -- --bundled --assembly <dir>`), must fail on the
 * laptop as it would on AWS. deleteApp loses dynamodb:DeleteItem: the e2e delete test, run unchanged
 * against the runtime through its external mode, fails; a DELETE answers 500 and deletes nothing; the log
 * holds the endpoint's denial and the function's AccessDeniedException. Nothing else of the template
 * changes, so a create and a read still work.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateFileOf } from '../../infra/local/bundled/template.ts';
import { ensureDevIssuer, mintDevToken } from '../../infra/local/dev-issuer.ts';
import { freshAssembly } from '../fixtures/fresh-assembly.ts';
import { type SpawnedRuntime, spawnRuntime } from '../fixtures/spawn-runtime.ts';

const PROJECT_ROOT = resolve(import.meta.dirname, '../..');
const APPS = '/v1/management/applications';
interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

/**
 * Removes `action` from the policies attached to the role of the function whose construct path names
 * `functionName`, as a stack edit dropping the grant would; returns how many statements lost it.
 */
function removeGrant(assemblyDir: string, functionName: string, action: string): number {
  const file = templateFileOf(assemblyDir);
  const template = JSON.parse(readFileSync(file, 'utf8')) as { Resources: Record<string, Resource> };
  const resources = Object.values(template.Resources);
  const fn = resources.find(
    (r) => r.Type === 'AWS::Lambda::Function' && String(r.Metadata?.['aws:cdk:path']).split('/').includes(functionName),
  );
  const role = (fn?.Properties?.Role as { 'Fn::GetAtt': [string, string] } | undefined)?.['Fn::GetAtt'][0];
  if (!role) throw new Error(`no function ${functionName} with a role in ${file}`);
  let removed = 0;
  for (const policy of resources) {
    const props = policy.Properties as { Roles?: { Ref?: string }[]; PolicyDocument: { Statement: { Action: string | string[] }[] } };
    if (policy.Type !== 'AWS::IAM::Policy' || !props.Roles?.some((r) => r.Ref === role)) continue;
    // Action is a string or a list; a statement whose only action it was goes altogether.
    props.PolicyDocument.Statement = props.PolicyDocument.Statement.flatMap((statement) => {
      const actions = [statement.Action].flat();
      if (!actions.includes(action)) return [statement];
      removed++;
      const rest = actions.filter((a) => a !== action);
      return rest.length ? [{ ...statement, Action: rest.length === 1 ? (rest[0] as string) : rest }] : [];
    });
  }
  writeFileSync(file, JSON.stringify(template, null, 1));
  return removed;
}

interface VitestReport {
  numFailedTests: number;
  numPassedTests: number;
  testResults: { assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

/** The real e2e file, unchanged, against `baseUrl` through the suite's external mode (E2E_API_URL). */
function runE2e(file: string, baseUrl: string, dataDir: string, reportFile: string): Promise<{ code: number | null; output: string }> {
  // The outer run's own vitest variables would tell the inner vitest it is a worker of this run.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')));
  const child = spawn('npx', ['vitest', 'run', file, '--reporter=json', `--outputFile.json=${reportFile}`], {
    cwd: PROJECT_ROOT,
    env: {
      ...env,
      E2E_API_URL: baseUrl,
      // The dev issuer's key is in the runtime's DATA_DIR: `npm run token` signs what it trusts.
      E2E_TOKEN_COMMAND: 'npm run -s token --',
      DATA_DIR: dataDir,
      // A handful of tokens is needed: making 60 ahead would cost more than the tests.
      E2E_TOKEN_POOL: '0',
    },
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((done) => child.on('close', (code) => done({ code, output })));
}

describe('deleteApp without dynamodb:DeleteItem in its policy (bundle mode, the template as synthesized but for that)', {
  timeout: 120_000,
}, () => {
  const work = mkdtempSync(join(tmpdir(), 'mgmt-apps-grant-removal-'));
  const assemblyDir = join(work, 'cdk.out');
  const dataDir = join(work, 'data');
  let runtime: SpawnedRuntime;
  let token: (tenant: string) => string;

  const call = async (method: string, path: string, tenant: string, body?: unknown) => {
    const res = await fetch(`${runtime.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token(tenant)}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    cpSync(await freshAssembly(), assemblyDir, { recursive: true });
    expect(removeGrant(assemblyDir, 'deleteApp', 'dynamodb:DeleteItem')).toBe(1);
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DYNAMODB_PORT: '0', DATA_DIR: dataDir };
    // The dev issuer (the default): `npm run token` in the e2e run signs with the key it makes in DATA_DIR.
    for (const name of ['JWT_ISSUER', 'JWT_JWKS_FILE', 'JWT_JWKS_URI', 'JWT_AUDIENCE', 'TABLE_NAME']) delete env[name];
    runtime = await spawnRuntime(env, ['--bundled', '--assembly', assemblyDir]);
    const issuer = ensureDevIssuer(dataDir);
    token = (tenant) => mintDevToken(issuer, { tenant, admin: true });
  }, 300_000);

  afterAll(async () => {
    if (runtime && runtime.child.exitCode === null) {
      const exited = new Promise((done) => runtime.child.once('exit', done));
      runtime.child.kill('SIGTERM');
      await exited;
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('runs the given assembly as it is: no freshness check, no synth', () => {
    expect(runtime.output()).toContain(`bundle mode: running the cloud assembly ${assemblyDir} as it is`);
    expect(runtime.output()).not.toMatch(/bundle mode: (synthesizing|reusing)/);
  });

  it('answers a DELETE with 500 and deletes nothing; the log has the denial and the AccessDeniedException', async () => {
    const tenant = 'grant-removal-direct';
    const created = await call('POST', APPS, tenant, { app_name: 'kept', subdomain: 'grant-removal-kept' });
    expect(created.status).toBe(201); // createApp keeps its grants
    const appId = created.body.result.app_id as string;

    const deleted = await call('DELETE', `${APPS}/${appId}`, tenant);
    expect(deleted).toEqual({ status: 500, body: { message: 'Internal server error', error_code: 500 } });
    expect((await call('GET', `${APPS}/${appId}`, tenant)).status).toBe(200);

    const lines = runtime
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'local DynamoDB: access denied',
        accessKeyId: 'deleteApp',
        action: 'dynamodb:DeleteItem',
        decision: 'implicit-deny',
      }),
    );
    // The function's own line for this request: what its log group would show on AWS.
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        app_id: appId,
        route: 'DELETE /v1/management/applications/{app_id}',
        error: expect.objectContaining({
          name: 'AccessDeniedException',
          message: expect.stringContaining('/deleteApp is not authorized to perform: dynamodb:DeleteItem'),
        }),
      }),
    );
  });

  it('fails the e2e delete test, run unchanged against it as against a deployment', async () => {
    const reportFile = join(work, 'e2e-delete.json');
    const { code, output } = await runE2e('test/e2e/delete.test.ts', runtime.baseUrl, dataDir, reportFile);
    expect(existsSync(reportFile), output).toBe(true); // else vitest itself failed: its output says why
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as VitestReport;
    const results = report.testResults.flatMap((file) => file.assertionResults);
    expect(code, output).toBe(1);
    expect(report.numFailedTests).toBeGreaterThanOrEqual(1);
    const deletes = results.find((r) => r.fullName.includes('deletes the app (204, empty body)'));
    expect(deletes?.status, output).toBe('failed');
    expect(deletes?.fullName).toMatch(/^DELETE /);
    // It failed on the answer the missing grant causes, not on anything else.
    expect(deletes?.failureMessages.join('\n')).toMatch(/expected 500 to be 204/);
  });
});

describe('cleanupApp without dynamodb:GetRecords on the stream (bundle mode)', { timeout: 120_000 }, () => {
  it('refuses to start, as CreateEventSourceMapping refuses such a role and the deployment rolls back', async () => {
    const work = mkdtempSync(join(tmpdir(), 'mgmt-apps-stream-grant-'));
    try {
      const assemblyDir = join(work, 'cdk.out');
      cpSync(await freshAssembly(), assemblyDir, { recursive: true });
      expect(removeGrant(assemblyDir, 'Cleanup', 'dynamodb:GetRecords')).toBe(1);
      const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DYNAMODB_PORT: '0', DATA_DIR: join(work, 'data') };
      for (const name of ['JWT_ISSUER', 'JWT_JWKS_FILE', 'JWT_JWKS_URI', 'JWT_AUDIENCE', 'TABLE_NAME']) delete env[name];
      const refused = await spawnRuntime(env, ['--bundled', '--assembly', assemblyDir]).then(
        (started) => {
          started.child.kill('SIGKILL');
          return 'started';
        },
        (error: Error) => error.message,
      );
      expect(refused).toMatch(/^exited 1: /);
      expect(refused).toContain('bundle mode: the cleanupApp role cannot read the table stream (missing dynamodb:GetRecords)');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);
});
