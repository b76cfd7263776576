// Decisions over HTTP: the version every view shows and every answer must name (R16), a decision whose
// outcome is late answered 503 and then, on a retry with the same key, with the real outcome, and the
// shortfall of an approved increase shown and enforced (R17).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contractIdFor } from '../../api/routes/commands.js';
import { issueUser, type IssuedUser } from '../../api/users.js';
import { contractWorkflowId } from '../../domain/names.js';
import type { contractWorkflow, ContractWorkflowInput } from '../../workflows/contract.js';
import { http } from '../support/http.js';
import { startRecordingWorker } from '../support/recording-worker.js';
import { newParties, type Parties, type Stack } from '../support/stack.js';
import { stackPerFile } from '../support/file-stack.js';

let stack: Stack;
let call: ReturnType<typeof http>;
stackPerFile((s, c) => {
  [stack, call] = [s, c];
});

const parties = () => newParties(stack);

/** A contract with one funded milestone; `input` starts its workflow first (tests shorten its waits). */
async function fundedContract(p: Parties, amountCents: number, input?: ContractWorkflowInput) {
  const key = randomUUID();
  if (input) {
    await stack.client.workflow.start<typeof contractWorkflow>('contractWorkflow', {
      workflowId: contractWorkflowId(contractIdFor(p.client.id, key)), taskQueue: stack.taskQueue, args: [input],
    });
  }
  const milestones = [{ title: 'Design', amountCents }];
  const created = await call('POST', '/contracts', { token: p.client.token, key, body: { title: 'Site', freelancerId: p.freelancer.id, milestones } });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  const c = (path: string, body: unknown = {}, who: IssuedUser = p.client, k?: string) =>
    call('POST', `/contracts/${id}${path}`, { token: who.token, body, ...(k ? { key: k } : {}) });
  expect((await c('/offer/accept', { version: 1 }, p.freelancer)).status).toBe(200);
  return { id, c };
}

describe('versioned answers (R16)', () => {
  it('R16: the view shows the version; an answer without one is a 400, to an old one a 409 naming the current one', async () => {
    const p = await parties();
    const { c } = await fundedContract(p, 1000);
    const cr = await c('/change-requests', { milestoneId: 'm1', changes: { amountCents: 1500 } });
    const edited = await c(`/change-requests/${cr.body.requestId}`, { changes: { amountCents: 1200 } });

    const missing = await c(`/change-requests/${cr.body.requestId}/approve`, {}, p.freelancer);
    const stale = await c(`/change-requests/${cr.body.requestId}/approve`, { version: 0 }, p.freelancer);
    const current = await c(`/change-requests/${cr.body.requestId}/approve`, { version: 1 }, p.freelancer);

    expect(cr.body.contract.pendingChangeRequest).toMatchObject({ id: cr.body.requestId, version: 0 });
    expect(edited.body.contract.pendingChangeRequest).toMatchObject({ version: 1 });
    expect(missing.status).toBe(400);
    expect(stale).toMatchObject({ status: 409, body: { code: 'CHANGE_REQUEST_CHANGED', rule: 'R16', currentVersion: 1 } });
    expect(current.status).toBe(200);
    expect(current.body.contract.milestones[0]).toMatchObject({ amountCents: 1200, shortfallCents: 200 });
  });
});

