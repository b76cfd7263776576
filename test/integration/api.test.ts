// The HTTP API against the real stack (dev server, PostgreSQL, worker with real activities): every
// endpoint, who may call it, bad input, idempotency, and the seed's story end to end.
import { randomUUID } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import type { IssuedUser } from '../../api/users.js';
import { createContract, http } from '../support/http.js';
import { projectedTo } from '../support/projected.js';
import { newParties, type Parties, type Stack } from '../support/stack.js';
import { stackPerFile } from '../support/file-stack.js';

let stack: Stack;
let call: ReturnType<typeof http>;
stackPerFile((s, c) => {
  [stack, call] = [s, c];
});

const parties = (opts: { changeRequests?: boolean } = {}) => newParties(stack, opts);

/** An offer of these milestones, sent and accepted (R30): open, the first funded. */
const newContract = (p: Parties, milestones: number[] = [5000]): Promise<string> =>
  createContract(stack.baseUrl, p.client.token, p.freelancer, milestones);

const ledgerRows = (contractId: string) => stack.db.ledgerEntry.count({ where: { contractId } });

describe('health and docs', () => {
  it('answers /healthz, /readyz, /docs and a valid OpenAPI 3.1 document covering every route', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect((await call('GET', '/readyz')).body).toEqual({ status: 'ok', postgres: 'ok', temporal: 'ok' });
    const doc = (await call('GET', '/openapi.json')).body;
    const docs = await fetch(`${stack.baseUrl}/docs`);

    const validation = await new Validator().validate(doc);
    expect(validation.errors ?? []).toEqual([]);
    expect(validation.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/contracts', '/contracts/{id}', '/contracts/{id}/history', '/contracts/{id}/milestones/batch', '/contracts/{id}/milestones/preview',
      '/contracts/{id}/fund', '/contracts/{id}/milestones/{milestoneId}/submit', '/contracts/{id}/milestones/{milestoneId}/release',
      '/contracts/{id}/change-requests', '/contracts/{id}/change-requests/{requestId}', '/contracts/{id}/change-requests/{requestId}/approve',
      '/contracts/{id}/change-requests/{requestId}/reject', '/contracts/{id}/change-requests/{requestId}/withdraw', '/contracts/{id}/proposals',
      '/contracts/{id}/proposals/{requestId}/accept', '/contracts/{id}/proposals/{requestId}/decline', '/contracts/{id}/proposals/{requestId}/withdraw',
      '/contracts/{id}/end', '/contracts/{id}/keep-open', '/contracts/{id}/withdraw-funds', '/messages', '/messages/{id}/read',
      '/contracts/{id}/offer', '/contracts/{id}/offer/withdraw', '/contracts/{id}/offer/accept', '/contracts/{id}/offer/decline',
    ]));
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('<script src="/docs/scalar.js">');
  });
});

