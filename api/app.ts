// The Express 5 app factory: request ids and logs, health, authentication, a per-token rate limit, the
// routes (declared once for validation and OpenAPI), and one problem+json error middleware.
import { randomUUID } from 'node:crypto';
import express from 'express';
import type { Client } from '@temporalio/client';
import type { Db } from '../activities/db.js';
import { DEFAULT_INITIATION_FEE_CENTS } from '../domain/money.js';
import { TASK_QUEUE } from '../domain/names.js';
import { authenticate } from './auth.js';
import { errorMiddleware } from './errors.js';
import { docsPage, openApiDocument } from './openapi.js';
import { HttpProblem } from './problem.js';
import { rateLimit } from './rate-limit.js';
import { Router } from './router.js';
import { commandRoutes } from './routes/commands.js';
import { contractRoutes } from './routes/contracts.js';
import { messageRoutes } from './routes/messages.js';

export interface AppDeps {
  db: Db;
  temporal: Client;
  taskQueue?: string;
  /** Requests per minute per token (RATE_LIMIT_PER_MINUTE). */
  rateLimitPerMinute?: number;
  /** R9: the contract initiation fee charged with each new contract's first funding (INITIATION_FEE_CENTS). */
  initiationFeeCents?: number;
  /** R14's default for clients without a feature_flags row (CHANGE_REQUESTS_DEFAULT=on). */
  changeRequestsByDefault?: boolean;
  log?: (line: Record<string, unknown>) => void;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function createApp(deps: AppDeps): express.Express {
  const { db, temporal, taskQueue = TASK_QUEUE } = deps;
  const log = deps.log ?? ((line) => console.log(JSON.stringify(line)));
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const given = req.get('request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('Request-Id', requestId);
    const started = performance.now();
    res.on('finish', () => {
      log({
        level: res.statusCode >= 500 ? 'error' : 'info', msg: 'request', requestId, method: req.method, path: req.originalUrl,
        status: res.statusCode, ms: Math.round(performance.now() - started), userId: res.locals.user?.id, code: res.locals.errorCode,
      });
    });
    next();
  });
  app.use(express.json({ limit: '256kb' }));

  const router = new Router(app);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const timeout = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
    const [pg, tp] = (await Promise.allSettled([timeout(db.$queryRaw`SELECT 1`), timeout(temporal.workflowService.getSystemInfo({}))])).map((c) =>
      c.status === 'fulfilled' ? 'ok' : 'unavailable');
    const ready = pg === 'ok' && tp === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable', postgres: pg, temporal: tp });
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument(router.routes));
  });
  app.get('/docs', (_req, res) => {
    res.type('html').send(docsPage(router.routes));
  });

  app.use(authenticate(db));
  app.use(rateLimit(deps.rateLimitPerMinute ?? 600));
  contractRoutes(router, db, temporal, taskQueue, deps.initiationFeeCents ?? DEFAULT_INITIATION_FEE_CENTS);
  commandRoutes(router, db, temporal, deps.changeRequestsByDefault ?? false);
  messageRoutes(router, db);

  app.use((_req, _res, next) => next(new HttpProblem(404, 'NOT_FOUND', 'No such route')));
  app.use(errorMiddleware);
  return app;
}
