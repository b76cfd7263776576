// API process entry: PORT (3000), DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, COMMAND_TIMEOUT_MS (15000).
import { Client, Connection } from '@temporalio/client';
import { createDb } from '../db/client.js';
import { createApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? 'localhost:7233' });
const temporal = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
const db = createDb();
const server = createApp({
  db,
  temporal,
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
