// Test files are independent and a failing run says so: nested vitest runs with the product's own global
// setup, over files in test/support/isolation/ that each issue the same demo users (as every
// time-skipping file does). Judged by the exit code alone, as `npx vitest run a b` is by a shell or CI.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../../scripts/lib/tools.js';

interface Run {
  code: number | null;
  passed: number;
  failed: number;
  failures: string[];
}

/** Bounded: two minutes, then the nested run is killed and its code is the signal's (never 0). */
async function vitest(...files: string[]): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'nested-vitest-'));
  const report = join(dir, 'report.json');
  try {
    const args = [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'test/support/isolation/vitest.config.ts',
      `--outputFile=${report}`, ...files.map((f) => `test/support/isolation/${f}.check.ts`)];
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'ignore', env: outsideVitest() });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    clearTimeout(timer);
    const r = JSON.parse(readFileSync(report, 'utf8')) as {
      numPassedTests: number; numFailedTests: number; testResults: { assertionResults: { status: string; failureMessages: string[] }[] }[];
    };
    const failures = r.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === 'failed').flatMap((a) => a.failureMessages));
    return { code, passed: r.numPassedTests, failed: r.numFailedTests, failures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** This process's environment without what vitest set for this worker, which would confuse the nested run. */
const outsideVitest = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST' && k !== 'NODE_ENV'));

describe('test runs', () => {
  it('two files that both issue the demo users pass side by side in one run, and the run exits 0', { timeout: 150_000 }, async () => {
    const run = await vitest('demo-users-a', 'demo-users-b');

    expect(run.failures).toEqual([]);
    expect(run).toMatchObject({ code: 0, passed: 2, failed: 0 });
  });

  it('a run with a failing test exits non-zero', { timeout: 150_000 }, async () => {
    const run = await vitest('demo-users-a', 'fails');

    expect(run).toMatchObject({ passed: 2, failed: 1 });
    expect(run.code).not.toBe(0);
  });
});
