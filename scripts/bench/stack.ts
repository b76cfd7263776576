// The benchmark's own throwaway servers, one process for the rest: PostgreSQL 17 (embedded), the Temporal
// CLI's dev server, the product's worker, a second worker for the floor workflows on its own task queue,
// and the API on an ephemeral port. Everything is removed when it stops.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createDb, type Db } from '../../db/client.js';
import { createApp } from '../../api/app.js';
import { CHANGE_REQUEST_FLAG } from '../../domain/names.js';
import { issueUser, type IssuedUser } from '../../api/users.js';
import { createWorker } from '../../worker/create-worker.js';
import { createNoticeWorker } from '../../worker/notice-worker.js';
import { allSearchAttributes } from '../../workflows/search-attributes.js';
import { freePort } from '../../test/support/ports.js';
import { startEmbeddedPostgres } from '../lib/postgres.js';
import { migrateDeploy } from '../lib/prisma.js';
import { devServerDynamicConfig } from '../lib/temporal-dev.js';
import { temporalBinary } from '../lib/tools.js';
import { floorActivities } from './floor-activities.js';
import { dataConverter, failureConverterPath } from '../../codec/data-converter.js';

export interface BenchStack {
  db: Db;
  temporal: Client;
  baseUrl: string;
  taskQueue: string;
  floorTaskQueue: string;
  /** The client has R14's change-request flag row, as the API requires. */
  client: IssuedUser;
  freelancer: IssuedUser;
  stop(): Promise<void>;
}

const floorWorkflowsPath = new URL('./floor-workflows.ts', import.meta.url).pathname;
const noop = () => {};
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

export async function startBenchStack(step: (what: string) => void): Promise<BenchStack> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dir = mkdtempSync(join(tmpdir(), 'bench-pg-'));
  step('PostgreSQL, Temporal dev server, floor bundle');
  const [pg, env, floorBundle] = await Promise.all([
    (async () => {
      const pg = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), database: 'bench', persistent: false });
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
  ]);
  const db = createDb(pg.url);
  const taskQueue = `bench-${randomUUID()}`;
  const floorTaskQueue = `bench-floor-${randomUUID()}`;
  step('product worker (bundles workflows/)');
  const worker = await createWorker({ connection: env.nativeConnection, db, taskQueue });
  const noticeWorker = await createNoticeWorker({ connection: env.nativeConnection, db, taskQueue });
  const floorWorker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: floorTaskQueue,
    dataConverter: dataConverter(),
    workflowBundle: floorBundle,
    activities: floorActivities,
  });
  const running = Promise.all([worker.run(), noticeWorker.run(), floorWorker.run()]);
  const temporal = new Client({ connection: env.connection, dataConverter: dataConverter() });
  const server = createApp({ db, temporal, taskQueue, log: noop, rateLimitPerMinute: 1e9, rateLimitPerAddressPerMinute: 1e9 }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));

  const client = await issueUser(db, { email: `client-${randomUUID()}@bench.test`, name: 'Bench Client' });
  const freelancer = await issueUser(db, { email: `freelancer-${randomUUID()}@bench.test`, name: 'Bench Freelancer' });
  await db.featureFlag.create({ data: { userId: client.id, name: CHANGE_REQUEST_FLAG, enabled: true } });

  return {
    db,
    temporal,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    taskQueue,
    floorTaskQueue,
    client,
    freelancer,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      worker.shutdown();
      noticeWorker.shutdown();
      floorWorker.shutdown();
      await running;
      await db.$disconnect();
      await env.teardown();
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
