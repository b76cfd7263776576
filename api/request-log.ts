// One JSON line per request through pino-http: the Request-Id (yours if valid, else a UUID, echoed in the
// `Request-Id` header), method, path, status, duration, the caller and the problem code. Headers are never
// logged, so neither are tokens. A client that went away before the answer is logged too (clientGone).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Response } from 'express';
import { pino, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** A pino logger to stdout, or to `sink` (tests read the lines; `() => {}` silences them). */
export function apiLogger(level: string, sink?: (line: Record<string, unknown>) => void): Logger {
  const opts = { level, base: undefined, formatters: { level: (label: string) => ({ level: label }) } };
  return sink ? pino(opts, { write: (s: string) => sink(JSON.parse(s)) }) : pino(opts);
}

export function requestLog(logger: Logger) {
  const line = (req: IncomingMessage, res: ServerResponse, ms: number) => {
    const clientGone = !res.writableFinished;
    const locals = (res as Response).locals ?? {};
    return {
      method: req.method, path: req.url, status: clientGone ? undefined : res.statusCode, ms,
      userId: locals.user?.id, code: locals.errorCode,
      // A platform key acting for a user: `platform:<key> for <user>`, as the contract's history names it.
      ...(locals.caller?.kind === 'platform' ? { via: `platform:${locals.caller.keyId}`, platformId: locals.caller.platformId } : {}), ...(clientGone ? { clientGone: true } : {}),
    };
  };
  return pinoHttp({
    logger,
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'requestId', responseTime: 'ms' },
    // pino-http binds the whole request (headers, so the bearer token) to every line unless told otherwise.
    serializers: { req: () => undefined, res: () => undefined },
    genReqId: (req, res) => {
      const given = req.headers['request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.writableFinished ? 'info' : 'warn'),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request',
    customSuccessObject: (req, res, val: { ms: number }) => line(req, res, val.ms),
    customErrorObject: (req, res, _err, val: { ms: number }) => line(req, res, val.ms),
  });
}
