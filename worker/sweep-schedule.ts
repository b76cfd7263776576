// The Schedules that run the product's sweeps (notices, stored answers, held webhook deliveries). The
// worker makes sure each exists at start and brings an existing one up to date, so every deployment has
// exactly one per contract queue; operators see them under Schedules in the Temporal UI
// (`temporal schedule describe --schedule-id <id>`).
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';

/** Every call to the server here is answered within this, or the worker fails to start and says why. */
const CALL_DEADLINE_MS = 15_000;

export interface SweepSchedule {
  scheduleId: string;
  workflowType: string;
  /** The queue its workflow and activities run on. */
  taskQueue: string;
  everyMs: number;
  /** A pass never outlives this (each sweep bounds its own work below it). */
  executionTimeoutMs: number;
  summary: string;
}

export async function ensureSweepSchedule(client: Client, s: SweepSchedule): Promise<string> {
  const { scheduleId } = s;
  const action = {
    type: 'startWorkflow' as const,
    workflowType: s.workflowType,
    workflowId: scheduleId,
    taskQueue: s.taskQueue,
    workflowExecutionTimeout: s.executionTimeoutMs,
    staticSummary: s.summary,
  };
  const spec = { intervals: [{ every: s.everyMs }] };
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
