// R19 against the official time-skipping test server: seven days pass in milliseconds, and the expiry
// reaches PostgreSQL through the contract workflow's real persistence activity.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createDb, type Db } from '../../activities/db.js';
import { changeRequestWorkflowId, contractWorkflowId } from '../../domain/names.js';
import { createContractUpdate, requestChangeUpdate } from '../../workflows/messages.js';
import type { contractWorkflow } from '../../workflows/contract.js';
import { shared } from '../support/context.js';
import { createTimeSkippingEnv } from '../support/time-skipping.js';

let env: TestWorkflowEnvironment;
let db: Db;
beforeAll(async () => {
  db = createDb(shared('databaseUrl'));
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
  await db?.$disconnect();
});

async function withWorker<T>(taskQueue: string, fn: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: shared('workflowBundlePath') },
    activities: createActivities({ db }),
  });
  return worker.runUntil(fn);
}

describe('change-request expiry', () => {
  it('R19: a change request with no response expires after seven days and is persisted as expired', async () => {
    const taskQueue = `ts-${randomUUID()}`;
    const contractId = randomUUID();
    const requestId = randomUUID();

    await withWorker(taskQueue, async () => {
      await env.client.workflow.executeUpdateWithStart(createContractUpdate, {
        args: [{ contractId, clientId: 'client-1', freelancerId: 'freelancer-1', title: 'Expiry' }],
        startWorkflowOperation: new WithStartWorkflowOperation<typeof contractWorkflow>('contractWorkflow', {
          workflowId: contractWorkflowId(contractId),
          taskQueue,
          args: [{}],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      });
      await env.client.workflow.getHandle(contractWorkflowId(contractId)).executeUpdate(requestChangeUpdate, { args: [{ requestId }] });

      await env.sleep('167 hours');
      const beforeExpiry = await db.changeRequest.findUniqueOrThrow({ where: { id: requestId } });
      await env.sleep('1 hour');
      const outcome = await env.client.workflow.getHandle(changeRequestWorkflowId(requestId)).result();

      expect(beforeExpiry.state).toBe('pending');
      expect(outcome).toBe('expired');
    });
    const row = await db.changeRequest.findUniqueOrThrow({ where: { id: requestId } });
    expect(row.state).toBe('expired');
  });
});
