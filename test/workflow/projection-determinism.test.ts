// The projection's commands do not depend on how the server groups events into workflow tasks: a
// command (an Update) that arrives in the same workflow task as the completion of the previous
// projection write replays exactly as it ran. The history is made so on purpose: the write is held in
// its activity while no workflow worker polls, it completes, the command is sent, and only then does a
// workflow worker come back and take both in one task. It is then replayed twice: as recorded, and with
// the activity's result applied before the Update inside that task (test/support/activity-results-first.ts).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataConverter, failureConverterPath } from '../../codec/data-converter.js';
import { workflowsPath } from '../../worker/create-worker.js';
import { shared } from '../support/context.js';
import { ContractDriver } from '../support/contract-driver.js';
import { createRecorder } from '../support/recording-activities.js';
import { quietRuntime } from '../support/runtime.js';
import { withNoticeWorker } from '../support/workers.js';

type Event = temporal.api.history.v1.IHistoryEvent;

let native: NativeConnection;
let connection: Connection;
let client: Client;
let reordered: { code: string };
beforeAll(async () => {
  quietRuntime();
  const noop = () => undefined;
  reordered = await bundleWorkflowCode({
    workflowsPath, failureConverterPath,
    workflowInterceptorModules: [join(import.meta.dirname, '..', 'support', 'activity-results-first.ts')],
    logger: { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop },
  });
  native = await NativeConnection.connect({ address: shared('temporalAddress') });
  connection = await Connection.connect({ address: shared('temporalAddress') });
  client = new Client({ connection, dataConverter: dataConverter() });
}, 120_000); // bundling the workflows takes seconds, more on busy cores
afterAll(async () => {
  await connection?.close();
  await native?.close();
});

/** A workflow-only worker on the queue (activities run on their own worker, which stays up). */
function workflowWorker(taskQueue: string): Promise<Worker> {
  return Worker.create({
    connection: native, taskQueue, dataConverter: dataConverter(),
    // No cache: every task replays the run from its history, as a replacement worker would.
    maxCachedWorkflows: 0,
    workflowBundle: { codePath: shared('workflowBundlePath') },
  });
}

/** Polls (bounded) until `check` holds. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not happen within 10 s`);
}

/** True when some workflow task both delivered an activity's completion and accepted an Update. */
function sharedTask(events: Event[]): boolean {
  const completedAt = events.flatMap((e, i) => (e.workflowTaskCompletedEventAttributes ? [i] : []));
  return completedAt.some((end, k) => {
    const start = completedAt[k - 1] ?? -1;
    const next = completedAt[k + 1] ?? events.length;
    const delivered = events.slice(start + 1, end).some((e) => e.activityTaskCompletedEventAttributes);
    const accepted = events.slice(end + 1, next).some((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    return delivered && accepted;
  });
}

describe('projection determinism', () => {
  it('R2: an Update sharing a workflow task with the previous write\'s completion replays as it ran', async () => {
    const taskQueue = `pdet-${randomUUID()}`;
    const recorder = createRecorder();
    let open: () => void = () => undefined;
    let gate: Promise<void> = Promise.resolve();
    const activities = {
      ...recorder.activities,
      projectTransitions: async (batch: Parameters<typeof recorder.activities.projectTransitions>[0]) => {
        await gate;
        return recorder.activities.projectTransitions(batch);
      },
    };
    const activityWorkers = await withNoticeWorker(
      await Worker.create({ connection: native, taskQueue, dataConverter: dataConverter(), activities }), native, activities,
    );
    const activitiesRunning = activityWorkers.run();
    const c = new ContractDriver(client, taskQueue);
    try {
      const first = await workflowWorker(taskQueue);
      await first.runUntil(async () => {
        await c.create();
        await c.add('Logo', 1000);
        await c.idle();
        gate = new Promise((resolve) => { open = resolve; });
        await c.fund(); // answered at once; its write is held in the activity
      });
      // No workflow worker now: the write completes and the next command waits in the same pending task.
      open();
      await until('the held write completing', async () => !(await c.handle.describe()).raw.pendingActivities?.length);
      const requested = c.requestChange('m1', { amountCents: 1500 }); // starts a child workflow as it commits
      requested.catch(() => undefined); // awaited below
      // The server admits the Update within milliseconds; sharedTask() below proves it joined the pending task.
      await new Promise((r) => setTimeout(r, 1000));

      const second = await workflowWorker(taskQueue);
      await second.runUntil(async () => {
        await requested;
        await c.idle();
      });
      const { events } = await c.handle.fetchHistory();
      expect(sharedTask(events!)).toBe(true);
      const history = await c.handle.fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: { codePath: shared('workflowBundlePath') }, dataConverter: dataConverter() }, history, c.workflowId);
      await Worker.runReplayHistory({ workflowBundle: reordered, dataConverter: dataConverter() }, history, c.workflowId);
      expect(recorder.forContract(c.id).records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    } finally {
      activityWorkers.shutdown();
      await activitiesRunning;
    }
  }, 90_000); // the reordering bundle is built in beforeAll (its own timeout)
});
