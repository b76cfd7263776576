// The time-skipping test server for R19's suites: one server per file (skipped time is global to a
// server), the product's search attributes registered (the workflows upsert them), workers with the
// real persistence activities, and the parties the contracts reference.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import type { Db } from '../../db/client.js';
import { issueUser } from '../../api/users.js';
import { registerSearchAttributes } from '../../scripts/lib/search-attributes.js';
import { shared } from './context.js';
import { CLIENT, type ContractDriver, FREELANCER } from './contract-driver.js';
import { quietRuntime } from './runtime.js';

export async function createTimeSkippingEnv(db: Db): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  // Real persistence: the contracts' parties must exist (contracts reference users).
  await issueUser(db, { id: CLIENT, email: `${CLIENT}@example.test`, name: 'Client' });
  await issueUser(db, { id: FREELANCER, email: `${FREELANCER}@example.test`, name: 'Freelancer' });
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: shared('testServerPath') } },
  });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

export function timeSkippingWorker(env: TestWorkflowEnvironment, db: Db, taskQueue: string, { replaceable = false } = {}): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    // A worker that will be replaced keeps no sticky cache: its successor must get the workflow's next
    // task from the shared queue at once, not after the test server times out a dead sticky queue.
    ...(replaceable ? { maxCachedWorkflows: 0 } : {}),
    workflowBundle: { codePath: shared('workflowBundlePath') },
    activities: createActivities({ db }),
  });
}

/** A contract whose first milestone is funded and has a pending change request (amount 1000 → 1500). */
export async function pendingRequest(c: ContractDriver): Promise<string> {
  await c.create();
  await c.add('Logo', 1000);
  await c.fund();
  const { requestId } = await c.requestChange('m1', { amountCents: 1500 });
  return requestId!;
}
