/**
 * Every bundled handler (the run's fresh cloud assembly, synthesized with esbuild) loaded in a fresh
 * Node process, as Lambda would. Catches ESM/CommonJS and bundling mistakes that type checks cannot.
 */
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_ENV, synthBundles } from '../fixtures/bundles.ts';

/** A bundle larger than this is a regression worth a look (about 450 KB each today). */
const BUNDLE_BUDGET_BYTES = 1_000_000;

/** Description → bundled index.mjs. */
let bundles: Record<string, string> = {};

function loadInFreshNode(bundle: string, env: Record<string, string>) {
  const probe = `const m = await import(${JSON.stringify(bundle)}); if (typeof m.handler !== 'function') process.exit(3); console.log('loaded');`;
  return promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe], {
    cwd: tmpdir(), // far from node_modules: the bundle must carry everything it imports
    env: { PATH: process.env.PATH ?? '', ...env },
  });
}

beforeAll(async () => {
  bundles = await synthBundles();
}, 300_000);

describe('bundled handlers', () => {
  it('load in a fresh Node process and stay within the size budget', { timeout: 60_000 }, async () => {
    expect(Object.keys(bundles)).toHaveLength(5);
    const sizes: Record<string, { bytes: number }> = {};
    for (const [description, bundle] of Object.entries(bundles)) {
      const { stdout } = await loadInFreshNode(bundle, BUNDLE_ENV);
      expect(stdout.trim(), description).toBe('loaded');
      sizes[description] = { bytes: statSync(bundle).size };
    }
    console.table(sizes);
    for (const [description, { bytes }] of Object.entries(sizes)) expect(bytes, description).toBeLessThan(BUNDLE_BUDGET_BYTES);
  });

  it('fail fast at start-up when a variable is missing', async () => {
    const read = bundles['Lists apps; Reads one app'];
    expect(read).toBeDefined();
    const { TABLE_NAME: _, ...withoutTable } = BUNDLE_ENV;
    await expect(loadInFreshNode(read!, withoutTable)).rejects.toThrow(/Missing required environment variable TABLE_NAME/);
  });
});
