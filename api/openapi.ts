// Every route is declared once with its zod schemas (request and response); the same declaration validates
// requests, types the handler's answer and produces the OpenAPI 3.1 document through zod-openapi, which
// renders zod 4's own JSON Schema. Every status an operation can answer is declared with its headers.
import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { introduction } from './docs-intro.js';
import type { RouteAccess } from './access.js';
import { problemSchema } from './responses.js';
import { webhookSchemas, webhooksDocument } from './openapi-webhooks.js';

export interface RouteSpec {
  method: 'get' | 'post' | 'delete';
  /** Express style: /contracts/:id */
  path: string;
  summary: string;
  /** Longer prose for the reference: semantics a schema cannot say. */
  description?: string;
  tag: 'Contracts' | 'Commands' | 'Messages' | 'Operator' | 'Webhooks' | 'Users' | 'Platforms';
  /** Who may call it (api/access.ts); `party` unless said. */
  access?: RouteAccess;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  response: z.ZodType;
  /** 204 answers no body (its `response` is z.undefined()). */
  success: 200 | 201 | 202 | 204;
  /** Writes that need an Idempotency-Key. */
  idempotent?: boolean;
  /** Contract commands: the rules answer with 403 (wrong party), 409 (state) and 422 (rule). */
  command?: boolean;
  /** Rule ids this route enforces (docs/rules.md). */
  rules?: string[];
  /** Statuses beyond those every route of its kind can answer. */
  errors?: number[];
}

/** A rule's section in the introduction (api/docs-intro.ts): the renderer's anchor for `### R4`. */
export const ruleLink = (id: string): string => `[${id}](#description/${id.toLowerCase()})`;

const requestIdHeader = z.string().meta({ description: 'Yours if you sent a valid one; else a UUID. Also in the logs and `instance`.' });
const retryAfter = z.string().regex(/^\d+$/).meta({ description: 'Seconds to wait before retrying.' });
const replayed = z.literal('true').meta({ description: 'The stored answer to an earlier request with this Idempotency-Key.' });

const idempotencyKey = z.string().regex(/^[\x21-\x7e]{1,255}$/).meta({
  description: 'Unique per request (a UUID is best); reuse it on retry. The same key and body replay the first answer '
    + '(`Idempotent-Replayed: true`); the same key with another body is 422 IDEMPOTENCY_KEY_REUSED. A key belongs to its first request for good: its '
    + 'answer is kept 24 hours, then the key is refused with 422 IDEMPOTENCY_KEY_EXPIRED.',
  example: '3f0c1b9e-5a4b-4d0e-9a57-1d2f0a7c6b11',
});

const SUCCESS_TEXT = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'Done; no body' } as const;

const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed: a field, parameter, cursor or the Idempotency-Key (see `errors[]`).',
  401: 'No bearer token, or one that is not valid.',
  403: 'The other party\'s command, a role that may not do this, or a platform key without the scope (or without `On-Behalf-Of`).',
  404: 'No such contract, request or message, or you are not a party to it.',
  409: 'The contract\'s state does not allow it now, or a request with this key is still running (`Retry-After`).',
  413: 'The body is over 256 KB.',
  415: 'A body that is not `application/json` in UTF-8.',
  422: 'The rules refuse it (`code` and `rule` say which), or the Idempotency-Key was used with another request or is past its 24 hours.',
  429: 'Rate limited, per address before authentication and per token after.',
  500: 'A bug or a command that could not be stored; nothing was changed.',
  503: 'Not answered in time, or a backing service is down: retry with the same Idempotency-Key after `Retry-After`.',
};

/** The statuses a route can answer, beyond its success: from its kind, then its own. */
export function errorStatuses(r: RouteSpec): number[] {
  // 403 everywhere: a platform key without the scope, or without On-Behalf-Of where a route acts as a user.
  const s = new Set([400, 401, 403, 413, 415, 429, 500, 503]);
  if (r.params) s.add(404);
  if (r.idempotent) [409, 422].forEach((c) => s.add(c));
  if (r.command) [403, 404, 409, 422].forEach((c) => s.add(c));
  for (const c of r.errors ?? []) s.add(c);
  return [...s].sort((a, b) => a - b);
}

