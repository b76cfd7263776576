// R19's timer is durable: it fires while no worker runs, and a new worker carries on. Its own test
// server, because a workflow left waiting on a queue nobody polls would hold another test's clock.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.js';
import { changeRequestWorkflowId } from '../../domain/names.js';
import { shared } from '../support/context.js';
import { ContractDriver } from '../support/contract-driver.js';
import { createTimeSkippingEnv, pendingRequest, timeSkippingWorker } from '../support/time-skipping.js';

let env: TestWorkflowEnvironment;
let db: Db;
beforeAll(async () => {
  db = createDb(shared('databaseUrl'));
  env = await createTimeSkippingEnv(db);
});
afterAll(async () => {
  await env?.teardown();
  await db?.$disconnect();
});

describe('change-request durability (time-skipping)', () => {
  it('R19: the timer is durable: it fires after the worker is replaced', async () => {
    const taskQueue = `ts-${randomUUID()}`;
    const c = new ContractDriver(env.client, taskQueue);
    let requestId = '';
    await (await timeSkippingWorker(env, db, taskQueue, { replaceable: true })).runUntil(async () => {
      requestId = await pendingRequest(c);
      // Let the notice deliveries finish: the test server does not skip time past a scheduled activity.
      await c.idle();
    });

    await env.sleep('7 days'); // no worker polls while the week passes

    await (await timeSkippingWorker(env, db, taskQueue, { replaceable: true })).runUntil(async () => {
      expect(await env.client.workflow.getHandle(changeRequestWorkflowId(requestId)).result()).toBe('expired');
      await expect.poll(async () => (await c.state()).changeRequest).toBeNull();
      const row = await db.changeRequest.findUniqueOrThrow({ where: { id: requestId } });
      expect(row.state).toBe('expired');
    });
  });
});
