// Builds a Worker for the product's task queue: bundled workflows plus real activities.
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { createWebhookDispatcher } from '../webhooks/outbox.js';
import { type SecretBox, secretBoxFromEnv } from '../webhooks/secret-box.js';
import { type WebhookSettings, webhookSettingsFromEnv } from '../webhooks/settings.js';
import { TASK_QUEUE, webhookTaskQueue } from '../domain/names.js';
import { dataConverter } from '../codec/data-converter.js';

export const workflowsPath = new URL('../workflows/index.ts', import.meta.url).pathname;

export interface CreateWorkerOptions extends Omit<ActivityDeps, 'webhooks'> {
  /** R29: loopback receivers and the delivery schedule (default: from the environment). */
  webhooks?: WebhookSettings;
  /** R29: opens the stored signing secrets (default: WEBHOOK_SECRET_KEYS, or the embedded stack's key). */
  secrets?: SecretBox;
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  /** A pre-built bundle (tests bundle once); otherwise the worker bundles workflows/ itself. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  const namespace = opts.namespace ?? 'default';
  const taskQueue = opts.taskQueue ?? TASK_QUEUE;
  const webhooks = opts.webhooks ?? webhookSettingsFromEnv();
  const secrets = opts.secrets ?? secretBoxFromEnv();
  // Delivery workflows run on the webhook queue beside this one (worker/webhook-worker.ts); this worker's
  // connection starts them once a transition is stored.
  const temporal = new Client({ connection: opts.connection, namespace, dataConverter: dataConverter() });
  const dispatcher = createWebhookDispatcher(opts.db, temporal, webhookTaskQueue(taskQueue), webhooks);
  return Worker.create({
    connection: opts.connection,
    namespace,
    taskQueue,
    dataConverter: dataConverter(),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    // The delivery activities stay registered here for deliveries started on this queue before they had
    // their own; new ones never come here.
    activities: createActivities({
      db: opts.db, ...(opts.mail ? { mail: opts.mail } : {}), ...(opts.payments ? { payments: opts.payments } : {}),
      webhooks: { dispatcher, allowLoopback: webhooks.allowLoopback, secrets, ...(webhooks.limits ? { limits: webhooks.limits } : {}) },
    }),
    // A worker that dies with a contract in its cache holds that contract's next workflow task this long
    // before the server hands it to another worker (the default is 10 s; a command waits for it).
    stickyQueueScheduleToStartTimeout: '2 seconds',
  });
}
