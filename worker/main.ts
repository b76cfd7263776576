// Worker process entry: connects to Temporal (worker/connection.ts: a profile and the TEMPORAL_* variables)
// and PostgreSQL (DATABASE_URL), then runs until SIGINT/SIGTERM, finishing in-flight tasks before it exits.
// TASK_QUEUE overrides the product's queue and WORKFLOW_BUNDLE_PATH names a prebuilt workflow bundle
// (tests spawn workers on their own queue and skip the seconds that bundling takes).
// WORKER_METRICS_ADDRESS (host:port) serves the Temporal runtime's Prometheus metrics on /metrics; unset,
// none are served (tests start many workers side by side, each would want the port).
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createDb } from '../db/client.js';
import { mailerFromEnv } from '../activities/mail.js';
import { Client } from '@temporalio/client';
import { describeTarget, temporalSettings } from './connection.js';
import { createWorker } from './create-worker.js';
import { ensureAnswerSweepSchedule } from './answer-sweep-schedule.js';
import { ensureNoticeSweepSchedule } from './notice-sweep-schedule.js';
import { createNoticeWorker } from './notice-worker.js';

const running: { worker?: Worker } = {};
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
console.log(JSON.stringify({ level: 'info', msg: 'connecting to Temporal', ...describeTarget(settings) }));
const connection = await NativeConnection.connect(settings.connection);
const db = createDb();
const mail = mailerFromEnv();
if (!mail) console.log(JSON.stringify({ level: 'warn', msg: 'RESEND_API_KEY is not set: emails are recorded as skipped, in-app messages are delivered' }));
const worker = await createWorker({
  connection, db, ...(mail ? { mail } : {}), namespace: settings.namespace,
  ...(process.env.TASK_QUEUE ? { taskQueue: process.env.TASK_QUEUE } : {}),
  ...(process.env.WORKFLOW_BUNDLE_PATH ? { workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH } } : {}),
});
// Notices on their own queue, in this process; the Schedule re-drives what they left pending.
const notices = await createNoticeWorker({ connection, db, ...(mail ? { mail } : {}), namespace: worker.options.namespace,
  taskQueue: worker.options.taskQueue });
const temporal = new Client({ connection, namespace: worker.options.namespace });
const sweep = await ensureNoticeSweepSchedule(temporal, worker.options.taskQueue);
// Stored Idempotency-Key answers (webhook secrets among them) are deleted past their 24 hours.
const answerSweep = await ensureAnswerSweepSchedule(temporal, worker.options.taskQueue);
running.worker = worker;
console.log(JSON.stringify({
  level: 'info', msg: 'worker started', taskQueue: worker.options.taskQueue, noticeTaskQueue: notices.options.taskQueue,
  noticeSweepSchedule: sweep, answerSweepSchedule: answerSweep, ...(metricsAddress ? { metrics: `http://${metricsAddress}/metrics` } : {}),
}));
try {
  await Promise.all([worker.run(), notices.run()]);
} finally {
  await db.$disconnect();
  await connection.close();
}
