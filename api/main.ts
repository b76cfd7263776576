// API process entry: PORT (3000), DATABASE_URL, COMMAND_TIMEOUT_MS (15000), and Temporal's standard
// client configuration (worker/connection.ts: a profile and the TEMPORAL_* variables).
import { createDb } from '../activities/db.js';
import { connectClient, describeTarget, temporalSettings } from '../worker/connection.js';
import { createApp } from './app.js';
import { createApiMetrics } from './metrics.js';

const port = Number(process.env.PORT ?? 3000);
const metrics = createApiMetrics();
const settings = temporalSettings();
console.log(JSON.stringify({ level: 'info', msg: 'connecting to Temporal', ...describeTarget(settings) }));
const { client: temporal, connection } = await connectClient(settings, { interceptors: { workflow: [metrics.updateInterceptor] } });
const db = createDb();
const server = createApp({
  db,
  temporal,
  metrics,
  rateLimitPerMinute: Number(process.env.RATE_LIMIT_PER_MINUTE ?? 600),
  changeRequestsByDefault: process.env.CHANGE_REQUESTS_DEFAULT === 'on',
  ...(process.env.INITIATION_FEE_CENTS ? { initiationFeeCents: Number(process.env.INITIATION_FEE_CENTS) } : {}),
  ...(process.env.COMMAND_TIMEOUT_MS ? { commandTimeoutMs: positiveMs('COMMAND_TIMEOUT_MS', process.env.COMMAND_TIMEOUT_MS) } : {}),
}).listen(port, () => {
  console.log(JSON.stringify({ level: 'info', msg: 'api listening', port }));
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => void Promise.all([db.$disconnect(), connection.close()]).finally(() => process.exit(0)));
  });
}

function positiveMs(name: string, value: string): number {
  const ms = Number(value);
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new Error(`${name} must be a whole number of milliseconds above 0, got ${value}`);
  return ms;
}