describe('the seed story over HTTP', () => {
  it('R7, R8, R9, R17, R20, R22, R23, R24: from creation to ending with a refund, each party notified', async () => {
    const p = await parties();
    const id = await newContract(p, [5000, 8000]);
    const c = (path: string, body: unknown = {}, who: IssuedUser = p.client) => call('POST', `/contracts/${id}${path}`, { token: who.token, body });

    expect((await call('GET', `/contracts/${id}`, { token: p.client.token })).body.balances).toMatchObject({ depositsCents: 5495, feesCents: 495, escrowCents: 5000 });
    expect((await c('/milestones/m1/submit', {}, p.freelancer)).body.contract.milestones[0].state).toBe('submitted');
    expect((await c('/milestones/m1/release', { amountCents: 3000 })).body.contract.balances.projectFundsCents).toBe(2000);
    expect((await c('/fund')).body.contract.balances).toMatchObject({ projectFundsCents: 0, depositsCents: 11495 });
    const cr = await c('/change-requests', { milestoneId: 'm2', changes: { amountCents: 9000, title: 'Build + QA' } });
    expect(cr.body.contract.pendingChangeRequest).toMatchObject({ id: cr.body.requestId, state: 'pending' });
    const approved = await c(`/change-requests/${cr.body.requestId}/approve`, { version: 0 }, p.freelancer);
    expect(approved.body.contract.milestones[1]).toMatchObject({ title: 'Build + QA', amountCents: 9000, fundedCents: 8000 });
    expect((await c('/fund')).body.contract.milestones[1].fundedCents).toBe(9000);
    const proposal = await c('/proposals', { ops: [{ op: 'add', title: 'Launch', amountCents: 1500 }] }, p.freelancer);
    expect((await c(`/proposals/${proposal.body.requestId}/accept`, { version: 0 })).body.contract.milestones.map((m: { title: string }) => m.title)).toEqual(['M1', 'Build + QA', 'Launch']);
    await c('/milestones/m2/release');
    await c('/fund');
    const last = await c('/milestones/m3/release', { amountCents: 1000 });
    expect(last.body.prompt).toBe('END_OR_KEEP_OPEN');
    const ended = await c('/end');

    expect(ended.status).toBe(200);
    expect(ended.body.contract).toMatchObject({ status: 'ended', balances: { projectFundsCents: 0, escrowCents: 0, refundsCents: 500 } });
    const history = await call('GET', `/contracts/${id}/history?limit=100&minSeq=${ended.headers.get('contract-seq')}`, { token: p.freelancer.token });
    expect(history.body.data.map((e: { command: string }) => e.command)).toEqual(expect.arrayContaining(['sendOffer', 'acceptOffer', 'fundMilestone', 'changeRequest approved', 'proposal approved', 'endContract']));
    // Messages leave after each transition is stored, on their own path: each inbox is awaited.
    const inbox = async (token: string) => (await call('GET', '/messages?limit=100', { token })).body.data.map((m: { subject: string }) => m.subject);
    await expect.poll(() => inbox(p.freelancer.token)).toEqual(expect.arrayContaining([expect.stringContaining('A change to the active milestone was requested'), expect.stringContaining('The contract has ended')]));
    await expect.poll(() => inbox(p.client.token)).toEqual(expect.arrayContaining([expect.stringContaining('Work was submitted'), expect.stringContaining('Your change request was approved'), expect.stringContaining('Milestone changes were proposed')]));
  });

  it('R11, R16, R21: preview, edit and withdraw a change request, decline a proposal; messages can be marked read', async () => {
    const p = await parties();
    const id = await newContract(p, [1000, 2000]);
    const c = (path: string, body: unknown = {}, who: IssuedUser = p.client) => call('POST', `/contracts/${id}${path}`, { token: who.token, body });

    const preview = await c('/milestones/preview', { ops: [{ op: 'edit', milestoneId: 'm2', patch: { amountCents: 2500 } }] });
    const cr = await c('/change-requests', { milestoneId: 'm1', changes: { dueDate: '2031-01-01' } });
    const edited = await c(`/change-requests/${cr.body.requestId}`, { changes: { dueDate: '2031-02-01' } });
    const withdrawn = await c(`/change-requests/${cr.body.requestId}/withdraw`);
    const proposal = await c('/proposals', { ops: [{ op: 'delete', milestoneId: 'm2' }] }, p.freelancer);
    const blocked = await c('/milestones/batch', { ops: [{ op: 'add', title: 'x', amountCents: 900 }] });
    const declined = await c(`/proposals/${proposal.body.requestId}/decline`, { version: 0 });

    expect(preview.body.diff.edited[0].changes).toEqual([{ field: 'amountCents', old: 2000, new: 2500 }]);
    expect(preview.body.contract.milestones[1].amountCents).toBe(2000);
    expect(edited.body.contract.pendingChangeRequest.changes).toEqual([{ field: 'dueDate', old: null, new: '2031-02-01' }]);
    expect(withdrawn.body.contract.pendingChangeRequest).toBeNull();
    expect(blocked).toMatchObject({ status: 409, body: { code: 'PROPOSAL_PENDING', rule: 'R21' } });
    expect(declined.body.contract.milestones).toHaveLength(2);
    await expect.poll(async () => (await call('GET', '/messages?unread=true', { token: p.freelancer.token })).body.data.length).toBeGreaterThan(0);
    const [first] = (await call('GET', '/messages?unread=true', { token: p.freelancer.token })).body.data;
    const read = await call('POST', `/messages/${first.id}/read`, { token: p.freelancer.token, key: null });
    expect(read.body.readAt).not.toBeNull();
    expect((await call('POST', `/messages/${first.id}/read`, { token: p.client.token, key: null })).status).toBe(404);
  });

  it('R14: without the feature flag a change request is refused with 403 and the rule', async () => {
    const p = await parties({ changeRequests: false });
    const id = await newContract(p, [1000]);

    const res = await call('POST', `/contracts/${id}/change-requests`, { token: p.client.token, body: { milestoneId: 'm1', changes: { title: 'x' } } });

    expect(res).toMatchObject({ status: 403, body: { code: 'FEATURE_NOT_ENABLED', rule: 'R14' } });
  });

  it('R22, R23: keep the contract open after the last release, withdraw project funds; an ended contract refuses changes (R3)', async () => {
    const p = await parties();
    const id = await newContract(p, [2000]);
    const c = (path: string, body: unknown = {}) => call('POST', `/contracts/${id}${path}`, { token: p.client.token, body });
    await c('/milestones/m1/release', { amountCents: 1500 });

    const kept = await c('/keep-open');
    const withdrawn = await c('/withdraw-funds', { amountCents: 200 });
    await c('/end');
    const after = await c('/milestones/batch', { ops: [{ op: 'add', title: 'late', amountCents: 1000 }] });

    expect(kept.body.contract.endPrompt).toBe(false);
    expect(withdrawn.body.contract.balances).toMatchObject({ projectFundsCents: 300, refundsCents: 200 });
    expect(after).toMatchObject({ status: 409, body: { code: 'CONTRACT_ENDED', rule: 'R3' } });
  });
});

