/**
 * The stack's bundling (BUNDLING in infra/constructs/app-function.ts, CDK's NodejsFunction options) as
 * esbuild's own options, for the benches that build a function the way `cdk synth` does. bundleAwsSDK
 * is on there, so nothing is external here.
 */
import type { BuildOptions } from 'esbuild';
import { BUNDLING } from '../../infra/constructs/app-function.ts';

export const STACK_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: BUNDLING.format,
  target: BUNDLING.target,
  minify: BUNDLING.minify,
  keepNames: BUNDLING.keepNames,
  sourcemap: BUNDLING.sourceMap,
  mainFields: [...BUNDLING.mainFields],
  banner: { js: BUNDLING.banner },
} satisfies BuildOptions;
