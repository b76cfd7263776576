// The fault suite (test/faults/), run by `npm run test:faults` (scripts/test-faults.mjs), never by
// `npm test`: it starts its own PostgreSQL, dev server, worker and API, and runs for minutes.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    // One file, its scenarios in order, on a stack it owns: nothing else runs beside it.
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 30 * 60_000,
    hookTimeout: 10 * 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.data/faults-report.json' },
  },
});
