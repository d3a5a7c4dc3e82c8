/**
 * The one test that really bundles: synthesize with esbuild, then load every bundled handler in a fresh
 * Node process, as Lambda would. Catches ESM/CommonJS and bundling mistakes that type checks cannot.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import cdkJson from '../../cdk.json' with { type: 'json' };

/** A bundle larger than this is a regression worth a look (about 440 KB each today). */
const BUNDLE_BUDGET_BYTES = 1_000_000;

interface FunctionResource {
  Type: string;
  Properties: { Description: string };
  Metadata?: Record<string, string>;
}

/** Description → bundled index.mjs. */
const bundles: Record<string, string> = {};

function loadInFreshNode(bundle: string, env: Record<string, string>) {
  const probe = `const m = await import(${JSON.stringify(bundle)}); if (typeof m.handler !== 'function') process.exit(3); console.log('loaded');`;
  return promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe], {
    cwd: tmpdir(), // far from node_modules: the bundle must carry everything it imports
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
  });
}

beforeAll(() => {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-bundle-'));
  const { app, stack } = buildApp(new App({ outdir, context: { ...cdkJson.context, 'aws:cdk:enable-asset-metadata': true } }));
  app.synth();
  const template = JSON.parse(readFileSync(join(outdir, `${stack.stackName}.template.json`), 'utf8'));
  for (const resource of Object.values(template.Resources as Record<string, FunctionResource>)) {
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (resource.Type !== 'AWS::Lambda::Function' || !assetPath) continue;
    expect(readdirSync(join(outdir, assetPath))).toEqual(['index.mjs']);
    bundles[resource.Properties.Description] = join(outdir, assetPath, 'index.mjs');
  }
}, 120_000);

describe('bundled handlers', () => {
  it('load in a fresh Node process and stay within the size budget', { timeout: 60_000 }, async () => {
    expect(Object.keys(bundles)).toHaveLength(5);
    const sizes: Record<string, { bytes: number }> = {};
    for (const [description, bundle] of Object.entries(bundles)) {
      const { stdout } = await loadInFreshNode(bundle, { TABLE_NAME: 't', JWT_ISSUER: 'https://auth.example.com', JWT_AUDIENCE: 'userid-api' });
      expect(stdout.trim(), description).toBe('loaded');
      sizes[description] = { bytes: statSync(bundle).size };
    }
    console.table(sizes);
    for (const [description, { bytes }] of Object.entries(sizes)) expect(bytes, description).toBeLessThan(BUNDLE_BUDGET_BYTES);
  });

  it('fail fast at start-up when a variable is missing', async () => {
    const list = bundles['GET /v1/management/applications'];
    expect(list).toBeDefined();
    await expect(loadInFreshNode(list!, { JWT_ISSUER: 'https://auth.example.com' })).rejects.toThrow(/Missing required environment variable TABLE_NAME/);
  });
});
