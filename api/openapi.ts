// Every route is declared once with its zod schemas; the same declaration validates requests and
// produces the OpenAPI 3.1 document (JSON Schema 2020-12, which OpenAPI 3.1 uses natively).
import { z } from 'zod';
import { webhookSchemas, webhooksDocument } from './openapi-webhooks.js';

export interface RouteSpec {
  method: 'get' | 'post' | 'delete';
  /** Express style: /contracts/:id */
  path: string;
  summary: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  success: number;
  /** Writes that need an Idempotency-Key. */
  idempotent?: boolean;
  /** Rule ids this route enforces (RULES.md). */
  rules?: string[];
  auth?: boolean;
}

const problem = {
  type: 'object',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    code: { type: 'string', description: 'Stable error code, e.g. AMOUNT_TOO_SMALL' },
    rule: { type: 'string', description: 'The rule broken, R1–R28 (RULES.md)' },
    errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
  },
};

const schema = (t: z.ZodType) => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(t, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

export function openApiDocument(routes: RouteSpec[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const name of Object.keys(r.params?.shape ?? {})) parameters.push({ name, in: 'path', required: true, schema: { type: 'string' } });
    const query = r.query ? (schema(r.query) as { properties?: Record<string, unknown>; required?: string[] }) : undefined;
    for (const [name, s] of Object.entries(query?.properties ?? {})) {
      parameters.push({ name, in: 'query', required: query?.required?.includes(name) ?? false, schema: s });
    }
    if (r.idempotent) {
      parameters.push({ name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', maxLength: 255 },
        description: 'Unique per request; reuse it on retry. The same key and body replay the first answer.' });
    }
    const errors = Object.fromEntries(
      ['400', '401', '404', '409', '422', '429', '503'].map((c) => [c, { $ref: `#/components/responses/Problem` }]),
    );
    const ok = r.success === 204 ? { description: 'No content' } : { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } };
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${path.replace(/[{}]/g, '').split('/').map((s) => s.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())).join('')}`,
      ...(r.rules?.length ? { description: `Enforces ${r.rules.join(', ')}.` } : {}),
      ...(r.auth === false ? { security: [] } : {}),
      parameters,
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema(r.body) } } } } : {}),
      responses: { [String(r.success)]: ok, ...errors },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Milestone contracts API',
      version: '1.0.0',
      description: 'Milestone-based freelance contracts on durable workflows. Errors are RFC 9457 problem+json with the rule broken (R1–R28).',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Problem: problem, ...webhookSchemas },
      responses: { Problem: { description: 'A problem (RFC 9457)', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } } },
    },
    paths,
    webhooks: webhooksDocument(),
  };
}

export function docsPage(routes: RouteSpec[]): string {
  const esc = (s: string) => s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
  const rows = routes
    .map((r) => `<tr><td><code>${r.method.toUpperCase()}</code></td><td><code>${esc(r.path)}</code></td><td>${esc(r.summary)}</td><td>${r.idempotent ? 'required' : ''}</td><td>${(r.rules ?? []).join(' ')}</td></tr>`)
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Milestone contracts API</title>
<style>body{font:14px system-ui;margin:2rem}td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}</style></head>
<body><h1>Milestone contracts API</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).
Authenticate with <code>Authorization: Bearer &lt;token&gt;</code>. Errors are <code>application/problem+json</code>.</p>
<table><tr><th>method</th><th>path</th><th>what</th><th>Idempotency-Key</th><th>rules</th></tr>
${rows}</table></body></html>`;
}