describe('who may do what', () => {
  it('every endpoint × {client, freelancer, stranger, no token, bad token}', async () => {
    const p = await parties();
    const id = await newContract(p, [1000, 2000]);
    // [method, path, body, who may]; a refused party gets 403 from the rules, a stranger 404.
    const matrix: [string, string, unknown, 'client' | 'freelancer' | 'both'][] = [
      ['GET', `/contracts/${id}`, undefined, 'both'],
      ['GET', `/contracts/${id}/history`, undefined, 'both'],
      ['POST', `/contracts/${id}/milestones/preview`, { ops: [{ op: 'delete', milestoneId: 'm2' }] }, 'client'],
      ['POST', `/contracts/${id}/milestones/batch`, { ops: [{ op: 'edit', milestoneId: 'm2', patch: { title: 'T' } }] }, 'client'],
      ['POST', `/contracts/${id}/fund`, {}, 'client'],
      ['POST', `/contracts/${id}/milestones/m1/submit`, {}, 'freelancer'],
      ['POST', `/contracts/${id}/milestones/m1/release`, {}, 'client'],
      ['POST', `/contracts/${id}/change-requests`, { milestoneId: 'm1', changes: { title: 'x' } }, 'client'],
      ['POST', `/contracts/${id}/change-requests/${id}-cr9`, { changes: { title: 'y' } }, 'client'],
      ['POST', `/contracts/${id}/change-requests/${id}-cr9/withdraw`, {}, 'client'],
      ['POST', `/contracts/${id}/change-requests/${id}-cr9/approve`, { version: 0 }, 'freelancer'],
      ['POST', `/contracts/${id}/change-requests/${id}-cr9/reject`, { version: 0 }, 'freelancer'],
      ['POST', `/contracts/${id}/proposals`, { ops: [{ op: 'delete', milestoneId: 'm2' }] }, 'freelancer'],
      ['POST', `/contracts/${id}/proposals/${id}-pr9/withdraw`, {}, 'freelancer'],
      ['POST', `/contracts/${id}/proposals/${id}-pr9/accept`, { version: 0 }, 'client'],
      ['POST', `/contracts/${id}/proposals/${id}-pr9/decline`, { version: 0 }, 'client'],
      ['POST', `/contracts/${id}/end`, {}, 'client'],
      ['POST', `/contracts/${id}/keep-open`, {}, 'client'],
      ['POST', `/contracts/${id}/withdraw-funds`, {}, 'client'],
      ['POST', `/contracts/${id}/offer`, { expiresInDays: 3 }, 'client'],
      ['POST', `/contracts/${id}/offer/withdraw`, {}, 'client'],
      ['POST', `/contracts/${id}/offer/accept`, { version: 1 }, 'freelancer'],
      ['POST', `/contracts/${id}/offer/decline`, { version: 1 }, 'freelancer'],
    ];
    const seqBefore = (await stack.db.contract.findUniqueOrThrow({ where: { id } })).seq;

    for (const [method, path, body, who] of matrix) {
      const as = async (token?: string) => (await call(method, path, { ...(token ? { token } : {}), ...(body === undefined ? {} : { body }) })).status;
      expect(await as(), `${method} ${path} without a token`).toBe(401);
      expect(await as('mc_not_a_real_token'), `${method} ${path} with a bad token`).toBe(401);
      expect(await as(p.stranger.token), `${method} ${path} as a stranger`).toBe(404);
      if (who === 'freelancer') expect(await as(p.client.token), `${method} ${path} as the client`).toBe(403);
      if (who === 'client') expect(await as(p.freelancer.token), `${method} ${path} as the freelancer`).toBe(403);
    }

    expect((await stack.db.contract.findUniqueOrThrow({ where: { id } })).seq).toBe(seqBefore);
    expect((await call('GET', '/contracts', { token: p.stranger.token })).body.data).toEqual([]);
    expect((await call('GET', '/messages')).status).toBe(401);
  });
});

