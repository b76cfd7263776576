// Builds a Worker for the product's task queue: bundled workflows plus real activities.
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { TASK_QUEUE } from '../domain/names.js';

export const workflowsPath = new URL('../workflows/index.ts', import.meta.url).pathname;

export interface CreateWorkerOptions extends ActivityDeps {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  /** A pre-built bundle (tests bundle once); otherwise the worker bundles workflows/ itself. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    activities: createActivities({ db: opts.db, ...(opts.mail ? { mail: opts.mail } : {}) }),
    // A worker that dies with a contract in its cache holds that contract's next workflow task this long
    // before the server hands it to another worker (the default is 10 s; a command waits for it).
    stickyQueueScheduleToStartTimeout: '2 seconds',
  });
}
