// The API as an integrator meets it: the published document, the typed client, the reference,
// and the standard middleware (security headers, no-store, rate limits shared through PostgreSQL, request
// logs, 405, WWW-Authenticate). Real stack; every answer is also checked against the document (support/http).
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type AppDeps } from '../../api/app.js';
import { ERROR_CATALOG } from '../../api/error-catalog.js';
import { createPool } from '../../db/client.js';
import { idempotent } from '../../api/client/index.js';
import { api, http } from '../support/http.js';
import { root } from '../../scripts/lib/tools.js';
import { shared } from '../support/context.js';
import { newParties, startStack, type Stack } from '../support/stack.js';
import { projectedTo } from '../support/projected.js';

let stack: Stack;
let call: ReturnType<typeof http>;
const servers: Server[] = [];
const pool = () => createPool(shared('databaseUrl'), { max: 2 });
const pools: ReturnType<typeof pool>[] = [];

beforeAll(async () => {
  stack = await startStack();
  call = http(stack.baseUrl);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await Promise.all(pools.map((p) => p.end()));
  await stack?.stop();
});

/** Another API process over the same database and Temporal (as a second replica would be). */
async function replica(opts: Partial<AppDeps>): Promise<string> {
  const deps: AppDeps = { db: stack.db, temporal: stack.client, taskQueue: stack.taskQueue, log: () => {}, ...opts };
  const server = createApp(deps).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Operation { responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> }

describe('the published document', () => {
  it('is the committed api/client/openapi.json the typed client and the tests were generated from', async () => {
    const live = (await call('GET', '/openapi.json')).body;
    const committed = JSON.parse(readFileSync(join(root, 'api', 'client', 'openapi.json'), 'utf8'));

    expect(live, 'the API changed: run npm run api:client and commit').toEqual(committed);
  });

  it('declares a non-trivial response schema for every 2xx and every error status of every operation', async () => {
    const doc = (await call('GET', '/openapi.json')).body;

    const trivial: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, op] of Object.entries(item)) {
        const statuses = Object.keys(op.responses);
        expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['400', '401', '429', '500', '503']));
        for (const [status, r] of Object.entries(op.responses)) {
          if (status === '204') continue; // no body, by definition (DELETE /webhook-endpoints/{id})
          const schema = Object.values(r.content ?? {})[0]?.schema ?? {};
          if (!('$ref' in schema) && !('properties' in schema)) trivial.push(`${method} ${path} ${status}`);
        }
      }
    }
    expect(trivial).toEqual([]);
  });

  it('R4: integer cents with their bounds, text limits and patterns, and the write headers are in the document', async () => {
    const doc = (await call('GET', '/openapi.json')).body;
    const batch = doc.paths['/contracts/{id}/milestones/batch'].post;
    const add = batch.requestBody.content['application/json'].schema.properties.ops.items.oneOf[0].properties;

    expect(add.amountCents).toMatchObject({ type: 'integer', minimum: 500, maximum: 100_000_000 });
    expect(add.title).toMatchObject({ type: 'string', minLength: 1, maxLength: 200, pattern: expect.any(String) });
    expect(batch.parameters).toEqual(expect.arrayContaining([
      expect.objectContaining({ in: 'header', name: 'Idempotency-Key', required: true }),
      expect.objectContaining({ in: 'path', name: 'id', schema: expect.objectContaining({ pattern: '^[A-Za-z0-9_.-]+$' }) }),
    ]));
    expect(Object.keys(batch.responses['503'].headers)).toEqual(expect.arrayContaining(['Request-Id', 'Retry-After']));
    expect(Object.keys(batch.responses['200'].headers)).toEqual(expect.arrayContaining(['Request-Id', 'Idempotent-Replayed']));
    expect(doc.components.schemas.Balances.properties.escrowCents.type).toBe('integer');
  });

  it('the reference lists every error code with its rule, links the rules, and is served from the package (offline)', async () => {
    const doc = (await call('GET', '/openapi.json')).body;
    const bundle = await fetch(`${stack.baseUrl}/docs/scalar.js`);

    for (const [code, e] of Object.entries(ERROR_CATALOG)) expect(doc.info.description).toContain(`| ${e.status} | \`${code}\` |`);
    expect(doc.info.description).toContain('### R16');
    expect(doc.paths['/contracts/{id}/change-requests/{requestId}/approve'].post.description).toContain('[R16](#description/r16)');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
  });
});