describe('bad input', () => {
  it('R4, R2: wrong types, negative, fractional, below $5, absurd amounts and the 201st milestone → the right 4xx with the rule; nothing persisted', async () => {
    const p = await parties();
    const id = await newContract(p);
    const batch = (ops: unknown) => call('POST', `/contracts/${id}/milestones/batch`, { token: p.client.token, body: { ops } });
    const add = (amountCents: unknown) => batch([{ op: 'add', title: 'x', amountCents }]);

    expect(await add('500')).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect(await add(-500)).toMatchObject({ status: 422, body: { code: 'AMOUNT_TOO_SMALL', rule: 'R4' } });
    expect(await add(500.5)).toMatchObject({ status: 400, body: { code: 'NUMBER_NOT_INTEGER', rule: 'R4' } });
    expect(await add(499)).toMatchObject({ status: 422, body: { code: 'AMOUNT_TOO_SMALL', rule: 'R4' } });
    expect(await add(1e12)).toMatchObject({ status: 422, body: { code: 'AMOUNT_TOO_LARGE', rule: 'R4' } });
    expect((await stack.db.milestone.count({ where: { contractId: id } }))).toBe(1); // the offer's one

    const planned = await batch(Array.from({ length: 199 }, (_, i) => ({ op: 'add', title: `M${i}`, amountCents: 500 })));
    const the201st = await add(500);
    expect(the201st).toMatchObject({ status: 422, body: { code: 'MILESTONE_LIMIT', rule: 'R2' } });
    expect(the201st.body.detail).toContain('start a new contract');
    await projectedTo(stack.db, id, planned.headers.get('contract-seq'));
    expect(await stack.db.milestone.count({ where: { contractId: id } })).toBe(200);
  });

  it('unknown fields, malformed JSON, an oversized body, a missing Idempotency-Key → 400/413 problem+json, nothing stored', async () => {
    const p = await parties();
    const before = await stack.db.contract.count({ where: { clientId: p.client.id } });

    const milestones = [{ title: 'A', amountCents: 500 }];
    const unknown = await call('POST', '/contracts', { token: p.client.token, body: { title: 'x', freelancerId: p.freelancer.id, milestones, color: 'red' } });
    const malformed = await call('POST', '/contracts', { token: p.client.token, raw: '{"title": ' });
    const oversized = await call('POST', '/contracts', { token: p.client.token, raw: JSON.stringify({ title: 'x'.repeat(300_000), freelancerId: 'f' }) });
    const noKey = await call('POST', '/contracts', { token: p.client.token, key: null, body: { title: 'x', freelancerId: p.freelancer.id, milestones } });
    const unknownFreelancer = await call('POST', '/contracts', { token: p.client.token, body: { title: 'x', freelancerId: 'nobody', milestones } });

    expect(unknown).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(malformed).toMatchObject({ status: 400, body: { code: 'MALFORMED_JSON' } });
    expect(oversized).toMatchObject({ status: 413, body: { code: 'BODY_TOO_LARGE' } });
    expect(noKey).toMatchObject({ status: 400, body: { code: 'IDEMPOTENCY_KEY_REQUIRED' } });
    expect(unknownFreelancer).toMatchObject({ status: 422, body: { code: 'FREELANCER_NOT_FOUND', rule: 'R1' } });
    expect(await stack.db.contract.count({ where: { clientId: p.client.id } })).toBe(before);
    expect(await stack.db.idempotencyKey.count({ where: { userId: p.client.id } })).toBe(0);
    expect(unknown.body.instance).toContain(unknown.headers.get('request-id'));
  });
});

