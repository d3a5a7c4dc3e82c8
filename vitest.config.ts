import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One local runtime (and so one local DynamoDB) for the whole run, started before any test file.
    globalSetup: ['test/setup/local-runtime.ts'],
    // The JSON report lets CI print a plain "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // In-process loggers (unit and integration tests) stay quiet; the e2e runtime logs to its own file.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT' },
  },
});
