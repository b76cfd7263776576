// Worker process entry: connects to Temporal (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE) and PostgreSQL
// (DATABASE_URL), then runs until SIGINT/SIGTERM, finishing in-flight tasks before it exits.
// TASK_QUEUE overrides the product's queue and WORKFLOW_BUNDLE_PATH names a prebuilt workflow bundle
// (tests spawn workers on their own queue and skip the seconds that bundling takes).
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createDb } from '../db/client.js';
import { mailerFromEnv } from '../activities/mail.js';
import { createWorker } from './create-worker.js';

const running: { worker?: Worker } = {};
// The SDK shuts a running worker down gracefully on these signals; a signal that arrives while the
// worker is still connecting or bundling would otherwise be swallowed and leave the process behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!running.worker) process.exit(0);
  });
}

const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? 'localhost:7233' });
const db = createDb();
const mail = mailerFromEnv();
if (!mail) console.log(JSON.stringify({ level: 'warn', msg: 'RESEND_API_KEY is not set: emails are recorded as skipped, in-app messages are delivered' }));
const worker = await createWorker({
  connection, db, ...(mail ? { mail } : {}), namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
  ...(process.env.TASK_QUEUE ? { taskQueue: process.env.TASK_QUEUE } : {}),
  ...(process.env.WORKFLOW_BUNDLE_PATH ? { workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH } } : {}),
});
running.worker = worker;
console.log(JSON.stringify({ level: 'info', msg: 'worker started', taskQueue: worker.options.taskQueue }));
try {
  await worker.run();
} finally {
  await db.$disconnect();
  await connection.close();
}
