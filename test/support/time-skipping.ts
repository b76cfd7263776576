// The time-skipping test server for R19's suites: one server per file (skipped time is global to a
// server), the product's search attributes registered (the workflows upsert them), workers with the
// real persistence activities, and the parties the contracts reference.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { createDb, type Db } from '../../db/client.js';
import { issueUser } from '../../api/users.js';
import { registerSearchAttributes } from '../../scripts/lib/search-attributes.js';
import { shared } from './context.js';
import { CLIENT, ContractDriver, FREELANCER } from './contract-driver.js';
import { quietRuntime } from './runtime.js';
import { type WorkerGroup, withNoticeWorker } from './workers.js';
import { dataConverter } from '../../codec/data-converter.js';

export async function createTimeSkippingEnv(db: Db): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  // Real persistence: the contracts' parties must exist (contracts reference users).
  await issueUser(db, { id: CLIENT, email: `${CLIENT}@example.test`, name: 'Client' });
  await issueUser(db, { id: FREELANCER, email: `${FREELANCER}@example.test`, name: 'Freelancer' });
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: shared('testServerPath') } },
    client: { dataConverter: dataConverter() },
  });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

export async function timeSkippingWorker(env: TestWorkflowEnvironment, db: Db, taskQueue: string, { replaceable = false } = {}): Promise<WorkerGroup> {
  const activities = createActivities({ db });
  const main = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    dataConverter: dataConverter(),
    // A worker that will be replaced keeps no sticky cache: its successor must get the workflow's next
    // task from the shared queue at once, not after the test server times out a dead sticky queue.
    ...(replaceable ? { maxCachedWorkflows: 0 } : {}),
    workflowBundle: { codePath: shared('workflowBundlePath') },
    activities,
  });
  // Deliveries run on the notices queue: the test server does not skip time past a task nobody polls.
  return withNoticeWorker(main, env.nativeConnection, activities);
}

export interface TimeSkippingFile {
  env: TestWorkflowEnvironment;
  db: Db;
  taskQueue: string;
  stop(): Promise<void>;
}

/** A file's own server with one warm worker on its own task queue and real persistence; `stop` ends it all. */
export async function startTimeSkippingFile(): Promise<TimeSkippingFile> {
  const db = createDb(shared('databaseUrl'));
  const env = await createTimeSkippingEnv(db);
  const taskQueue = `ts-${randomUUID()}`;
  const worker = await timeSkippingWorker(env, db, taskQueue);
  const running = worker.run();
  // Warm the worker's workflow runtime, so each test's time is its own rather than the first task's.
  await new ContractDriver(env.client, taskQueue).create();
  return {
    env, db, taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await env.teardown();
      await db.$disconnect();
    },
  };
}

/**
 * Starts the file's server before its tests and stops it after them; read `env`, `db` and `taskQueue`
 * inside tests (they exist once beforeAll has run).
 */
export function useTimeSkippingFile(): Omit<TimeSkippingFile, 'stop'> {
  let file: TimeSkippingFile | undefined;
  beforeAll(async () => {
    file = await startTimeSkippingFile();
  });
  afterAll(() => file?.stop());
  const started = (): TimeSkippingFile => file ?? expect.fail('the time-skipping server starts in beforeAll');
  return {
    get env() { return started().env; },
    get db() { return started().db; },
    get taskQueue() { return started().taskQueue; },
  };
}

/** A contract whose first milestone is funded and has a pending change request (amount 1000 → 1500). */
export async function pendingRequest(c: ContractDriver): Promise<string> {
  await c.open([{ title: 'Logo', amountCents: 1000 }]);
  const { requestId } = await c.requestChange('m1', { amountCents: 1500 });
  return requestId!;
}
