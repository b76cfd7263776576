// One error middleware: maps zod, domain (via Temporal failures) and infrastructure errors to problem+json.
import type { ErrorRequestHandler, Request, Response } from 'express';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import {
  ServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, isGrpcDeadlineError, isGrpcServiceError,
} from '@temporalio/client';
import { ZodError } from 'zod';
import { DomainError } from '../domain/errors.js';
import { classifyPgError } from '../db/pg-errors.js';
import { HttpProblem, type Problem, problemType } from './problem.js';

/** A failure's `kind` (in its details, beside the rule) decides the status; the type is the code. */
const STATUS_BY_KIND: Record<string, number> = {
  conflict: 409, rule: 422, not_found: 404, forbidden: 403, invalid: 400, internal: 500, unavailable: 503, payment: 402,
};

const REALM = 'Bearer realm="milestone-contracts"';

/** Seconds a client should wait before retrying a 503: long enough for a worker or database to return. */
export const RETRY_AFTER_UNAVAILABLE_S = 5;

/** express.json's own errors (`type` from body-parser): each keeps its status and gets a stable code. */
const BODY_ERRORS: Record<string, { code: string; title: string }> = {
  'entity.parse.failed': { code: 'MALFORMED_JSON', title: 'The body is not valid JSON' },
  'entity.too.large': { code: 'BODY_TOO_LARGE', title: 'The body is too large' },
  'charset.unsupported': { code: 'UNSUPPORTED_CHARSET', title: 'The body\'s charset is not supported; send UTF-8' },
  'encoding.unsupported': { code: 'UNSUPPORTED_CONTENT_ENCODING', title: 'The body\'s Content-Encoding is not supported' },
  'request.size.invalid': { code: 'BODY_LENGTH_MISMATCH', title: 'The body\'s length does not match Content-Length' },
  'request.aborted': { code: 'BODY_ABORTED', title: 'The client stopped sending the body' },
};

export function toProblem(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  if (err instanceof ZodError) {
    return new HttpProblem(400, 'INVALID_REQUEST', 'The request is malformed', 'see errors[] for each field', undefined,
      err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  // A read-only command decided in the API from the read model (previewPlan): the workflow's answer, locally.
  if (err instanceof DomainError) {
    return new HttpProblem(STATUS_BY_KIND[err.kind] ?? 422, err.code, titleOf(err.code), err.message, err.rule, undefined, undefined, err.extra);
  }
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const failure = err.cause;
    const { rule, kind, ...facts } = (failure.details?.[0] ?? {}) as { rule?: string; kind?: string } & Record<string, unknown>;
    const status = STATUS_BY_KIND[kind ?? 'rule'] ?? 422;
    const code = failure.type ?? 'RULE_VIOLATION';
    // The workflow's message says what the caller may do next (it knows whether anything changed).
    // Caveat: Temporal remembers a completed Update, failed ones too, under its id (the key) for the run.
    const retryAfter = status === 503 ? RETRY_AFTER_UNAVAILABLE_S : undefined;
    return new HttpProblem(status, code, titleOf(code), failure.message, rule, undefined, retryAfter, extensionsOf(facts));
  }
  // The command's deadline passed (api/deadline.ts): the Update may still land, and a retry with the
  // same key (the update id) gets its outcome instead of applying it twice.
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(err)) {
    return new HttpProblem(503, 'COMMAND_TIMEOUT', 'The command was not answered in time', 'retry with the same Idempotency-Key',
      undefined, undefined, RETRY_AFTER_UNAVAILABLE_S);
  }
  if (err instanceof WorkflowNotFoundError) return new HttpProblem(404, 'NOT_FOUND', 'Not found');
  // Before the outage check, whose message patterns could match a body-parser error's text.
  const fromExpress = expressOwnError(err);
  if (fromExpress) return fromExpress;
  // The client wraps what the server refused in a ServiceError, e.g. FAILED_PRECONDITION "Workflow Task in
  // failed state" while a contract's workflow task keeps failing (workers killed mid-task): Temporal takes
  // no Update until one completes, which the next worker does. An outage like a raw gRPC failure.
  const grpcCause = err instanceof ServiceError && isGrpcServiceError(err.cause);
  if (isGrpcServiceError(err) || grpcCause || isDbUnavailable(err)) {
    return new HttpProblem(503, 'UNAVAILABLE', 'A backing service is unavailable', 'retry with the same Idempotency-Key',
      undefined, undefined, RETRY_AFTER_UNAVAILABLE_S);
  }
  return new HttpProblem(500, 'INTERNAL', 'Internal error');
}

