// The webhook worker: delivery workflows and their attempts on the webhook queue beside the contract queue,
// in the same process. A receiver that never answers holds this worker's slots (at most its endpoint's and
// its owner's share of them, webhooks/gate.ts), never the contract queue's workflow tasks or persistence.
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { resumeHeldDeliveries } from '../webhooks/outbox.js';
import { sweepHeldDeliveries } from '../webhooks/held-sweep.js';
import { createWebhookActivities } from '../activities/webhooks.js';
import { TASK_QUEUE, webhookTaskQueue } from '../domain/names.js';
import { secretBoxFromEnv } from '../webhooks/secret-box.js';
import { DELIVERY_LIMITS, webhookSettingsFromEnv } from '../webhooks/settings.js';
import { type CreateWorkerOptions, workflowsPath } from './create-worker.js';
import { dataConverter } from '../codec/data-converter.js';

export function createWebhookWorker(opts: CreateWorkerOptions): Promise<Worker> {
  const webhooks = opts.webhooks ?? webhookSettingsFromEnv();
  const limits = webhooks.limits ?? DELIVERY_LIMITS;
  const secrets = opts.secrets ?? secretBoxFromEnv();
  const namespace = opts.namespace ?? 'default';
  const taskQueue = webhookTaskQueue(opts.taskQueue ?? TASK_QUEUE);
  const temporal = new Client({ connection: opts.connection, namespace, dataConverter: dataConverter() });
  const { attemptWebhookDelivery, settleWebhookDelivery } = createWebhookActivities(
    opts.db, { allowLoopback: webhooks.allowLoopback, limits }, (s) => secrets.open(s),
    (endpointId) => resumeHeldDeliveries(opts.db, temporal, taskQueue, webhooks, endpointId));
  return Worker.create({
    connection: opts.connection,
    namespace,
    taskQueue,
    dataConverter: dataConverter(),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    activities: {
      attemptWebhookDelivery, settleWebhookDelivery,
      sweepHeldWebhookDeliveries: () => sweepHeldDeliveries(opts.db, temporal, taskQueue, webhooks),
    },
    maxConcurrentActivityTaskExecutions: limits.slots,
    // A delivery workflow's task is a few milliseconds; a handful at once keeps their CPU in proportion.
    maxConcurrentWorkflowTaskExecutions: 4,
  });
}