describe('Idempotency-Key', () => {
  it('R10: a retried money-moving request replays the stored answer and moves money once', async () => {
    const p = await parties();
    const id = await newContract(p, [1000]);
    const key = randomUUID();

    const first = await call('POST', `/contracts/${id}/milestones/m1/release`, { token: p.client.token, body: {}, key });
    await projectedTo(stack.db, id, first.headers.get('contract-seq'));
    const rows = await ledgerRows(id);
    const retry = await call('POST', `/contracts/${id}/milestones/m1/release`, { token: p.client.token, body: {}, key });

    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await ledgerRows(id)).toBe(rows);
  });

  it('the same key with another body → 422; two concurrent requests with one key → one runs, the other 409', async () => {
    const p = await parties();
    const key = randomUUID();
    const body = { title: 'Once', freelancerId: p.freelancer.id, milestones: [{ title: 'A', amountCents: 500 }] };

    const results = await Promise.all([1, 2].map(() => call('POST', '/contracts', { token: p.client.token, body, key })));
    const reused = await call('POST', '/contracts', { token: p.client.token, body: { ...body, title: 'Other' }, key });
    const replay = await call('POST', '/contracts', { token: p.client.token, body, key });

    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.status === 409)!.body.code).toBe('IDEMPOTENCY_REQUEST_IN_PROGRESS');
    expect(reused).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(results.find((r) => r.status === 201)!.body.id);
    expect(await stack.db.contract.count({ where: { clientId: p.client.id } })).toBe(1);
  });

  it('a key older than 24 hours stays bound to its first request: another request under it is refused, not run', async () => {
    const p = await parties();
    const id = await newContract(p, [1000]);
    const key = randomUUID();
    const refused = await call('POST', `/contracts/${id}/keep-open`, { token: p.client.token, body: {}, key });
    await stack.db.idempotencyKey.updateMany({ where: { userId: p.client.id, key }, data: { createdAt: new Date(Date.now() - 25 * 3600_000) } });

    const later = await call('POST', `/contracts/${id}/withdraw-funds`, { token: p.client.token, body: {}, key });

    expect(refused.status).toBe(409);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(later).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });
  });

  it('a refusal by the rules is stored and replayed too, with its rule', async () => {
    const p = await parties();
    const id = await newContract(p, [1000, 2000]);
    const key = randomUUID();

    const refused = await call('POST', `/contracts/${id}/milestones/m2/release`, { token: p.client.token, body: {}, key });
    const replay = await call('POST', `/contracts/${id}/milestones/m2/release`, { token: p.client.token, body: {}, key });

    expect(refused).toMatchObject({ status: 409, body: { code: 'MILESTONE_NOT_FUNDED', rule: 'R5' } });
    expect(replay.status).toBe(409);
    expect(replay.body).toEqual(refused.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });
});

describe('lists', () => {
  it('pages through my contracts with limit and startingAfter', async () => {
    const p = await parties();
    for (let i = 0; i < 3; i++) await newContract(p);

    const page1 = await call('GET', '/contracts?limit=2', { token: p.freelancer.token });
    const page2 = await call('GET', `/contracts?limit=2&startingAfter=${page1.body.nextCursor}`, { token: p.freelancer.token });
    const bad = await call('GET', '/contracts?limit=500', { token: p.freelancer.token });

    expect(page1.body).toMatchObject({ object: 'list', hasMore: true });
    expect(page1.body.data).toHaveLength(2);
    expect(page2.body).toMatchObject({ hasMore: false, nextCursor: null });
    expect(page2.body.data).toHaveLength(1);
    expect(new Set([...page1.body.data, ...page2.body.data].map((c: { id: string }) => c.id)).size).toBe(3);
    expect(bad.status).toBe(400);
  });
});
