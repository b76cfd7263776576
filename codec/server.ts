// The codec server: Temporal's codec-server protocol (POST …/decode and …/encode, a JSON Payloads body),
// so the Temporal UI and CLI show an operator decrypted payloads while the keys stay in this process.
// Only operators (users with role `operator`, the same bearer tokens the API issues) may use it; the UI
// of a dev server cannot send an Authorization header, so the token may instead be the path segment
// before the operation (`/ui/<token>/decode`). Browsers may call it from the configured UI origins only.
// Each request logs one line (operation, status, payload count, operator, namespace), never the path
// (it may hold a token), a header or a payload.
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { PayloadCodec } from '@temporalio/common';
import type { Db } from '../db/client.js';
import { PayloadDecryptionError } from './payload-codec.js';
import { fromJson, payloadsBody, toJson } from './payload-json.js';

export interface CodecServerOptions {
  db: Db;
  codec: PayloadCodec;
  /** Origins whose pages (the Temporal UI) may call the server from a browser, e.g. http://localhost:8233. */
  corsOrigins: string[];
  log: (line: Record<string, unknown>) => void;
}

// A request carries a few payloads of at most the server's 2 MB payload limit, base64-encoded (4/3).
const BODY_LIMIT = '8mb';

class Refusal extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** The same hash the API stores its tokens under (a leaked table leaks no usable token). */
const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function createCodecServer(opts: CodecServerOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(cors({
    origin: opts.corsOrigins, methods: ['POST'], allowedHeaders: ['content-type', 'x-namespace', 'authorization'], maxAge: 600,
  }));
  // For a supervisor (npm run up waits on it): says nothing but that the process answers; not logged.
  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  app.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => opts.log({
      msg: 'codec request', op: operation(req.path) ?? 'none', status: res.statusCode, payloads: res.locals.payloads ?? 0,
      operator: res.locals.operator, namespace: req.get('x-namespace'), ms: Math.round(performance.now() - started),
    }));
    // Decrypted customer data: never kept by a browser or a proxy.
    res.set('cache-control', 'no-store');
    next();
  });
  app.post(/^(?:\/ui\/[^/]+)?\/(?:decode|encode)$/, express.json({ limit: BODY_LIMIT }), async (req, res, next) => {
    try {
      res.locals.operator = await operatorFor(opts.db, req);
      const body = payloadsBody.safeParse(req.body);
      if (!body.success) throw new Refusal(400, 'INVALID_PAYLOADS', body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const payloads = fromJson(body.data);
      res.locals.payloads = payloads.length;
      const out = operation(req.path) === 'decode' ? await opts.codec.decode(payloads) : await opts.codec.encode(payloads);
      res.json(toJson(out));
    } catch (err) {
      next(err);
    }
  });
  app.use((_req, _res, next) => next(new Refusal(404, 'NOT_FOUND', 'POST /decode or /encode (or /ui/<token>/decode, /ui/<token>/encode)')));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const refusal = err instanceof Refusal ? err
      : err instanceof PayloadDecryptionError ? new Refusal(400, err.code, err.message)
        : (err as { type?: string }).type === 'entity.too.large' ? new Refusal(413, 'TOO_LARGE', `the body exceeds ${BODY_LIMIT}`)
          : (err as { type?: string }).type === 'entity.parse.failed' ? new Refusal(400, 'INVALID_JSON', 'the body is not JSON')
            : new Refusal(500, 'INTERNAL', 'the codec server failed; its log has the error');
    if (refusal.status === 500) opts.log({ msg: 'codec server error', error: (err as Error).name });
    if (refusal.status === 401) res.set('www-authenticate', 'Bearer realm="codec"');
    res.status(refusal.status).type('application/problem+json').json({
      type: 'about:blank', title: refusal.message, status: refusal.status, code: refusal.code,
    });
  });
  return app;
}

function operation(path: string): 'decode' | 'encode' | undefined {
  const last = path.split('/').pop();
  return last === 'decode' || last === 'encode' ? last : undefined;
}

async function operatorFor(db: Db, req: Request): Promise<string> {
  const inPath = /^\/ui\/([^/]+)\//.exec(req.path)?.[1];
  const token = inPath ? decodeURIComponent(inPath) : /^Bearer (\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
  if (!token) throw new Refusal(401, 'UNAUTHENTICATED', 'an operator\'s bearer token is required');
  const found = await db.apiToken.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: true } });
  if (!found || found.revokedAt) throw new Refusal(401, 'UNAUTHENTICATED', 'the bearer token is not valid');
  if (found.user.role !== 'operator') throw new Refusal(403, 'OPERATOR_REQUIRED', 'only operators may decode or encode payloads');
  return found.user.id;
}

/** Bounded: a client that stalls cannot hold a connection open. */
export function boundServer(server: Server): Server {
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  return server;
}
