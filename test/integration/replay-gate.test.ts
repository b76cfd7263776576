// The release gate (scripts/replay.ts, `npm run replay`) run as a process against the shared dev server:
// it passes live contract histories on today's code, refuses a history whose workflow changed its
// commands without a patch (exit 1, the workflow named), passes the same change behind patched(), and
// refuses to call an empty match a pass or to run unbounded.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from '../../scripts/lib/tools.js';
import { shared } from '../support/context.js';
import { ContractDriver } from '../support/contract-driver.js';
import { type RecordingWorker, startRecordingWorker } from '../support/recording-worker.js';
import { dataConverter } from '../../codec/data-converter.js';

const drift = (version: string) => join(root, 'test', 'support', 'drift', `${version}.ts`);
let recording: RecordingWorker;
let contract: ContractDriver;
const driftId = `drift-${randomUUID()}`;

beforeAll(async () => {
  recording = await startRecordingWorker();
  contract = new ContractDriver(recording.client, recording.taskQueue);
  await contract.open([{ title: 'Logo', amountCents: 1000 }]);

  // A history recorded by the deployed version of a small workflow (one timer), completed.
  const native = await NativeConnection.connect({ address: shared('temporalAddress') });
  const taskQueue = `drift-${randomUUID()}`;
  const worker = await Worker.create({ connection: native, taskQueue, workflowsPath: drift('before'), dataConverter: dataConverter() });
  await worker.runUntil(recording.client.workflow.execute('driftWorkflow', { taskQueue, workflowId: driftId }));
  await native.close();
});
afterAll(async () => {
  await recording?.stop();
});

function gate(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'replay.ts'), ...args], {
    cwd: root, encoding: 'utf8', timeout: 120_000,
    env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', TEMPORAL_ADDRESS: shared('temporalAddress') },
  });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

describe('npm run replay, the release gate', () => {
  it('replays a running contract downloaded from the server against the current workflow code', () => {
    const run = gate('--query', `WorkflowId = '${contract.workflowId}'`, '--bundle', shared('workflowBundlePath'));

    expect(run.out).toContain('replay: 1 replayed, 0 failed');
    expect(run.code).toBe(0);
  });

  it('fails with the workflow named when the code changed its commands without patched()', () => {
    const run = gate('--query', `WorkflowId = '${driftId}'`, '--workflows', drift('after'));

    expect(run.out).toContain(`replay: FAILED ${driftId}`);
    expect(run.out).toMatch(/DeterminismViolationError|[Nn]ondetermin/);
    expect(run.out).toContain('replay: 1 replayed, 1 failed');
    expect(run.code).toBe(1);
  });

  it('passes the same change guarded with patched()', () => {
    const run = gate('--query', `WorkflowId = '${driftId}'`, '--workflows', drift('patched'));

    expect(run.out).toContain('replay: 1 replayed, 0 failed');
    expect(run.code).toBe(0);
  });

  it('treats a query that matched nothing as no proof (exit 3), running out of time as exit 4, bad usage as exit 2', () => {
    const none = gate('--query', `WorkflowId = 'no-such-${randomUUID()}'`, '--bundle', shared('workflowBundlePath'));
    const late = gate('--minutes', '0.0001'); // 6 ms: no gate connects, lists and bundles that fast
    const bad = gate('--limit', 'many');

    expect([none.code, late.code, bad.code]).toEqual([3, 4, 2]);
    expect(late.out).toContain('did not finish within');
    expect(none.out).toContain('nothing was proven');
  });
});