describe('the typed client', () => {
  it('R11, R12: creates, plans with a ref and a reorder, previews and reads a contract through openapi-fetch', async () => {
    const p = await newParties(stack);
    const client = api(stack.baseUrl, p.client.token);

    const created = await client.POST('/contracts', { params: { header: idempotent() }, body: { title: 'Logo', freelancerId: p.freelancer.id } });
    const id = created.data!.id;
    const saved = await client.POST('/contracts/{id}/milestones/batch', { params: { path: { id }, header: idempotent() }, body: { ops: [
      { op: 'add', title: 'Sketches', amountCents: 5000 },
      { op: 'add', ref: 'final', title: 'Final logo', amountCents: 8000 },
      { op: 'reorder', order: ['final', 'm1'] },
    ] } });
    const read = await client.GET('/contracts/{id}', { params: { path: { id } } });

    expect(created.response.status).toBe(201);
    expect(created.response.headers.get('location')).toBe(`/contracts/${id}`);
    expect(saved.data!.diff!.added.map((a) => [a.title, a.position])).toEqual([['Final logo', 1], ['Sketches', 2]]);
    expect(read.data!.milestones.map((m) => m.title)).toEqual(['Final logo', 'Sketches']);
  });

  it('R11: "Show changes" is a read: no Idempotency-Key, no history event, nothing stored, refusals as a save would', async () => {
    const p = await newParties(stack);
    const client = api(stack.baseUrl, p.client.token);
    const id = (await client.POST('/contracts', { params: { header: idempotent() }, body: { title: 'Logo', freelancerId: p.freelancer.id } })).data!.id;
    const planned = await client.POST('/contracts/{id}/milestones/batch', { params: { path: { id }, header: idempotent() },
      body: { ops: [{ op: 'add', title: 'A', amountCents: 2000 }] } });
    const seq = planned.response.headers.get('contract-seq')!;
    await projectedTo(stack.db, id, seq);
    const events = await stack.db.auditEvent.count({ where: { contractId: id } });

    const preview = await call('POST', `/contracts/${id}/milestones/preview`, { token: p.client.token, key: null, headers: { 'contract-min-seq': seq },
      body: { ops: [{ op: 'edit', milestoneId: 'm1', patch: { amountCents: 2500 } }, { op: 'add', title: 'B', amountCents: 900 }] } });
    const tooSmall = await call('POST', `/contracts/${id}/milestones/preview`, { token: p.client.token, key: null,
      body: { ops: [{ op: 'add', title: 'C', amountCents: 499 }] } });
    const asFreelancer = await call('POST', `/contracts/${id}/milestones/preview`, { token: p.freelancer.token, key: null,
      body: { ops: [{ op: 'delete', milestoneId: 'm1' }] } });

    expect(preview.status).toBe(200);
    expect(preview.body.diff.edited[0].changes).toEqual([{ field: 'amountCents', old: 2000, new: 2500 }]);
    expect(preview.body.diff.added).toEqual([{ id: 'm2', title: 'B', amountCents: 900, position: 2 }]);
    expect(preview.body.contract.milestones.map((m: { amountCents: number }) => m.amountCents)).toEqual([2000]);
    expect(tooSmall).toMatchObject({ status: 422, body: { code: 'AMOUNT_TOO_SMALL', rule: 'R4' } });
    expect(asFreelancer).toMatchObject({ status: 403, body: { code: 'FORBIDDEN_FOR_ROLE' } });
    expect(await stack.db.auditEvent.count({ where: { contractId: id } })).toBe(events);
    expect(await stack.db.idempotencyKey.count({ where: { userId: p.client.id } })).toBe(2);
  });
});

describe('standard middleware', () => {
  it('security headers, no-store on authenticated answers, Request-Id, WWW-Authenticate on 401, 405 with Allow', async () => {
    const p = await newParties(stack);

    const mine = await call('GET', '/contracts', { token: p.client.token });
    const anonymous = await call('GET', '/contracts');
    const badToken = await call('GET', '/contracts', { token: 'mc_not-a-token' });
    const wrongMethod = await call('DELETE', '/contracts', { token: p.client.token });

    expect(mine.headers.get('x-content-type-options')).toBe('nosniff');
    expect(mine.headers.get('cache-control')).toBe('no-store');
    expect(mine.headers.get('request-id')).toMatch(/^[\w.:-]+$/);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="milestone-contracts"');
    expect(badToken.headers.get('www-authenticate')).toBe('Bearer realm="milestone-contracts", error="invalid_token"');
    expect(wrongMethod).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_ALLOWED' } });
    expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD, POST');
  });

  it('the per-address limit holds before authentication, counted in each process\'s memory (no database round trip)', async () => {
    const store = pool();
    pools.push(store);
    const shared = { rateLimitStore: store, rateLimitPrefix: `t${randomUUID()}-`, rateLimitPerAddressPerMinute: 3 };
    const [a, b] = [await replica(shared), await replica(shared)];

    const statuses: number[] = [];
    for (const base of [a, a, a, a, b]) statuses.push((await fetch(`${base}/contracts`, { headers: { authorization: 'Bearer mc_bad' } })).status);
    const limited = await fetch(`${a}/contracts`);

    // Bad tokens are limited too; another process keeps its own count (an unauthenticated flood costs no query).
    expect(statuses).toEqual([401, 401, 401, 429, 401]);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await stack.db.rateLimit.count({ where: { key: { startsWith: `${shared.rateLimitPrefix}address` } } })).toBe(0);
  });

  it('the per-token limit counts one token across processes and leaves another token alone', async () => {
    const store = pool();
    pools.push(store);
    const [one, other] = await Promise.all([stack.newUser('One'), stack.newUser('Other')]);
    const shared = { rateLimitStore: store, rateLimitPrefix: `t${randomUUID()}-`, rateLimitPerMinute: 2, rateLimitPerAddressPerMinute: 1_000_000 };
    const [a, b] = [await replica(shared), await replica(shared)];
    const get = (base: string, token: string) => http(base)('GET', '/messages', { token });

    const answers = [await get(a, one.token), await get(b, one.token), await get(a, one.token), await get(b, other.token)];

    expect(answers.map((r) => r.status)).toEqual([200, 200, 429, 200]);
    expect(answers[2]!.body).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('one JSON log line per request with its Request-Id, status and caller; never the token', async () => {
    const p = await newParties(stack);
    const lines: Record<string, unknown>[] = [];
    const base = await replica({ log: (line) => lines.push(line) });
    const requestId = `test-${randomUUID()}`;

    await http(base)('GET', '/contracts?limit=1', { token: p.client.token, headers: { 'request-id': requestId } });
    await expect.poll(() => lines.length).toBe(1);

    expect(lines[0]).toMatchObject({ level: 'info', msg: 'request', requestId, method: 'GET', path: '/contracts?limit=1', status: 200, userId: p.client.id });
    expect(JSON.stringify(lines)).not.toContain(p.client.token);
  });
});
