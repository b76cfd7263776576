// The Schedule that runs the answer sweep (workflows/answer-sweep.ts) every hour, one per contract queue.
import type { Client } from '@temporalio/client';
import { ANSWER_POLICY } from '../domain/answer-policy.js';
import { answerSweepScheduleId } from '../domain/names.js';
import { ensureSweepSchedule } from './sweep-schedule.js';

export const ensureAnswerSweepSchedule = (client: Client, taskQueue: string): Promise<string> =>
  ensureSweepSchedule(client, {
    scheduleId: answerSweepScheduleId(taskQueue),
    workflowType: 'answerSweepWorkflow',
    taskQueue,
    everyMs: ANSWER_POLICY.sweepEveryMs,
    // At most maxBatches short statements, each retried for well under a minute: a pass never outlives this.
    executionTimeoutMs: ANSWER_POLICY.sweepEveryMs / 2,
    summary: 'Delete stored Idempotency-Key answers past 24 hours; the keys stay refused',
  });
