// Contract workers come in pairs: the contract queue (workflows, persistence) and the
// notices queue beside it (deliveries), as worker/main.ts runs them. A group runs and stops them together.
import { type NativeConnection, Worker } from '@temporalio/worker';
import type { ContractActivities } from '../../activities/types.js';
import { noticeTaskQueue } from '../../domain/names.js';

export class WorkerGroup {
  constructor(readonly workers: Worker[]) {}

  run(): Promise<void> {
    return Promise.all(this.workers.map((w) => w.run())).then(() => undefined);
  }

  shutdown(): void {
    for (const w of this.workers) w.shutdown();
  }

  /** Runs every worker until `fn` settles (as Worker.runUntil does for one). */
  async runUntil<T>(fn: () => Promise<T>): Promise<T> {
    const [main, ...rest] = this.workers;
    const others = rest.map((w) => w.run());
    try {
      return await main!.runUntil(fn);
    } finally {
      rest.forEach((w) => w.shutdown());
      await Promise.all(others);
    }
  }
}

/** A contract queue's worker plus a notices worker serving `deliverNotice` from the same activities. */
export async function withNoticeWorker(
  main: Worker, connection: NativeConnection, activities: Pick<ContractActivities, 'deliverNotice'>,
): Promise<WorkerGroup> {
  const notices = await Worker.create({
    connection,
    namespace: main.options.namespace,
    taskQueue: noticeTaskQueue(main.options.taskQueue),
    activities: { deliverNotice: activities.deliverNotice },
  });
  return new WorkerGroup([main, notices]);
}
