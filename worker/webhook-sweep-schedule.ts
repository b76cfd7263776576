// The Schedule that runs the webhook sweep (workflows/webhook-sweep.ts) every five minutes on the webhook
// queue, one per contract queue: quiet endpoints past their circuit's opening get a probe, and deliveries
// held behind a closed circuit start.
import type { Client } from '@temporalio/client';
import { webhookSweepScheduleId, webhookTaskQueue } from '../domain/names.js';
import { WEBHOOK_SWEEP_EVERY_MS } from '../webhooks/held-sweep.js';
import { ensureSweepSchedule } from './sweep-schedule.js';

export const ensureWebhookSweepSchedule = (client: Client, taskQueue: string): Promise<string> =>
  ensureSweepSchedule(client, {
    scheduleId: webhookSweepScheduleId(taskQueue),
    workflowType: 'webhookSweepWorkflow',
    taskQueue: webhookTaskQueue(taskQueue),
    everyMs: WEBHOOK_SWEEP_EVERY_MS,
    // One activity of at most ten minutes, tried three times (workflows/webhook-options.ts).
    executionTimeoutMs: 40 * 60_000,
    summary: 'Probe quiet webhook endpoints past their circuit\'s opening; start deliveries held behind a closed circuit (R29)',
  });