describe('honest outcomes', () => {
  it('R16: a decision whose outcome is late answers 503 and stores no answer; the same key then returns the real outcome', async () => {
    const p = await parties();
    const held = `${stack.taskQueue}-held-requests`;
    const { id, c } = await fundedContract(p, 1000, { outcomeWaitMs: 300, requestTaskQueue: held });
    const cr = await c('/change-requests', { milestoneId: 'm1', changes: { title: 'Late' } });
    const key = randomUUID();

    const first = await c(`/change-requests/${cr.body.requestId}/approve`, { version: 0 }, p.freelancer, key);
    const stored = await stack.db.idempotencyKey.findUnique({ where: { userId_key: { userId: p.freelancer.id, key } } });
    const late = await startRecordingWorker(held);
    try {
      await expect.poll(async () => (await call('GET', `/contracts/${id}`, { token: p.client.token })).body.milestones[0].title).toBe('Late');
    } finally {
      await late.stop();
    }
    const retried = await c(`/change-requests/${cr.body.requestId}/approve`, { version: 0 }, p.freelancer, key);

    expect(first.status).toBe(503);
    expect(first.body.code).toBe('DECISION_PENDING');
    expect(first.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(stored).toMatchObject({ state: 'retry', responseStatus: null, responseBody: null }); // bound to this request, no answer
    expect(retried.status).toBe(200);
    expect(retried.body.contract.milestones[0].title).toBe('Late');
  });
});

describe('decisions the contract has adopted', () => {
  // Found by the fault suite's full run: a retried decision answered 200 from the request's stored outcome while the
  // contract's workflow had not yet adopted it (its worker was killed after the commit), so the client's
  // next command was refused with PROPOSAL_PENDING, or found no shortfall to fund.
  it('R16: a retried decision is a success only once the contract has applied the outcome, not when it is only stored', async () => {
    const p = await parties();
    const held = `${stack.taskQueue}-held-requests`;
    const { id, c } = await fundedContract(p, 1000, { outcomeWaitMs: 300, requestTaskQueue: held });
    const cr = await c('/change-requests', { milestoneId: 'm1', changes: { amountCents: 1500 } });
    const requestId: string = cr.body.requestId;
    const key = randomUUID();
    const approve = () => c(`/change-requests/${requestId}/approve`, { version: 0 }, p.freelancer, key);

    const first = await approve();
    // The moment after the outcome's transaction commits and before the contract's next workflow task
    // adopts it: the row says approved, the workflow still holds the request.
    await stack.db.changeRequest.update({ where: { id: requestId }, data: { state: 'approved' } });
    const early = await approve();
    const late = await startRecordingWorker(held);
    try {
      await expect.poll(async () => (await call('GET', `/contracts/${id}`, { token: p.client.token })).body.milestones[0].amountCents,
        { timeout: 30_000 }).toBe(1500);
    } finally {
      await late.stop();
    }
    const adopted = await approve();
    const topUp = await c('/fund');

    expect([first.status, first.body.code]).toEqual([503, 'DECISION_PENDING']);
    expect([early.status, early.body.code]).toEqual([503, 'DECISION_PENDING']);
    expect(adopted.status).toBe(200);
    expect(adopted.body.contract.milestones[0]).toMatchObject({ amountCents: 1500, shortfallCents: 500 });
    expect(topUp.status).toBe(200);
  });
});

describe('explicit money (R17)', () => {
  it('R17: the shortfall shows on the milestone and the contract; a full release is refused, a partial one allowed', async () => {
    const p = await parties();
    const { c } = await fundedContract(p, 1000);
    const cr = await c('/change-requests', { milestoneId: 'm1', changes: { amountCents: 1800 } });
    const approved = await c(`/change-requests/${cr.body.requestId}/approve`, { version: 0 }, p.freelancer);

    const full = await c('/milestones/m1/release');
    const partial = await c('/milestones/m1/release', { amountCents: 1000 });

    expect(approved.body.contract).toMatchObject({ shortfallCents: 800, milestones: [{ amountCents: 1800, fundedCents: 1000, shortfallCents: 800 }] });
    expect(full).toMatchObject({ status: 409, body: { code: 'SHORTFALL_UNFUNDED', rule: 'R17', shortfallCents: 800 } });
    expect(partial.status).toBe(200);
    expect(partial.body.contract).toMatchObject({ shortfallCents: 0, milestones: [{ state: 'released', releasedCents: 1000, shortfallCents: 0 }] });
  });
});

describe('an operator settles a request over HTTP', () => {
  it('R21: an operator settles a pending proposal, audited and named; a party may not, and a second settlement is refused', async () => {
    const p = await parties();
    const operator = await issueUser(stack.db, { email: `${randomUUID()}@example.test`, name: 'Otto Operator', role: 'operator' });
    const { id, c } = await fundedContract(p, 1000);
    const proposed = await c('/proposals', { ops: [{ op: 'add', title: 'Extra', amountCents: 700 }] }, p.freelancer);
    const path = `/operator/contracts/${id}/requests/${proposed.body.requestId}/resolve`;
    const settle = (token: string, reason: string) => call('POST', path, { token, body: { outcome: 'canceled', reason }, key: randomUUID() });

    const byParty = await settle(p.client.token, 'stuck');
    // Both parties read the reason: invisible-only, or an override left open, is refused as a party's text is.
    const unreadable = [await settle(operator.token, '\u200b\u200b'), await settle(operator.token, 'lost \u202e')];
    const settled = await settle(operator.token, 'its workflow was lost');
    const again = await settle(operator.token, 'again');

    expect(byParty).toMatchObject({ status: 403, body: { code: 'OPERATOR_ONLY' } });
    expect(unreadable.map((r) => [r.status, r.body.code, r.body.rule])).toEqual([[422, 'INVALID_REASON', 'R16'], [422, 'INVALID_REASON', 'R16']]);
    expect(settled.status).toBe(200);
    expect(settled.body.contract.pendingProposal).toBeNull();
    expect(again).toMatchObject({ status: 409, body: { code: 'REQUEST_NOT_PENDING' } });
    const audit = await stack.db.auditEvent.findFirstOrThrow({ where: { contractId: id, command: 'resolveRequest' } });
    expect(audit.actorId).toBe(`operator:${operator.id}`);
    expect((await c('/milestones/batch', { ops: [{ op: 'add', title: 'Planned again', amountCents: 800 }] })).status).toBe(200); // R21 lifted
  });
});
