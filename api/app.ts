// The Express 5 app factory: request ids and logs (pino-http), security headers (helmet), health and the
// reference, a per-address rate limit, authentication, a per-token rate limit, the routes (declared once
// for validation, types and OpenAPI), 405 for a known path's other methods, and one problem+json error
// middleware.
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { apiReference } from '@scalar/express-api-reference';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client.js';
import { DEFAULT_INITIATION_FEE_CENTS } from '../domain/money.js';
import { TASK_QUEUE } from '../domain/names.js';
import { DEFAULT_AUTH_CACHE_MS, authenticate } from './auth.js';
import { DEFAULT_COMMAND_TIMEOUT_MS, commandDeadline } from './deadline.js';
import { errorMiddleware } from './errors.js';
import { firstNonIntegerLiteral } from './json-integers.js';
import { type ApiMetrics, createApiMetrics } from './metrics.js';
import { openApiDocument, type RouteSpec } from './openapi.js';
import { HttpProblem } from './problem.js';
import { addressLimit, createAddressLimiter } from './address-limit.js';
import { limiter, rateLimit } from './rate-limit.js';
import { cachedReadiness, metricsGate } from './probes.js';
import { apiLogger, requestLog } from './request-log.js';
import { Router } from './router.js';
import { mountStripeWebhook } from './payments-webhook.js';
import { commandRoutes } from './routes/commands.js';
import { contractRoutes } from './routes/contracts.js';
import { messageRoutes } from './routes/messages.js';
import { operatorRoutes } from './routes/operator.js';
import { paymentRoutes } from './routes/payments.js';
import type { Provider } from '../domain/payments.js';
import { webhookRoutes } from './routes/webhooks.js';
import { userRoutes } from './routes/users.js';
import { userListRoutes } from './routes/user-list.js';
import { platformRoutes } from './routes/platforms.js';
import { type JwtSettings, jwtVerifier } from './jwt-auth.js';
import { DELIVERY_SCHEDULE } from '../domain/webhook-schedule.js';
import type { WebhookSettings } from '../webhooks/settings.js';
import { type SecretBox, secretBoxFromEnv } from '../webhooks/secret-box.js';

export interface AppDeps {
  db: Db;
  temporal: Client;
  taskQueue?: string;
  /** The per-token limit's shared store (a small pg pool of its own); without one it holds per process. */
  rateLimitStore?: Pool;
  /** Prefixes the limits' keys: processes with the same prefix share their counts (tests keep theirs apart). */
  rateLimitPrefix?: string;
  /** How long a valid token's user is remembered (AUTH_CACHE_MS): the bound on a revocation taking effect; 0 looks up every request. */
  authCacheMs?: number;
  /** Requests per minute per token (RATE_LIMIT_PER_MINUTE). */
  rateLimitPerMinute?: number;
  /** Requests per minute per client address (an IPv6 /64), before anything but /healthz (RATE_LIMIT_PER_ADDRESS_PER_MINUTE). */
  rateLimitPerAddressPerMinute?: number;
  /** How many proxies in front set X-Forwarded-For (TRUST_PROXY_HOPS); the address limit keys on the client's. */
  trustProxyHops?: number;
  /** R9: the contract initiation fee charged with each new contract's first funding (INITIATION_FEE_CENTS). */
  initiationFeeCents?: number;
  /** R14's default for clients without a feature_flags row (CHANGE_REQUESTS_DEFAULT=on). */
  changeRequestsByDefault?: boolean;
  /** The deadline of each Temporal Update the API sends (COMMAND_TIMEOUT_MS); past it, 503 + Retry-After. */
  commandTimeoutMs?: number;
  logger?: Logger;
  /** Instead of `logger`: each request's log line as an object (tests). */
  log?: (line: Record<string, unknown>) => void;
  /** Prometheus metrics (api/metrics.ts); its updateInterceptor belongs on `temporal`. */
  metrics?: ApiMetrics;
  /** The bearer token GET /metrics requires (METRICS_TOKEN); without one, /metrics is not served. */
  metricsToken?: string;
  /** R29: loopback receivers (WEBHOOKS_ALLOW_LOOPBACK) and the schedule redeliveries run on. */
  webhooks?: WebhookSettings;
  /** R29: seals new signing secrets and opens stored ones (default: WEBHOOK_SECRET_KEYS, or the embedded stack's key). */
  secrets?: SecretBox;
  /** R31: the payment provider new contracts record (PAYMENTS, the worker's too); default: the ledger alone. */
  payments?: Provider;
  /** R31: the signing secret of Stripe's webhook (STRIPE_WEBHOOK_SECRET); without it the endpoint is not served. */
  stripeWebhookSecret?: string;
  /** Bring your own sign-in: JWTs verified against this JWKS (JWT_JWKS_URL and the JWT_* variables). */
  jwt?: JwtSettings;
}