function responses(r: RouteSpec): ZodOpenApiResponsesObject {
  const out: ZodOpenApiResponsesObject = {
    [String(r.success)]: {
      description: SUCCESS_TEXT[r.success],
      headers: z.object({
        'Request-Id': requestIdHeader,
        ...(r.idempotent ? { 'Idempotent-Replayed': replayed.optional() } : {}),
        ...(r.success === 201 ? { Location: z.string().meta({ description: 'The new resource.' }) } : {}),
      }),
      ...(r.success === 204 ? {} : { content: { 'application/json': { schema: r.response } } }),
    },
  };
  for (const status of errorStatuses(r)) {
    out[String(status) as `4${string}`] = {
      description: ERROR_TEXT[status] ?? 'A problem',
      headers: z.object({
        'Request-Id': requestIdHeader,
        ...(status === 429 || status === 503 ? { 'Retry-After': retryAfter } : {}),
        ...(status === 409 ? { 'Retry-After': retryAfter.optional() } : {}),
        ...(status === 401 ? { 'WWW-Authenticate': z.string().meta({ example: 'Bearer realm="milestone-contracts"' }) } : {}),
        ...(r.idempotent && status < 500 ? { 'Idempotent-Replayed': replayed.optional() } : {}),
      }),
      content: { 'application/problem+json': { schema: problemSchema } },
    };
  }
  return out;
}

export const openApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');

/** Stable operation ids (the typed client's names): post + /contracts/{id}/fund → postContractsIdFund. */
export const operationId = (r: Pick<RouteSpec, 'method' | 'path'>): string =>
  `${r.method}${openApiPath(r.path).replace(/[{}]/g, '').split('/').map((s) => s.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())).join('')}`;

function operation(r: RouteSpec): ZodOpenApiOperationObject {
  const rules = (r.rules ?? []).map(ruleLink).join(', ');
  return {
    operationId: operationId(r),
    summary: r.summary,
    description: [r.description, rules ? `Enforces ${rules}.` : undefined].filter(Boolean).join('\n\n') || undefined,
    tags: [r.tag],
    ...(r.rules?.length ? { 'x-rules': r.rules } : {}),
    requestParams: {
      ...(r.params ? { path: r.params } : {}),
      ...(r.query ? { query: r.query } : {}),
      ...(r.idempotent ? { header: z.object({ 'Idempotency-Key': idempotencyKey }) } : {}),
    },
    // An empty POST counts as {} (api/router.ts): a body is required only where {} is refused.
    ...(r.body ? { requestBody: { required: !r.body.safeParse({}).success, content: { 'application/json': { schema: r.body } } } } : {}),
    responses: responses(r),
  };
}

export function openApiDocument(routes: RouteSpec[]) {
  const paths: Record<string, Record<string, ZodOpenApiOperationObject>> = {};
  for (const r of routes) (paths[openApiPath(r.path)] ??= {})[r.method] = operation(r);
  return createDocument({
    openapi: '3.1.0',
    info: { title: 'Milestone contracts API', version: '1.0.0', description: introduction() },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'Contracts', description: 'Create a contract, list yours, read one and its history.' },
      { name: 'Commands', description: 'Every contract command of the rules: each needs an Idempotency-Key.' },
      { name: 'Messages', description: 'Your in-app messages (R24).' },
      { name: 'Webhooks', description: 'R29: endpoints that receive signed events (Standard Webhooks), and their delivery logs.' },
      { name: 'Operator', description: 'Operator tokens only (R28): read any contract, resolve a dispute. An operator is never a party.' },
      { name: 'Users', description: 'A marketplace\'s users and their tokens: operators, and platform keys (users:read, users:write) for their own platform\'s users.' },
      { name: 'Platforms', description: 'Platforms and their keys: an operator\'s own token only. A key is shown once.' },
    ],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http', scheme: 'bearer',
          description: 'A user token (`mc_…`, from POST /users/{id}/tokens or `npm run user:create`), a platform key (`mcpk_…`, '
            + 'with `On-Behalf-Of` to act for a user), or a JWT from your own sign-in when the API is configured with its JWKS. '
            + '`On-Behalf-Of: <userId>` (platform keys only, on any route) names one of your platform\'s users the request acts for, '
            + 'as they would, within the key\'s scopes; the contract\'s history and notices name both: `platform:<keyId> for <userId>`. '
            + 'It belongs to the credential, as `Authorization` does, so it is not listed as each operation\'s parameter.',
        },
      },
      schemas: webhookSchemas,
    },
    paths,
    webhooks: webhooksDocument(),
  });
}
