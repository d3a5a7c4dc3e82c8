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
import type { TestProject } from 'vitest/node';
import { makeTestKey } from '../fixtures/keys.ts';

export const TEST_ISSUER = 'https://issuer.test.example';
export const TEST_TABLE = 'management-apps-test';

declare module 'vitest' {
  export interface ProvidedContext {
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

export default async function setup(project: TestProject) {
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
