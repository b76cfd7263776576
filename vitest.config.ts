import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One PostgreSQL, one dev server and one workflow bundle for the whole run (test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: two files at a time. Time-skipping files each own their test server (skipped time is
    // global to a server), so they may run side by side.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: '.data/test-results.json' },
  },
});
