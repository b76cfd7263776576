// stripe-mock (scripts/lib/stripe-mock.ts provisions it) on a free loopback port, one per test file: it
// keeps no state, so nothing is shared between files. Stopped by the returned function.
import { spawn } from 'node:child_process';
import { freePort } from './ports.js';
import { stripeMockBinary } from '../../scripts/lib/stripe-mock.js';

/** stripe-mock loads its OpenAPI document in well under a second; ten is a loaded machine's margin. */
const READY_MS = 10_000;

export async function startStripeMock(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(stripeMockBinary(), ['-http-port', String(port), '-https-port', String(await freePort())], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + READY_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`stripe-mock exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/v1/balance`, { headers: { Authorization: 'Bearer sk_test_123' }, signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`stripe-mock did not answer on ${url} within ${READY_MS} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
