// The Schedule that runs the notice sweep (workflows/notice-sweep.ts) every 15 minutes, one per contract queue.
import type { Client } from '@temporalio/client';
import { noticeSweepScheduleId } from '../domain/names.js';
import { NOTICE_POLICY } from '../domain/notice-policy.js';
import { ensureSweepSchedule } from './sweep-schedule.js';

export const ensureNoticeSweepSchedule = (client: Client, taskQueue: string): Promise<string> =>
  ensureSweepSchedule(client, {
    scheduleId: noticeSweepScheduleId(taskQueue),
    workflowType: 'noticeSweepWorkflow',
    taskQueue,
    everyMs: NOTICE_POLICY.sweepEveryMs,
    // One pass: the query, then re-drives bounded at an hour each; a pass never outlives this.
    executionTimeoutMs: NOTICE_POLICY.redriveBoundMs * 2,
    summary: 'Re-drive notices left pending past two hours (R24); give up at 20 h',
  });
