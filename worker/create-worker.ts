// Builds a Worker for the product's task queue: bundled workflows plus real activities.
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { createWebhookDispatcher } from '../webhooks/outbox.js';
import { type WebhookSettings, webhookSettingsFromEnv } from '../webhooks/settings.js';
import { TASK_QUEUE } from '../domain/names.js';
import { dataConverter } from '../codec/data-converter.js';

export const workflowsPath = new URL('../workflows/index.ts', import.meta.url).pathname;

export interface CreateWorkerOptions extends Omit<ActivityDeps, 'webhooks'> {
  /** R29: loopback receivers and the delivery schedule (default: from the environment). */
  webhooks?: WebhookSettings;
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
  // Delivery workflows run on this worker's queue; the worker's own connection starts them.
  const temporal = new Client({ connection: opts.connection, namespace, dataConverter: dataConverter() });
  const dispatcher = createWebhookDispatcher(opts.db, temporal, taskQueue, webhooks);
  return Worker.create({
    connection: opts.connection,
    namespace,
    taskQueue,
    dataConverter: dataConverter(),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    activities: createActivities({
      db: opts.db, ...(opts.mail ? { mail: opts.mail } : {}), webhooks: { dispatcher, allowLoopback: webhooks.allowLoopback },
    }),
    // A worker that dies with a contract in its cache holds that contract's next workflow task this long
    // before the server hands it to another worker (the default is 10 s; a command waits for it).
    stickyQueueScheduleToStartTimeout: '2 seconds',
  });
}
