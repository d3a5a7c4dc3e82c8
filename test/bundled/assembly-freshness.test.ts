/**
 * When bundle mode may reuse a cdk.out: its template is newer than every source of the template and the
 * bundles (functions/, shared/, the CDK app under infra/, package-lock.json, package.json, tsconfig.json,
 * cdk.json). The local runtime (infra/local/) and the OpenAPI generator (infra/openapi/) feed neither, so
 * editing them costs no synth.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isFresh } from '../../infra/local/bundled/cloud-assembly.ts';

const SOURCES = [
  'functions/delete-app.ts',
  'shared/routes.ts',
  'infra/stack.ts',
  'infra/constructs/app-function.ts',
  'infra/local/runtime.ts',
  'infra/openapi/write.ts',
  'package-lock.json',
  'package.json',
  'tsconfig.json',
  'cdk.json',
];
/** Seconds since the epoch: sources at T, the template 10 s later. */
const T = 1_800_000_000;

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A project with every source at T and a cdk.out whose template was written at T + 10. */
function project(): string {
  const root = mkdtempSync(join(tmpdir(), 'mgmt-apps-freshness-'));
  roots.push(root);
  const write = (path: string, text: string, at: number) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
    utimesSync(join(root, path), at, at);
  };
  for (const path of SOURCES) write(path, '', T);
  const manifest = { artifacts: { Stack: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Stack.template.json' } } } };
  write('cdk.out/manifest.json', JSON.stringify(manifest), T + 10);
  write('cdk.out/Stack.template.json', '{"Resources":{}}', T + 10);
  return root;
}

const touch = (root: string, path: string) => utimesSync(join(root, path), T + 20, T + 20);

describe('a cdk.out is fresh', () => {
  it('when its template is newer than every source', () => {
    const root = project();
    expect(isFresh(root, join(root, 'cdk.out'))).toBe(true);
  });

  it.each([
    'functions/delete-app.ts',
    'shared/routes.ts',
    'infra/stack.ts',
    'infra/constructs/app-function.ts',
    'package-lock.json',
    'package.json',
    'tsconfig.json',
    'cdk.json',
  ])('not once %s is edited after it', (path) => {
    const root = project();
    touch(root, path);
    expect(isFresh(root, join(root, 'cdk.out'))).toBe(false);
  });

  it.each(['infra/local/runtime.ts', 'infra/openapi/write.ts'])(
    'still after %s is edited: neither the template nor a bundle comes from it',
    (path) => {
      const root = project();
      touch(root, path);
      expect(isFresh(root, join(root, 'cdk.out'))).toBe(true);
    },
  );

  it('not when the directory holds no assembly', () => {
    const root = project();
    expect(isFresh(root, join(root, 'no-such-cdk.out'))).toBe(false);
  });
});
