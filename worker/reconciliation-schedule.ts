// The Schedule that compares the ledger with the payment provider every hour (workflows/reconcile-payments.ts),
// created or brought up to date at the worker's start like the sweeps; with the ledger adapter a pass
// finds nothing to compare and ends at once.
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { reconciliationScheduleId } from '../domain/names.js';
import type { reconcilePaymentsWorkflow } from '../workflows/reconcile-payments.js';

/** Every call to the server here is answered within this, or the worker fails to start and says why. */
const CALL_DEADLINE_MS = 15_000;

export async function ensureReconciliationSchedule(client: Client, taskQueue: string): Promise<string> {
  const scheduleId = reconciliationScheduleId(taskQueue);
  const action: ScheduleOptionsStartWorkflowAction<typeof reconcilePaymentsWorkflow> = {
    type: 'startWorkflow',
    workflowType: 'reconcilePaymentsWorkflow',
    workflowId: scheduleId,
    taskQueue,
    args: [{}],
    // 200 contracts, two provider lists each: minutes; a pass never outlives this.
    workflowExecutionTimeout: '30 minutes',
    staticSummary: 'Compare the ledger with the payment provider (R31)',
  };
  const spec = { intervals: [{ every: '1 hour' as const }] };
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
