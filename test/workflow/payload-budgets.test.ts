// The largest contract the API accepts, driven through continue-as-new: 200 milestones whose titles and
// descriptions are at their limits in 4-byte characters, a pending change request and a pending proposal
// at theirs, and the most remembered update ids. Every payload stays within its stated budget, and the
// contract goes on answering after the run boundary.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAYLOAD_BUDGET, REMEMBERED_UPDATE_IDS } from '../../domain/budgets.js';
import { LIMITS } from '../../domain/fields.js';
import type { PlanOp } from '../../domain/plan.js';
import { hexDigest, textRef } from '../../domain/texts.js';
import { shared } from '../support/context.js';
import { CLIENT, ContractDriver, FREELANCER } from '../support/contract-driver.js';
import { measurePayloads } from '../support/payload-sizes.js';
import { createRecorder, projectedRecords } from '../support/recording-activities.js';
import { quietRuntime } from '../support/runtime.js';
import { type WorkerGroup, withNoticeWorker } from '../support/workers.js';
import { dataConverter } from '../../codec/data-converter.js';

const taskQueue = `budgets-${randomUUID()}`;
const recorder = createRecorder();
let client: Client;
let worker: WorkerGroup;
let running: Promise<void>;
let native: NativeConnection;
let connection: Connection;

beforeAll(async () => {
  quietRuntime();
  native = await NativeConnection.connect({ address: shared('temporalAddress') });
  // A history page of this contract's first run is over gRPC's default 4 MB: measuring reads whole pages.
  connection = await Connection.connect({
    address: shared('temporalAddress'), channelArgs: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 },
  });
  client = new Client({ connection, dataConverter: dataConverter() });
  worker = await withNoticeWorker(await Worker.create({
    connection: native, taskQueue, dataConverter: dataConverter(), workflowBundle: { codePath: shared('workflowBundlePath') },
    activities: recorder.activities,
  }), native, recorder.activities);
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
  await native?.close();
});

/** `n` characters (code points), each four bytes in UTF-8, different for each `tag`. */
const text = (tag: string, n: number): string => tag + '😀'.repeat(n - tag.length);
const title = (i: number) => text(`t${i}`, LIMITS.milestoneTitle);
const description = (i: number) => text(`d${i}`, LIMITS.description);
/** Ten milestones at their limits are 208 KB: one batch under the API's 256 KB body cap. */
const PER_BATCH = 10;

describe('payload budgets', () => {
  it('R2: the largest contract continues-as-new within the budgets (input ≤ 256 KB, any payload ≤ 512 KB)', async () => {
    const c = new ContractDriver(client, taskQueue);
    // Update ids as long as the API makes them (user id / 255-character key), remembered from earlier runs.
    const ids = Array.from({ length: REMEMBERED_UPDATE_IDS }, (_, i) => `${randomUUID()}/${String(i).padStart(255, 'k')}`);
    await c.create({ input: { maxHistoryEvents: 400, appliedUpdateDigests: ids.map((id) => hexDigest(id, 12)) } });
    for (let from = 1; from <= 200; from += PER_BATCH) {
      const ops: PlanOp[] = Array.from({ length: PER_BATCH }, (_, k) => from + k)
        .map((i) => ({ op: 'add', title: title(i), description: description(i), amountCents: 500 + i }));
      await c.plan(ops);
    }
    await c.fund();
    await c.requestChange('m1', { title: title(1001), description: description(1001), amountCents: 900 });
    // A proposal of the most operations a batch holds: twelve full texts fill the body cap, the rest move due dates.
    const full: PlanOp[] = Array.from({ length: 12 }, (_, k) => ({
      op: 'edit', milestoneId: `m${k + 2}`, patch: { title: title(2000 + k), description: description(2000 + k) },
    }));
    const dates: PlanOp[] = Array.from({ length: 400 - full.length }, (_, k) => ({
      op: 'edit', milestoneId: `m${2 + (k % 199)}`, patch: { dueDate: `2027-01-${String(1 + (k % 28)).padStart(2, '0')}` },
    }));
    await c.send('proposeChanges', { actorId: FREELANCER, ops: [...full, ...dates] });

    const before = (await c.handle.describe()).runId;
    for (let n = 0; (await c.handle.describe()).runId === before; n++) {
      if (n > 500) throw new Error('the contract never continued-as-new');
      await c.send('previewPlan', { actorId: CLIENT, ops: [{ op: 'edit', milestoneId: 'm200', patch: { dueDate: '2027-03-01' } }] });
    }
    const after = (await c.handle.describe()).runId;
    const kept = await c.send('savePlan', { actorId: CLIENT, ops: [{ op: 'edit', milestoneId: 'm200', patch: { title: 'After the boundary' } }] })
      .catch((err: unknown) => err);
    const sizes = await measurePayloads(client, c.workflowId);
    const s = await c.state();
    console.log(`payload budgets: continue-as-new input ${sizes.runInputs[after]} bytes; largest payload ${sizes.largest.bytes} bytes (${sizes.largest.event})`);

    expect(sizes.runInputs[after]).toBeLessThanOrEqual(PAYLOAD_BUDGET.continueAsNewBytes);
    expect(sizes.largest.bytes).toBeLessThanOrEqual(PAYLOAD_BUDGET.anyPayloadBytes);
    expect(s.milestones).toHaveLength(200);
    expect(s.milestones[199]!.description).toBe(textRef(description(200)));
    expect(s.changeRequest?.patch?.description).toBe(textRef(description(1001)));
    expect(s.proposal?.ops).toHaveLength(400);
    expect(kept).toMatchObject({ cause: { type: 'PROPOSAL_PENDING' } }); // R21, answered by the new run
    const stored = (await projectedRecords(recorder, c)).flatMap((r) => Object.values(r.texts ?? {}));
    expect(stored).toContain(description(200));
    expect(stored).toContain(description(2011));
  }, 300_000);
});