/**
 * Express's own middleware marks what it refuses with a 4xx `status`: express.json (415 for a charset or
 * Content-Encoding it cannot read, 400 for a gzip body that does not inflate) and the router (400 for
 * a path parameter that is not valid percent-encoding). The status is kept; the code says which.
 */
function expressOwnError(err: unknown): HttpProblem | undefined {
  if (!(err instanceof Error) || !('status' in err) || typeof err.status !== 'number' || err.status < 400 || err.status >= 500) {
    return undefined;
  }
  const known = 'type' in err && typeof err.type === 'string' ? BODY_ERRORS[err.type] : undefined;
  if (known) return new HttpProblem(err.status, known.code, known.title);
  if (err instanceof URIError) {
    return new HttpProblem(400, 'MALFORMED_PATH', 'The path is not valid percent-encoding', 'encode each byte as % and two hex digits');
  }
  if ('code' in err && typeof err.code === 'string' && err.code.startsWith('Z_')) {
    return new HttpProblem(err.status, 'MALFORMED_BODY_ENCODING', 'The body does not decode with its Content-Encoding');
  }
  return new HttpProblem(err.status, 'BAD_REQUEST', 'The request could not be read');
}

/** PostgreSQL down, unreachable or past the pool's timeouts (db/client.ts): an outage, not a bug. */
function isDbUnavailable(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'P1001' || classifyPgError(err).retryable;
}

const titleOf = (code: string | undefined) =>
  (code ?? 'rule violation').toLowerCase().replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());

/** The workflow's facts that a caller can act on; never internals (sqlState stays in the logs). */
const EXTENSIONS = ['currentVersion', 'shortfallCents', 'requestId', 'escrowCents', 'refundCents', 'offerState', 'expiresAt'] as const;
function extensionsOf(facts: Record<string, unknown>): Record<string, string | number> | undefined {
  const out: Record<string, string | number> = {};
  for (const k of EXTENSIONS) if (typeof facts[k] === 'string' || typeof facts[k] === 'number') out[k] = facts[k];
  return Object.keys(out).length ? out : undefined;
}

export function problemBody(p: HttpProblem, req: Request, res: Response): Problem {
  const requestId = String(res.getHeader('Request-Id') ?? '');
  return {
    type: problemType(p.code),
    title: p.title,
    status: p.status,
    code: p.code,
    instance: `${req.originalUrl}#${requestId}`,
    ...(p.detail ? { detail: p.detail } : {}),
    ...(p.rule ? { rule: p.rule } : {}),
    ...(p.errors ? { errors: p.errors } : {}),
    ...p.extensions,
  };
}

export const errorMiddleware: ErrorRequestHandler = (err, req, res, _next) => {
  const p = toProblem(err);
  res.locals.errorCode = p.code;
  if (p.status >= 500 && p.code === 'INTERNAL') {
    console.error(JSON.stringify({ level: 'error', requestId: res.getHeader('Request-Id'), msg: String(err?.stack ?? err) }));
  }
  res.removeHeader('Location'); // set ahead by a create that was then refused: there is no new resource
  if (p.retryAfter) res.setHeader('Retry-After', String(p.retryAfter));
  // RFC 6750: a 401 names the scheme, and says the token was refused when one was sent.
  if (p.status === 401) res.setHeader('WWW-Authenticate', req.get('authorization') ? `${REALM}, error="invalid_token"` : REALM);
  res.status(p.status).type('application/problem+json').json(problemBody(p, req, res));
};
