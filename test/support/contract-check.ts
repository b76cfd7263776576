// Every answer an API test receives is checked against the published document (api/client/openapi.json):
// the status is one the operation declares, the body matches its schema for that status and content type,
// and its required headers are there. A test whose request made the API break its contract fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { root } from '../../scripts/lib/tools.js';

interface Media { schema: object }
interface ResponseSpec { content?: Record<string, Media>; headers?: Record<string, { required?: boolean }> }
interface Operation { responses: Record<string, ResponseSpec> }
interface Doc { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, object> } }

const doc: Doc = JSON.parse(readFileSync(join(root, 'api', 'client', 'openapi.json'), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ $id: 'doc', components: doc.components }, 'doc');
const validators = new Map<object, ValidateFunction>();
const validatorOf = (schema: object) => {
  let v = validators.get(schema);
  if (!v) validators.set(schema, (v = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')))));
  return v;
};

const templates = Object.keys(doc.paths).map((t) => ({ t, re: new RegExp(`^${t.replace(/\{\w+\}/g, '[^/]+')}$`) }));

/** The operation a request reached, or undefined for routes outside the document (health, docs, 404). */
function operationOf(method: string, url: string): { template: string; op: Operation } | undefined {
  const path = new URL(url).pathname;
  const found = templates.filter((x) => x.re.test(path)).sort((a, b) => b.t.split('{').length - a.t.split('{').length).at(-1);
  const op = found && doc.paths[found.t]?.[method.toLowerCase()];
  return found && op ? { template: found.t, op } : undefined;
}

/** Throws, naming the operation, when an answer breaks the document. */
export function checkAgainstDocument(method: string, url: string, status: number, headers: Headers, body: unknown): void {
  const found = operationOf(method, url);
  if (!found || status === 405) return;
  const where = `${method} ${found.template} → ${status}`;
  const spec = found.op.responses[String(status)];
  if (!spec) throw new Error(`contract: ${where} is not a status the document declares (${Object.keys(found.op.responses).join(', ')})`);
  for (const [name, h] of Object.entries(spec.headers ?? {})) {
    if (h.required && !headers.has(name)) throw new Error(`contract: ${where} lacks its required header ${name}`);
  }
  if (!spec.content) {
    if (body !== undefined) throw new Error(`contract: ${where} sent a body; the document declares none`);
    return;
  }
  const type = (headers.get('content-type') ?? '').split(';')[0]!.trim();
  const media = spec.content?.[type];
  if (!media) throw new Error(`contract: ${where} answered ${type || 'no Content-Type'}; the document says ${Object.keys(spec.content ?? {}).join(', ')}`);
  const validate = validatorOf(media.schema);
  if (!validate(body)) throw new Error(`contract: ${where} body breaks its schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`);
}
