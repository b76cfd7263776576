// A nested run for test/integration/test-runs.test.ts: the product's own global setup (PostgreSQL, the
// Temporal dev server) and two files at a time, over the files this directory holds.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/support/isolation/*.check.ts'],
    globalSetup: ['test/global-setup.ts'],
    maxWorkers: 2,
    reporters: ['json'],
  },
});
