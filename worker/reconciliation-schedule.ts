// The Schedule that compares the ledger with the payment provider every hour (workflows/reconcile-payments.ts),
// one per contract queue; with the ledger adapter a pass finds nothing to compare and ends at once.
import type { Client } from '@temporalio/client';
import { reconciliationScheduleId } from '../domain/names.js';
import { ensureSweepSchedule } from './sweep-schedule.js';

export const ensureReconciliationSchedule = (client: Client, taskQueue: string): Promise<string> =>
  ensureSweepSchedule(client, {
    scheduleId: reconciliationScheduleId(taskQueue),
    workflowType: 'reconcilePaymentsWorkflow',
    taskQueue,
    everyMs: 60 * 60_000,
    // 200 contracts, two provider lists each: minutes; a pass never outlives this.
    executionTimeoutMs: 30 * 60_000,
    summary: 'Compare the ledger with the payment provider (R31)',
  });
