// `npm run up`: the whole stack on embedded defaults. Provisions tools, starts PostgreSQL and the Temporal
// dev server (unless DATABASE_URL / TEMPORAL_ADDRESS point elsewhere), applies migrations, issues demo
// tokens, starts the worker and the API, and stops everything on Ctrl-C / SIGTERM. (package.json runs
// scripts/provision.ts first: this file imports the generated Prisma client.)
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { createDb } from '../db/client.js';
import { CHANGE_REQUEST_FLAG } from '../domain/names.js';
import { issueUser } from '../api/users.js';
import { startEmbeddedPostgres } from './lib/postgres.js';
import { generatePrismaClient, migrateDeploy } from './lib/prisma.js';
import { startTemporalDevServer } from './lib/temporal-dev.js';
import { root, temporalBinary } from './lib/tools.js';

const PG_PORT = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
const TEMPORAL_PORT = Number(process.env.TEMPORAL_DEV_PORT ?? 7233);
const UI_PORT = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
const API_PORT = Number(process.env.PORT ?? 3000);
export const DEMO = {
  client: { id: 'demo-client', email: 'client@demo.test', name: 'Demo Client', token: 'mc_demo_client' },
  freelancer: { id: 'demo-freelancer', email: 'freelancer@demo.test', name: 'Demo Freelancer', token: 'mc_demo_freelancer' },
};

const data = join(root, '.data');
mkdirSync(data, { recursive: true });
const stops: (() => Promise<unknown>)[] = [];
const children: ChildProcess[] = [];
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('\nstopping...');
    await Promise.all(children.map((c) => stopChild(c)));
    for (const stop of stops.reverse()) await stop().catch((e) => console.error(e));
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => (clearTimeout(timer), resolve()));
    child.kill('SIGTERM');
  });
}

function startNode(name: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  child.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping the stack`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

async function waitForTemporal(address: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      await connection.workflowService.describeNamespace({ namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
      await connection.close();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function waitForHttp(url: string) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within 60 s`);
}

try {
  temporalBinary('temporal');
  generatePrismaClient();

  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir: join(data, 'postgres'), port: PG_PORT, database: 'milestones', persistent: true });
    stops.push(pg.stop);
    databaseUrl = pg.url;
  }
  migrateDeploy(databaseUrl);

  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  let uiUrl = 'your Temporal UI';
  if (!temporalAddress) {
    const temporal = await startTemporalDevServer({ port: TEMPORAL_PORT, uiPort: UI_PORT, dbFile: join(data, 'temporal.db') });
    stops.push(temporal.stop);
    temporalAddress = temporal.address;
    uiUrl = temporal.uiUrl;
  }
  await waitForTemporal(temporalAddress);

  const db = createDb(databaseUrl);
  await issueUser(db, DEMO.client);
  await issueUser(db, DEMO.freelancer);
  // The demo client may request changes to an active milestone (R14's feature flag).
  await db.featureFlag.upsert({
    where: { userId_name: { userId: DEMO.client.id, name: CHANGE_REQUEST_FLAG } },
    create: { userId: DEMO.client.id, name: CHANGE_REQUEST_FLAG, enabled: true },
    update: { enabled: true },
  });
  await db.$disconnect();

  const env = { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, PORT: String(API_PORT) };
  startNode('worker', 'worker/main.ts', env);
  startNode('api', 'api/main.ts', env);
  await waitForHttp(`http://127.0.0.1:${API_PORT}/readyz`);

  console.log(`
Milestone contracts is running.
  API          http://localhost:${API_PORT}   (docs: /docs, OpenAPI: /openapi.json, health: /healthz, /readyz)
  Temporal UI  ${uiUrl}
  Temporal     ${temporalAddress}
  PostgreSQL   ${databaseUrl}
Demo tokens:
  client       ${DEMO.client.token}   (user id ${DEMO.client.id})
  freelancer   ${DEMO.freelancer.token}   (user id ${DEMO.freelancer.id})
Try:
  curl -s -X POST localhost:${API_PORT}/contracts -H 'authorization: Bearer ${DEMO.client.token}' \\
       -H "idempotency-key: $(date +%s%N)" -H 'content-type: application/json' \\
       -d '{"title":"Logo design","freelancerId":"${DEMO.freelancer.id}"}'
  (the README walks through the whole story)
Ctrl-C stops everything.`);
} catch (err) {
  console.error(`up failed: ${(err as Error).stack ?? err}`);
  await shutdown(1);
}
