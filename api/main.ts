// API process entry: configuration from the environment through api/config.ts (docs/operations.md, "Environment"); a
// bad value stops it here with the variable's name and what it must be. Temporal's standard client
// configuration (a profile and the TEMPORAL_* variables) is read by worker/connection.ts.
import { createDb, createPool } from '../db/client.js';
import { DELIVERY_SCHEDULE } from '../domain/webhook-schedule.js';
import { connectClient, describeTarget, temporalSettings } from '../worker/connection.js';
import { describePayloadKeys } from '../codec/data-converter.js';
import { createApp } from './app.js';
import { jwtSettings, readEnv } from './config.js';
import { secretBoxFromEnv } from '../webhooks/secret-box.js';
import { createApiMetrics } from './metrics.js';
import { apiLogger } from './request-log.js';
import { paymentsConfig } from '../payments/config.js';

let env;
let secrets;
let payments;
let jwt;
try {
  env = readEnv();
  jwt = jwtSettings(env);
  secrets = secretBoxFromEnv();
  payments = paymentsConfig();
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
const logger = apiLogger(env.LOG_LEVEL);
const metrics = createApiMetrics();
const settings = temporalSettings();
logger.info({ ...describeTarget(settings), ...describePayloadKeys() }, 'connecting to Temporal');
const { client: temporal, connection } = await connectClient(settings, { interceptors: { workflow: [metrics.updateInterceptor] } });
const db = createDb(env.DATABASE_URL);
const rateLimitStore = createPool(env.DATABASE_URL, { max: 4 });
const server = createApp({
  db,
  temporal,
  taskQueue: env.TASK_QUEUE,
  secrets,
  logger,
  metrics,
  ...(env.METRICS_TOKEN ? { metricsToken: env.METRICS_TOKEN } : {}),
  rateLimitStore,
  authCacheMs: env.AUTH_CACHE_MS,
  rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
  rateLimitPerAddressPerMinute: env.RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
  trustProxyHops: env.TRUST_PROXY_HOPS,
  changeRequestsByDefault: env.CHANGE_REQUESTS_DEFAULT === 'on',
  initiationFeeCents: env.INITIATION_FEE_CENTS,
  commandTimeoutMs: env.COMMAND_TIMEOUT_MS,
  ...(jwt ? { jwt } : {}),
  webhooks: { allowLoopback: env.WEBHOOKS_ALLOW_LOOPBACK === 'true', schedule: DELIVERY_SCHEDULE },
  payments: payments.provider,
  ...(payments.stripe?.webhookSecret ? { stripeWebhookSecret: payments.stripe.webhookSecret } : {}),
}).listen(env.PORT, () => {
  logger.info({ port: env.PORT }, 'api listening');
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => void Promise.all([db.$disconnect(), rateLimitStore.end(), connection.close()]).finally(() => process.exit(0)));
  });
}
