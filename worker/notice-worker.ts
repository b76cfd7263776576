// The notices worker: an activity-only worker on the notices task queue beside the contract
// queue, in the same process. Emails wait on its slots, so an email outage never holds persistence's.
// It also serves the sweep's query; the sweep workflow itself runs on the contract queue.
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { TASK_QUEUE, noticeTaskQueue } from '../domain/names.js';
import type { CreateWorkerOptions } from './create-worker.js';

export function createNoticeWorker(opts: Omit<CreateWorkerOptions, 'workflowBundle'>): Promise<Worker> {
  const { deliverNotice, findStaleNotices } = createActivities({ db: opts.db, ...(opts.mail ? { mail: opts.mail } : {}) });
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: noticeTaskQueue(opts.taskQueue ?? TASK_QUEUE),
    activities: { deliverNotice, findStaleNotices },
    // Each attempt is one HTTP call of at most 15 s; this many in flight covers a burst of notices
    // without letting a slow provider hold unbounded sockets.
    maxConcurrentActivityTaskExecutions: 50,
  });
}
