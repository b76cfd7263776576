// The Express 5 app factory: request ids and logs, health, authentication, a per-token rate limit, the
// routes (declared once for validation and OpenAPI), and one problem+json error middleware.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client.js';
import { DEFAULT_INITIATION_FEE_CENTS } from '../domain/money.js';
import { TASK_QUEUE } from '../domain/names.js';
import { authenticate } from './auth.js';
import { DEFAULT_COMMAND_TIMEOUT_MS, commandDeadline } from './deadline.js';
import { errorMiddleware } from './errors.js';
import { firstNonIntegerLiteral } from './json-integers.js';
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
  /** The deadline of each Temporal Update the API sends (COMMAND_TIMEOUT_MS); past it, 503 + Retry-After. */
  commandTimeoutMs?: number;
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
    // 'finish' is a response sent; 'close' without it is a client that went away first (a timeout on
    // its side, a killed process): logged too, or abandoned requests never reach the request log.
    let logged = false;
    const done = (clientGone: boolean) => {
      if (logged) return;
      logged = true;
      const level = res.statusCode >= 500 ? 'error' : clientGone ? 'warn' : 'info';
      log({
        level, msg: 'request', requestId, method: req.method, path: req.originalUrl, status: clientGone ? undefined : res.statusCode,
        ms: Math.round(performance.now() - started), userId: res.locals.user?.id, code: res.locals.errorCode,
        ...(clientGone ? { clientGone: true } : {}),
      });
    };
    res.once('finish', () => done(false));
    res.once('close', () => done(!res.writableFinished));
    next();
  });
  app.use(express.json({ limit: '256kb', verify: integersOnly }));
  app.use(jsonBodiesOnly);

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
  const deadline = commandDeadline(temporal, deps.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
  contractRoutes(router, db, temporal, deadline, taskQueue, deps.initiationFeeCents ?? DEFAULT_INITIATION_FEE_CENTS);
  commandRoutes(router, db, temporal, deadline, deps.changeRequestsByDefault ?? false);
  messageRoutes(router, db);

  app.use((_req, _res, next) => next(new HttpProblem(404, 'NOT_FOUND', 'No such route')));
  app.use(errorMiddleware);
  return app;
}

/**
 * express.json's `verify` hook, which sees the raw bytes before JSON.parse: a number written with a
 * fraction or an exponent (`1e3`, `1000.0`) is refused, because parsed it is indistinguishable from 1000.
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
  if (found) {
    throw new HttpProblem(400, 'NUMBER_NOT_INTEGER', 'Numbers in the body are JSON integers',
      `${found.literal} at character ${found.at}: write a whole number of cents without a fraction or exponent, e.g. 1000`, 'R4');
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
