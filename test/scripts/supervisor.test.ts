// The supervisor `npm run up` runs its worker and API under: a crash restarts the process after a backoff
// that grows, repeated crashes give up with a message, and stopping never restarts. Real child processes
// (node -e …), with a policy of milliseconds so the test takes well under a second of waiting.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { afterCrash, type RestartPolicy, Supervisor, UP_POLICY } from '../../scripts/lib/supervisor.js';

const fast: RestartPolicy = { initialDelayMs: 20, maxDelayMs: 80, maxCrashes: 4, windowMs: 10_000 };
const node = (code: string) => () => spawn(process.execPath, ['-e', code], { stdio: 'ignore' });

describe('restart policy', () => {
  it('doubles the delay from crash to crash, up to its maximum, then gives up', () => {
    const crashes: number[] = [];

    const decisions = [0, 1, 2, 3, 4].map((t) => afterCrash(crashes, t * 1000, UP_POLICY));

    expect(decisions).toEqual([
      { action: 'restart', delayMs: 1000, recent: 1 },
      { action: 'restart', delayMs: 2000, recent: 2 },
      { action: 'restart', delayMs: 4000, recent: 3 },
      { action: 'restart', delayMs: 8000, recent: 4 },
      { action: 'give-up', recent: 5 },
    ]);
  });

  it('forgets crashes older than its window: a process that ran a while starts again from the first delay', () => {
    const crashes = [0, 1000, 2000, 3000];

    const decision = afterCrash(crashes, 3000 + UP_POLICY.windowMs, UP_POLICY);

    expect(decision).toEqual({ action: 'restart', delayMs: 1000, recent: 1 });
  });

  it('never waits longer than its maximum', () => {
    const policy = { ...UP_POLICY, maxCrashes: 100 };
    const crashes: number[] = [];

    const delays = Array.from({ length: 10 }, (_, i) => afterCrash(crashes, i, policy)).map((d) => 'delayMs' in d && d.delayMs);

    expect(Math.max(...(delays as number[]))).toBe(UP_POLICY.maxDelayMs);
  });
});

describe('Supervisor', () => {
  it('restarts a process that crashes, with a log line each time, and gives up after repeated crashes', async () => {
    const lines: string[] = [];
    let gaveUp = '';
    const done = new Promise<void>((resolve) => {
      new Supervisor('crasher', node('process.exit(3)'), {
        policy: fast, log: (l) => lines.push(l), onGiveUp: (m) => ((gaveUp = m), resolve()),
      }).run();
    });

    await done;

    expect(lines.filter((l) => /^crasher started \(pid \d+\)$/.test(l))).toHaveLength(4);
    expect(lines.filter((l) => l.startsWith('crasher exited (3); restarting in'))).toHaveLength(3);
    expect(gaveUp).toBe('crasher exited (3) 4 crash(es) within 10 s: giving up; see its output above');
  });

  it('a killed process comes back with a new pid; stop() ends it and restarts nothing', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor('sleeper', node('setTimeout(() => {}, 60_000)'), {
      policy: fast, log: (l) => lines.push(l), onGiveUp: () => expect.fail('gave up'),
    }).run();
    const first = supervisor.pid!;

    process.kill(first, 'SIGKILL');
    await expect.poll(() => supervisor.pid, { timeout: 5000 }).not.toBe(first);
    const second = supervisor.pid!;
    await supervisor.stop();
    await new Promise((r) => setTimeout(r, fast.maxDelayMs * 2));

    expect(lines).toContain('sleeper exited (SIGKILL); restarting in 0.02 s (1 crash(es) within 10 s)');
    expect(() => process.kill(second, 0)).toThrow(); // gone
    expect(supervisor.pid).toBe(second); // nothing started after stop()
  });
});
