/**
 * `npm run test:browser`: the browser tests, apart from `npm test` so that it needs no browser. Each test
 * starts its own local runtime (no global setup) and drives Debian's Chromium through playwright-core.
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: resolve(import.meta.dirname, '../..'),
    include: ['test/browser/**/*.browser.ts'],
    testTimeout: 90_000,
    hookTimeout: 90_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
