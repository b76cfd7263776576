// Worker process entry: connects to Temporal (worker/connection.ts: a profile and the TEMPORAL_* variables)
// and PostgreSQL (DATABASE_URL), then runs until SIGINT/SIGTERM, finishing in-flight tasks before it exits.
// TASK_QUEUE overrides the product's queue and WORKFLOW_BUNDLE_PATH names a prebuilt workflow bundle
// (tests spawn workers on their own queue and skip the seconds that bundling takes).
// WORKER_METRICS_ADDRESS (host:port) serves the Temporal runtime's Prometheus metrics on /metrics; unset,
// none are served (tests start many workers side by side, each would want the port).
import { DefaultLogger, NativeConnection, Runtime, type Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createDb } from '../db/client.js';
import { mailerFromEnv } from '../activities/mail.js';
import { Client } from '@temporalio/client';
import { describeTarget, temporalSettings } from './connection.js';
import { createWorker, workflowsPath } from './create-worker.js';
import { paymentsPort } from '../payments/index.js';
import { ensureReconciliationSchedule } from './reconciliation-schedule.js';
import { ensureAnswerSweepSchedule } from './answer-sweep-schedule.js';
import { ensureNoticeSweepSchedule } from './notice-sweep-schedule.js';
import { ensureWebhookSweepSchedule } from './webhook-sweep-schedule.js';
import { createNoticeWorker } from './notice-worker.js';
import { dataConverter, describePayloadKeys, failureConverterPath } from '../codec/data-converter.js';
import { createWebhookWorker } from './webhook-worker.js';
import { resealSecrets } from '../webhooks/reseal.js';
import { secretBoxFromEnv } from '../webhooks/secret-box.js';

const running: { worker?: Worker } = {};
/** Each delivery attempt makes two or three short queries around its POST: a few connections serve 40 slots. */
const WEBHOOK_POOL_SIZE = 4;
// The SDK shuts a running worker down gracefully on these signals; a signal that arrives while the
// worker is still connecting or bundling would otherwise be swallowed and leave the process behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!running.worker) process.exit(0);
  });
}

const metricsAddress = process.env.WORKER_METRICS_ADDRESS;
if (metricsAddress) {
  // Prometheus naming (…_total counters, durations in seconds with the unit in the name), as Temporal's
  // published SDK dashboards expect.
  const prometheus = { bindAddress: metricsAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true };
  Runtime.install({ logger: new DefaultLogger('INFO'), telemetryOptions: { metrics: { prometheus } } });
}
const settings = temporalSettings();
console.log(JSON.stringify({ level: 'info', msg: 'connecting to Temporal', ...describeTarget(settings), ...describePayloadKeys() }));
const connection = await NativeConnection.connect(settings.connection);
const db = createDb();
const mail = mailerFromEnv();
if (!mail) console.log(JSON.stringify({ level: 'warn', msg: 'RESEND_API_KEY is not set: emails are recorded as skipped, in-app messages are delivered' }));
// Signing secrets: the key is checked before anything starts, and stored secrets not sealed under it
// (from before sealing, or under a key being retired) are sealed again.
let secrets;
try {
  secrets = secretBoxFromEnv();
} catch (err) {
  console.error(JSON.stringify({ level: 'error', msg: (err as Error).message }));
  process.exit(2);
}
// R31: PAYMENTS=stripe without its key is refused at start, not at the first deposit.
let payments;
try {
  payments = paymentsPort();
} catch (err) {
  console.error(JSON.stringify({ level: 'error', msg: (err as Error).message }));
  process.exit(2);
}
const resealed = await resealSecrets(db, secrets);
if (resealed) console.log(JSON.stringify({ level: 'info', msg: 'webhook secrets sealed under the current key', count: resealed, keyId: secrets.keyId }));
// One bundle for the contract and webhook workers: bundling takes seconds of CPU, once is enough.
const workflowBundle = process.env.WORKFLOW_BUNDLE_PATH
  ? { codePath: process.env.WORKFLOW_BUNDLE_PATH }
  : { code: (await bundleWorkflowCode({ workflowsPath, failureConverterPath, logger: new DefaultLogger('WARN') })).code };
const worker = await createWorker({
  secrets, workflowBundle, payments,
  connection, db, ...(mail ? { mail } : {}), namespace: settings.namespace,
  ...(process.env.TASK_QUEUE ? { taskQueue: process.env.TASK_QUEUE } : {}),
});
// Notices on their own queue, in this process; the Schedule re-drives what they left pending.
const notices = await createNoticeWorker({ connection, db, ...(mail ? { mail } : {}), namespace: worker.options.namespace,
  taskQueue: worker.options.taskQueue });
// Webhook deliveries on their own queue and slots, in this process: a hung receiver never holds a contract's.
// Its own small pool too: attempts waiting on PostgreSQL never take persistence's connections.
const webhookDb = createDb(undefined, { max: WEBHOOK_POOL_SIZE });
const webhooks = await createWebhookWorker({ connection, db: webhookDb, secrets, workflowBundle, namespace: worker.options.namespace,
  taskQueue: worker.options.taskQueue });
const temporal = new Client({ connection, namespace: worker.options.namespace, dataConverter: dataConverter() });
const sweep = await ensureNoticeSweepSchedule(temporal, worker.options.taskQueue);
// Stored Idempotency-Key answers are deleted past their 24 hours (the keys stay).
const answerSweep = await ensureAnswerSweepSchedule(temporal, worker.options.taskQueue);
const reconciliation = await ensureReconciliationSchedule(temporal, worker.options.taskQueue);
// Webhook deliveries held while an endpoint's circuit was open start even when the endpoint sees no new event.
const webhookSweep = await ensureWebhookSweepSchedule(temporal, worker.options.taskQueue);
running.worker = worker;
console.log(JSON.stringify({
  level: 'info', msg: 'worker started', taskQueue: worker.options.taskQueue, noticeTaskQueue: notices.options.taskQueue,
  webhookTaskQueue: webhooks.options.taskQueue, noticeSweepSchedule: sweep, answerSweepSchedule: answerSweep,
  payments: payments.provider, reconciliationSchedule: reconciliation,
  webhookSweepSchedule: webhookSweep,
  ...(metricsAddress ? { metrics: `http://${metricsAddress}/metrics` } : {}),
}));
try {
  await Promise.all([worker.run(), notices.run(), webhooks.run()]);
} finally {
  await Promise.all([db.$disconnect(), webhookDb.$disconnect()]);
  await connection.close();
}
