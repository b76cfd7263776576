// The Schedule that runs the answer sweep (workflows/answer-sweep.ts) every hour. The worker makes sure it
// exists at start (and brings an existing one up to date), one per contract queue; operators see it under
// Schedules in the Temporal UI (`temporal schedule describe --schedule-id answer-sweep-<queue>`).
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { ANSWER_POLICY } from '../domain/answer-policy.js';
import { answerSweepScheduleId } from '../domain/names.js';
import type { answerSweepWorkflow } from '../workflows/answer-sweep.js';

/** Every call to the server here is answered within this, or the worker fails to start and says why. */
const CALL_DEADLINE_MS = 15_000;

export async function ensureAnswerSweepSchedule(client: Client, taskQueue: string): Promise<string> {
  const scheduleId = answerSweepScheduleId(taskQueue);
  const action: ScheduleOptionsStartWorkflowAction<typeof answerSweepWorkflow> = {
    type: 'startWorkflow',
    workflowType: 'answerSweepWorkflow',
    workflowId: scheduleId,
    taskQueue,
    // At most maxBatches short statements, each retried for well under a minute: a pass never outlives this.
    workflowExecutionTimeout: ANSWER_POLICY.sweepEveryMs / 2,
    staticSummary: 'Delete stored Idempotency-Key answers past 24 hours; the keys stay refused',
  };
  const spec = { intervals: [{ every: ANSWER_POLICY.sweepEveryMs }] };
  // SKIP: a pass still running when the next is due lets the next one go; it would find the same rows.
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
