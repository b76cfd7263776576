import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault suite runs on its own (npm run test:faults, vitest.faults.config.ts).
    exclude: [...configDefaults.exclude, 'test/faults/**'],
    // One PostgreSQL, one dev server and one workflow bundle for the whole run (test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    // Polls wait for asynchronous effects (notices, outcomes from another workflow, a worker starting):
    // on two busy cores these can take seconds, not the default one.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    hookTimeout: 120_000,
    // Two cores: two files at a time. Time-skipping files each own their test server (skipped time is
    // global to a server), so they may run side by side.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: '.data/test-results.json' },
  },
});
