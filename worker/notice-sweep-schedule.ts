// The Schedule that runs the notice sweep (workflows/notice-sweep.ts) every 15 minutes. The worker makes
// sure it exists at start (and brings an existing one up to date), so every deployment has exactly one per
// contract queue; operators see it under Schedules in the Temporal UI (`temporal schedule describe`).
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { noticeSweepScheduleId } from '../domain/names.js';
import { NOTICE_POLICY } from '../domain/notice-policy.js';
import type { noticeSweepWorkflow } from '../workflows/notice-sweep.js';

/** Every call to the server here is answered within this, or the worker fails to start and says why. */
const CALL_DEADLINE_MS = 15_000;

export async function ensureNoticeSweepSchedule(client: Client, taskQueue: string): Promise<string> {
  const scheduleId = noticeSweepScheduleId(taskQueue);
  const action: ScheduleOptionsStartWorkflowAction<typeof noticeSweepWorkflow> = {
    type: 'startWorkflow',
    workflowType: 'noticeSweepWorkflow',
    workflowId: scheduleId,
    taskQueue,
    // One pass: the query, then re-drives bounded at an hour each; a pass never outlives this.
    workflowExecutionTimeout: NOTICE_POLICY.redriveBoundMs * 2,
    staticSummary: 'Re-drive notices left pending past two hours (R24); give up at 20 h',
  };
  const spec = { intervals: [{ every: NOTICE_POLICY.sweepEveryMs }] };
  // SKIP: a pass still re-driving when the next is due lets the next one go (its notices are in flight).
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' as const };
  const deadline = () => Date.now() + CALL_DEADLINE_MS;
  try {
    await client.connection.withDeadline(deadline(), () => client.schedule.create({ scheduleId, spec, action, policies }));
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.connection.withDeadline(deadline(), () =>
      client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action, policies })));
  }
  return scheduleId;
}
