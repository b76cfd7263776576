// R25: an automatic release whose write fails is owed, not dropped. Its own time-skipping server: the
// projection activity refuses the batch holding the release for good ten times; the contract (which
// adopted the release when its timer fired) keeps trying on its own, and the release lands in PostgreSQL
// with no command from anyone.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createDb, type Db } from '../../db/client.js';
import { DAY_MS } from '../../domain/review.js';
import { shared } from '../support/context.js';
import { ContractDriver } from '../support/contract-driver.js';
import { expectBooksBalanced } from '../support/ledger.js';
import { createTimeSkippingEnv } from '../support/time-skipping.js';
import { type WorkerGroup, withNoticeWorker } from '../support/workers.js';
import { dataConverter } from '../../codec/data-converter.js';

const REFUSALS = 10;
const taskQueue = `ts-retries-${randomUUID()}`;
let db: Db;
let env: TestWorkflowEnvironment;
let worker: WorkerGroup;
let running: Promise<void>;
let refused = 0;

beforeAll(async () => {
  db = createDb(shared('databaseUrl'));
  env = await createTimeSkippingEnv(db);
  const real = createActivities({ db });
  const activities = {
    ...real,
    async projectTransitions(records: Parameters<typeof real.projectTransitions>[0]) {
      if (records.some((r) => r.command === 'autoRelease') && refused < REFUSALS) {
        refused += 1;
        throw ApplicationFailure.nonRetryable('refused by the test', 'PERSISTENCE_FAILED');
      }
      return real.projectTransitions(records);
    },
  };
  const main = await Worker.create({
    connection: env.nativeConnection, taskQueue, dataConverter: dataConverter(), workflowBundle: { codePath: shared('workflowBundlePath') }, activities,
  });
  worker = await withNoticeWorker(main, env.nativeConnection, activities);
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await db?.$disconnect();
});

describe('automatic release retries (time-skipping)', () => {
  it('R25: an automatic release whose write fails ten times in a row keeps being tried and lands on its own', async () => {
    const c = new ContractDriver(env.client, taskQueue);
    await c.open([{ title: 'Logo', amountCents: 1000 }]);
    await c.submit('m1');

    await env.sleep(14 * DAY_MS + 3 * 3600_000); // ten tries, 1 s doubling to a minute apart: minutes
    const row = () => db.milestone.findUniqueOrThrow({ where: { contractId_id: { contractId: c.id, id: 'm1' } } });

    await expect.poll(async () => (await row()).state, { timeout: 20_000 }).toBe('released');
    expect(refused).toBe(REFUSALS);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { contractId: c.id, command: 'autoRelease' } });
    expect(audit.actorId).toBe('system');
    await expectBooksBalanced(db, c.id);
  }, 120_000);
});
