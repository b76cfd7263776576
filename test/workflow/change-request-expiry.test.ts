// R19 against the official time-skipping test server: seven days pass in milliseconds, and the expiry
// reaches PostgreSQL through the contract workflow's real persistence activity.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createDb, type Db } from '../../activities/db.js';
import { changeRequestWorkflowId } from '../../domain/names.js';
import { approveSignal } from '../../workflows/messages.js';
import { shared } from '../support/context.js';
import { CLIENT, ContractDriver, FREELANCER } from '../support/contract-driver.js';
import { issueUser } from '../../api/users.js';
import { createTimeSkippingEnv } from '../support/time-skipping.js';

let env: TestWorkflowEnvironment;
let db: Db;
/** One warm worker for the tests that keep theirs; the durability test brings and replaces its own. */
const sharedQueue = `ts-${randomUUID()}`;
let sharedWorker: Worker;
let sharedRun: Promise<void>;
beforeAll(async () => {
  db = createDb(shared('databaseUrl'));
  // Real persistence: the contracts' parties must exist (contracts reference users).
  await issueUser(db, { id: CLIENT, email: `${CLIENT}@example.test`, name: 'Client' });
  await issueUser(db, { id: FREELANCER, email: `${FREELANCER}@example.test`, name: 'Freelancer' });
  env = await createTimeSkippingEnv();
  sharedWorker = await newWorker(sharedQueue);
  sharedRun = sharedWorker.run();
});
afterAll(async () => {
  sharedWorker?.shutdown();
  await sharedRun;
  await env?.teardown();
  await db?.$disconnect();
});

function newWorker(taskQueue: string, { replaceable = false } = {}): Promise<Worker> {
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

/** A contract whose first milestone is funded and has a pending change request. */
async function pendingRequest(c: ContractDriver): Promise<string> {
  await c.create();
  await c.add('Logo', 1000);
  await c.fund();
  const { requestId } = await c.requestChange('m1', { amountCents: 1500 });
  return requestId!;
}

/**
 * Ends the contract and waits for its workflow to complete, so no task or notice delivery is left on a
 * queue nobody polls: the test server stops skipping time while anything is outstanding.
 */
async function finish(c: ContractDriver): Promise<void> {
  await c.idle();
  await c.release('m1');
  await c.send('endContract', { actorId: CLIENT });
  await c.handle.result();
}

describe('change-request expiry (time-skipping)', () => {
  it('R19: a change request with no response expires after seven days and is persisted as expired', async () => {
    const c = new ContractDriver(env.client, sharedQueue);
    const requestId = await pendingRequest(c);

    await env.sleep('167 hours');
    const beforeExpiry = await db.changeRequest.findUniqueOrThrow({ where: { id: requestId } });
    await env.sleep('1 hour');
    const outcome = await env.client.workflow.getHandle(changeRequestWorkflowId(requestId)).result();

    expect(beforeExpiry.state).toBe('pending');
    expect(outcome).toBe('expired');
    await expect.poll(async () => (await c.state()).changeRequest).toBeNull();
    expect((await c.state()).milestones[0]!.amountCents).toBe(1000);
    await expect.poll(async () => (await db.changeRequest.findUniqueOrThrow({ where: { id: requestId } })).state).toBe('expired');
    await finish(c);
  });

  it('R19: the timer is durable: it fires after the worker is replaced', async () => {
    const taskQueue = `ts-${randomUUID()}`;
    const c = new ContractDriver(env.client, taskQueue);
    let requestId = '';
    await (await newWorker(taskQueue, { replaceable: true })).runUntil(async () => {
      requestId = await pendingRequest(c);
      // Let the notice deliveries finish: the test server does not skip time past a scheduled activity.
      await expect.poll(async () => (await c.handle.describe()).raw.pendingActivities?.length ?? 0).toBe(0);
    });

    await env.sleep('7 days'); // no worker polls while the week passes

    await (await newWorker(taskQueue, { replaceable: true })).runUntil(async () => {
      expect(await env.client.workflow.getHandle(changeRequestWorkflowId(requestId)).result()).toBe('expired');
      await expect.poll(async () => (await c.state()).changeRequest).toBeNull();
      await finish(c);
    });
  });

  it('R19: an approval that arrives just before the seventh day ends wins over the expiry', async () => {
    const c = new ContractDriver(env.client, sharedQueue);
    const requestId = await pendingRequest(c);
    const child = env.client.workflow.getHandle(changeRequestWorkflowId(requestId));

    await env.sleep(7 * 24 * 3600 * 1000 - 60_000);
    await child.signal(approveSignal);

    expect(await child.result()).toBe('approved');
    await expect.poll(async () => (await c.state()).milestones[0]!.amountCents).toBe(1500);
    await finish(c);
  });

  it('R19: at exactly seven days the request is decided once — approved or expired — and the contract agrees', async () => {
    const c = new ContractDriver(env.client, sharedQueue);
    const requestId = await pendingRequest(c);
    const child = env.client.workflow.getHandle(changeRequestWorkflowId(requestId));

    await env.sleep('7 days');
    await child.signal(approveSignal).catch(() => undefined); // may arrive after the child closed
    const outcome = await child.result();

    await expect.poll(async () => (await c.state()).changeRequest).toBeNull();
    expect(['approved', 'expired']).toContain(outcome);
    expect((await c.state()).milestones[0]!.amountCents).toBe(outcome === 'approved' ? 1500 : 1000);
    await finish(c);
  });
});
