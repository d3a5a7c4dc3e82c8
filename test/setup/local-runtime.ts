/**
 * Global setup: starts the real local runtime (`infra/local/start.ts`, as `npm start` does) in a child
 * process on free ports, trusting a test issuer whose keys are made for this run. Integration tests
 * use its DynamoDB; e2e tests call its API over HTTP. Its stdout (the service's logs) goes to a file
 * the tests can read.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProvidedContext } from 'vitest';
import type { TestProject } from 'vitest/node';
import { makeTestKey } from '../fixtures/keys.ts';
import { startTokenPool } from '../fixtures/token-pool.ts';

export const TEST_ISSUER = 'https://issuer.test.example';
export const TEST_TABLE = 'management-apps-test';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The service under test: this run's local runtime, or the deployment E2E_API_URL names. */
    target: {
      baseUrl: string;
      external: boolean;
      /** E2E_TOKEN_COMMAND; empty locally, where tokens are signed with the test key. */
      tokenCommand: string;
      /** The folder of fresh tenants whose Admin tokens were made ahead (token-pool.ts); empty when none. */
      tokenPool: string;
    };
    /** Provided only when the suite runs against the local runtime it spawned. */
    runtime: {
      baseUrl: string;
      dynamoEndpoint: string;
      tableName: string;
      issuer: string;
      key: { kid: string; privateKeyPem: string };
      /** Trusted by nobody: signs tokens with an unknown kid. */
      strangerKey: { kid: string; privateKeyPem: string };
      publicJwk: Record<string, unknown>;
      jwksFile: string;
      logFile: string;
    };
  }
}

function waitForReady(child: ChildProcess, logFile: string): Promise<{ baseUrl: string; dynamoEndpoint: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const log = readFileSync(logFile, 'utf8');
      const api = /API\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
      const dynamo = /DynamoDB\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (api?.[1] && dynamo?.[1]) {
        clearInterval(timer);
        resolve({ baseUrl: api[1], dynamoEndpoint: dynamo[1] });
      } else if (child.exitCode !== null || Date.now() - started > 45_000) {
        clearInterval(timer);
        reject(new Error(`local runtime did not start:\n${log}`));
      }
    }, 50);
  });
}

/**
 * E2E_API_URL points the suite at a running service: nothing is spawned, and tokens come from
 * E2E_TOKEN_COMMAND. Both or neither: a URL without a way to get tokens could only fail every test.
 */
function externalTarget(): ProvidedContext['target'] | undefined {
  const apiUrl = process.env.E2E_API_URL?.trim();
  const tokenCommand = process.env.E2E_TOKEN_COMMAND?.trim();
  if (!apiUrl && !tokenCommand) return undefined;
  if (!apiUrl || !tokenCommand) throw new Error('E2E_API_URL and E2E_TOKEN_COMMAND go together: set both to test a deployment, or neither');
  const url = new URL(apiUrl);
  // Paths are appended to it ("/v1/management/applications"), so a stage prefix is kept, a trailing slash not.
  return { baseUrl: `${url.origin}${url.pathname.replace(/\/+$/, '')}`, external: true, tokenCommand, tokenPool: '' };
}

/**
 * Against a deployment: E2E_TOKEN_POOL (default 60) Admin tokens of fresh tenants kept ready ahead of the
 * tests, made E2E_TOKEN_PARALLEL (default 2) at a time; 0 turns the pool off (every token made where asked).
 */
async function startPool(target: ProvidedContext['target']) {
  const ahead = Number(process.env.E2E_TOKEN_POOL ?? 60);
  if (!(ahead > 0)) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'mgmt-apps-token-pool-'));
  const prefix = `e2e-${Date.now().toString(36)}`;
  const pool = startTokenPool(target.tokenCommand, dir, { ahead, parallel: Number(process.env.E2E_TOKEN_PARALLEL ?? 2), prefix });
  const started = Date.now();
  try {
    await pool.warm;
  } catch (error) {
    await pool.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  console.error(`token pool: ${ahead} Admin tokens of fresh tenants ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { dir, pool, started };
}

export default async function setup(project: TestProject) {
  const external = externalTarget();
  if (external) {
    console.error(`e2e against ${external.baseUrl}, tokens from: ${external.tokenCommand}`);
    const pooled = await startPool(external);
    project.provide('target', { ...external, tokenPool: pooled?.dir ?? '' });
    return async () => {
      if (!pooled) return;
      await pooled.pool.stop();
      const { made, claimed } = pooled.pool.stats();
      console.error(
        `token pool: ${claimed} tenants handed out, ${made} tokens made in ${((Date.now() - pooled.started) / 1000).toFixed(0)} s`,
      );
      rmSync(pooled.dir, { recursive: true, force: true });
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'mgmt-apps-test-'));
  const key = makeTestKey('test-key-1');
  const stranger = makeTestKey('stranger-key');
  const jwksFile = join(dataDir, 'test-jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [key.publicJwk] }));
  const logFile = join(dataDir, 'runtime.log');
  const out = openSync(logFile, 'a');

  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      DYNAMODB_PORT: '0',
      DATA_DIR: dataDir,
      TABLE_NAME: TEST_TABLE,
      JWT_ISSUER: TEST_ISSUER,
      JWT_JWKS_FILE: jwksFile,
      // Test files run in parallel against this one runtime; the throttle is tested on its own gateway.
      THROTTLE_RATE: '100000',
      THROTTLE_BURST: '100000',
    },
    stdio: ['ignore', out, out],
  });
  const { baseUrl, dynamoEndpoint } = await waitForReady(child, logFile);

  project.provide('target', { baseUrl, external: false, tokenCommand: '', tokenPool: '' });
  project.provide('runtime', {
    baseUrl,
    dynamoEndpoint,
    tableName: TEST_TABLE,
    issuer: TEST_ISSUER,
    key: { kid: key.kid, privateKeyPem: key.privateKeyPem },
    strangerKey: { kid: stranger.kid, privateKeyPem: stranger.privateKeyPem },
    publicJwk: key.publicJwk,
    jwksFile,
    logFile,
  });

  return async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const code = await exited;
    rmSync(dataDir, { recursive: true, force: true });
    if (code !== 0) throw new Error(`the local runtime exited ${code} on SIGTERM`);
  };
}
