// One error middleware: maps zod, domain (via Temporal failures) and infrastructure errors to problem+json.
import type { ErrorRequestHandler, Request, Response } from 'express';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { WorkflowUpdateFailedError, isGrpcServiceError } from '@temporalio/client';
import { ZodError } from 'zod';
import { HttpProblem, type Problem, problemType } from './problem.js';

const STATUS_BY_KIND: Record<string, number> = { conflict: 409, rule: 422, not_found: 404, forbidden: 403 };

export function toProblem(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  if (err instanceof ZodError) {
    return new HttpProblem(400, 'INVALID_REQUEST', 'The request is malformed', 'see errors[] for each field', undefined,
      err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const failure = err.cause;
    const { rule, kind } = (failure.details?.[0] ?? {}) as { rule?: string; kind?: string };
    const status = STATUS_BY_KIND[kind ?? 'rule'] ?? 422;
    return new HttpProblem(status, failure.type ?? 'RULE_VIOLATION', titleOf(failure.type ?? undefined), failure.message, rule);
  }
  if (err instanceof WorkflowNotFoundError) return new HttpProblem(404, 'NOT_FOUND', 'Not found');
  if (isGrpcServiceError(err) || isDbUnavailable(err)) {
    return new HttpProblem(503, 'UNAVAILABLE', 'A backing service is unavailable', 'retry with the same Idempotency-Key');
  }
  if (typeof err === 'object' && err && 'type' in err && (err as { type: string }).type === 'entity.parse.failed') {
    return new HttpProblem(400, 'MALFORMED_JSON', 'The body is not valid JSON');
  }
  if (typeof err === 'object' && err && 'type' in err && (err as { type: string }).type === 'entity.too.large') {
    return new HttpProblem(413, 'BODY_TOO_LARGE', 'The body is too large');
  }
  return new HttpProblem(500, 'INTERNAL', 'Internal error');
}

function isDbUnavailable(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'P1001';
}

const titleOf = (code: string | undefined) =>
  (code ?? 'rule violation').toLowerCase().replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());

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
  };
}

export const errorMiddleware: ErrorRequestHandler = (err, req, res, _next) => {
  const p = toProblem(err);
  res.locals.errorCode = p.code;
  if (p.status >= 500 && p.code === 'INTERNAL') {
    console.error(JSON.stringify({ level: 'error', requestId: res.getHeader('Request-Id'), msg: String(err?.stack ?? err) }));
  }
  if (p.status === 429 && p.retryAfter) res.setHeader('Retry-After', String(p.retryAfter));
  res.status(p.status).type('application/problem+json').json(problemBody(p, req, res));
};