/** The app and the routes it serves (scripts/api-client.ts builds the document from them). */
export function buildApi(deps: AppDeps): { app: express.Express; routes: RouteSpec[] } {
  const { db, temporal, taskQueue = TASK_QUEUE } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', deps.trustProxyHops ?? 0);
  const metrics = deps.metrics ?? createApiMetrics();
  app.use(metrics.observe);

  app.use(requestLog(deps.logger ?? apiLogger('info', deps.log)));
  app.use(helmet());

  const router = new Router(app);
  // Liveness answers from memory, before any limit: an orchestrator's probe never meets a 429.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Everything else is counted per client address first, before it can cost a query, a parse or a render.
  app.use(addressLimit(createAddressLimiter(deps.rateLimitPerAddressPerMinute ?? 1200)));
  const readiness = cachedReadiness(db, temporal);
  app.get('/readyz', async (_req, res) => {
    const r = await readiness();
    res.status(r.status === 'ok' ? 200 : 503).json(r);
  });
  app.get('/metrics', metricsGate(deps.metricsToken), metrics.serve);
  let document: ReturnType<typeof openApiDocument> | undefined;
  app.get('/openapi.json', (_req, res) => {
    res.json((document ??= openApiDocument(router.routes)));
  });
  app.get('/docs/scalar.js', (_req, res) => {
    res.sendFile(SCALAR_BUNDLE, { maxAge: '1d' });
  });
  // The renderer needs its inline bootstrap script and styles; the JSON routes keep helmet's strict policy.
  app.get('/docs', docsPolicy, apiReference({ url: '/openapi.json', cdn: '/docs/scalar.js', pageTitle: 'Milestone contracts API',
    withDefaultFonts: false, hideClientButton: true }));

  // R31: Stripe signs its webhook; its raw body is what the signature covers, so it is read before JSON parsing.
  if (deps.stripeWebhookSecret) mountStripeWebhook(app, db, temporal, deps.stripeWebhookSecret);
  // Bodies are read only past the address limit: a flood of 256 KB bodies is refused unread.
  app.use(express.json({ limit: '256kb', verify: integersOnly }));
  app.use(jsonBodiesOnly);
  // Every answer from here on is about someone's contracts: never stored by a cache on the way.
  app.use(noStore);
  app.use(authenticate(db, { cacheMs: deps.authCacheMs ?? DEFAULT_AUTH_CACHE_MS, ...(deps.jwt ? { jwt: jwtVerifier(deps.jwt) } : {}) }));
  const perToken = limiter(`${deps.rateLimitPrefix ?? ''}user`, deps.rateLimitPerMinute ?? 600, deps.rateLimitStore);
  app.use(rateLimit(perToken, (_req, res) => res.locals.user.id));
  const deadline = commandDeadline(temporal, deps.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
  contractRoutes(router, db, temporal, deadline, taskQueue, deps.initiationFeeCents ?? DEFAULT_INITIATION_FEE_CENTS, deps.payments);
  commandRoutes(router, db, temporal, deadline, deps.changeRequestsByDefault ?? false);
  messageRoutes(router, db);
  operatorRoutes(router, db, temporal, deadline);
  paymentRoutes(router, db, temporal);
  userRoutes(router, db, temporal);
  userListRoutes(router, db);
  platformRoutes(router, db);
  webhookRoutes(router, db, temporal, taskQueue, deps.webhooks ?? { allowLoopback: false, schedule: DELIVERY_SCHEDULE },
    deps.secrets ?? secretBoxFromEnv());
  router.finish();

  app.use((_req, _res, next) => next(new HttpProblem(404, 'NOT_FOUND', 'No such route')));
  app.use(errorMiddleware);
  return { app, routes: router.routes };
}

export const createApp = (deps: AppDeps): express.Express => buildApi(deps).app;

/** The renderer's single-file bundle from node_modules: the reference works offline. */
const SCALAR_BUNDLE = join(dirname(createRequire(import.meta.url).resolve('@scalar/api-reference')), 'browser', 'standalone.js');

const docsPolicy: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    + "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:");
  next();
};

const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/**
 * express.json's `verify` hook, which sees the raw bytes before JSON.parse: a number whose value has a
 * fraction (`1000.5`) or that no double holds (`1e400`) is refused, because JSON.parse would round it;
 * `1e3` and `1000.0` are 1000.
 */
function integersOnly(_req: IncomingMessage, _res: ServerResponse, buf: Buffer, encoding: string): void {
  let text: string;
  try {
    text = new TextDecoder(encoding).decode(buf);
  } catch {
    // body-parser accepts any utf-* charset iconv knows (utf-32 too); the scanner needs one TextDecoder reads.
    throw new HttpProblem(415, 'UNSUPPORTED_CHARSET', 'The body\'s charset is not supported; send UTF-8');
  }
  const found = firstNonIntegerLiteral(text);
  if (found?.problem === 'too_large') {
    throw new HttpProblem(400, 'NUMBER_TOO_LARGE', 'A number in the body is too large',
      `${found.literal} at character ${found.at} is beyond any number this API takes: amounts are at most 100000000 cents`, 'R4');
  }
  if (found) {
    throw new HttpProblem(400, 'NUMBER_NOT_INTEGER', 'Numbers in the body are JSON integers',
      `${found.literal} at character ${found.at} has a fraction: write a whole number of cents, e.g. 1000`, 'R4');
  }
}

/**
 * express.json reads only application/json and leaves any other body unread, which the routes would
 * take as {}: a text/plain body must not move money. An empty POST (no body at all) stays allowed.
 */
const jsonBodiesOnly: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is('application/json')) {
    return next(new HttpProblem(415, 'UNSUPPORTED_MEDIA_TYPE', 'The body must be application/json',
      `got ${req.get('content-type') ?? 'no Content-Type'}`));
  }
  next();
};
