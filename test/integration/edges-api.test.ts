// Legitimate input at the limits, over HTTP on the real stack: a request approved after it expired,
// texts that only look filled or leave a bidi override open, unknown query parameters on commands, a
// number no double holds, and what a client learns from a freelancer id it cannot contract with.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contractIdFor } from '../../api/routes/commands.js';
import type { IssuedUser } from '../../api/users.js';
import { contractWorkflowId } from '../../domain/names.js';
import type { contractWorkflow } from '../../workflows/contract.js';
import { createContract, http } from '../support/http.js';
import { newParties, type Parties, type Stack } from '../support/stack.js';
import { stackPerFile } from '../support/file-stack.js';

let stack: Stack;
let call: ReturnType<typeof http>;
stackPerFile((s, c) => {
  [stack, call] = [s, c];
});

const as = (p: Parties, id: string) => (path: string, body: unknown = {}, who: IssuedUser = p.client) =>
  call('POST', `/contracts/${id}${path}`, { token: who.token, body });

describe('a decision after the request expired', () => {
  it('R19, R24: approving an expired change request is 409 REQUEST_ALREADY_RESOLVED saying it expired; both parties were told', async () => {
    const p = await newParties(stack);
    const key = randomUUID();
    // Its change requests expire after 1 s instead of seven days.
    await stack.client.workflow.start<typeof contractWorkflow>('contractWorkflow', {
      workflowId: contractWorkflowId(contractIdFor(p.client.id, key)), taskQueue: stack.taskQueue, args: [{ changeRequestTtlMs: 1000 }],
    });
    const milestones = [{ title: 'Logo', amountCents: 1000 }];
    const created = await call('POST', '/contracts', { token: p.client.token, key, body: { title: 'Site', freelancerId: p.freelancer.id, milestones } });
    const c = as(p, created.body.id);
    expect((await c('/offer/accept', { version: 1 }, p.freelancer)).status).toBe(200);
    const requestId: string = (await c('/change-requests', { milestoneId: 'm1', changes: { amountCents: 1500 } })).body.requestId;
    await expect.poll(async () => (await stack.db.changeRequest.findUniqueOrThrow({ where: { id: requestId } })).state).toBe('expired');

    const late = await c(`/change-requests/${requestId}/approve`, { version: 0 }, p.freelancer);

    expect(late).toMatchObject({ status: 409, body: { code: 'REQUEST_ALREADY_RESOLVED', rule: 'R19', title: 'Request expired' } });
    expect(late.body.detail).toMatch(/^the request expired at \d{4}-\d{2}-\d{2}T.* before this decision reached it; nothing was applied$/);
    const told = await stack.db.notification.findMany({ where: { contractId: created.body.id, event: 'change_request_expired' } });
    expect(told.map((n) => n.recipientId).sort()).toEqual([p.client.id, p.freelancer.id].sort());
    const unknown = await c(`/change-requests/${created.body.id}-cr99/approve`, { version: 0 }, p.freelancer);
    expect(unknown).toMatchObject({ status: 409, body: { code: 'NO_PENDING_CHANGE_REQUEST' } });
  });
});

describe('texts', () => {
  it('R1, R11: titles of zero-width characters only are refused as blank; an unclosed right-to-left override is refused', async () => {
    const p = await newParties(stack);
    const id = await createContract(stack.baseUrl, p.client.token, p.freelancer);
    const c = as(p, id);

    const contractTitle = await call('POST', '/contracts', {
      token: p.client.token, body: { title: '\u200B\u200B', freelancerId: p.freelancer.id, milestones: [{ title: 'A', amountCents: 500 }] },
    });
    const milestoneTitle = await c('/milestones/batch', { ops: [{ op: 'add', title: '\u200B\u200B', amountCents: 1000 }] });
    const override = await c('/milestones/batch', { ops: [{ op: 'add', title: 'Invoice \u202Efdp.exe', amountCents: 1000 }] });
    const closed = await c('/milestones/batch', { ops: [{ op: 'add', title: 'Invoice \u202Efdp\u202C.exe', amountCents: 1000 }] });

    expect(contractTitle).toMatchObject({ status: 422, body: { code: 'INVALID_TITLE', rule: 'R1' } });
    expect(milestoneTitle).toMatchObject({ status: 422, body: { code: 'INVALID_TITLE', rule: 'R11' } });
    expect(override).toMatchObject({ status: 422, body: { code: 'INVALID_TITLE', rule: 'R11' } });
    expect(closed.status).toBe(200);
    expect(closed.body.contract.milestones.map((m: { title: string }) => m.title)).toEqual(['M1', 'Invoice \u202Efdp\u202C.exe']);
  });
});

describe('the request line and the body', () => {
  it('an unknown query parameter is 400 on a command, as on a list, and nothing moves', async () => {
    const p = await newParties(stack);
    const id = await createContract(stack.baseUrl, p.client.token, p.freelancer, [1000]);

    const command = await call('POST', `/contracts/${id}/fund?dryRun=true`, { token: p.client.token, body: {} });
    const list = await call('GET', '/contracts?limt=5', { token: p.client.token });
    const read = await call('GET', `/contracts/${id}?expand=all`, { token: p.client.token });

    expect(command).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect(list).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect(read).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect((await call('GET', `/contracts/${id}`, { token: p.client.token })).body.balances.escrowCents).toBe(1000); // the offer's deposit, no more
  });

  it('R4: 1e400 is refused as too large, not as a fraction', async () => {
    const p = await newParties(stack);
    const id = await createContract(stack.baseUrl, p.client.token, p.freelancer);

    const r = await call('POST', `/contracts/${id}/milestones/batch`, {
      token: p.client.token, raw: '{"ops":[{"op":"add","title":"Logo","amountCents":1e400}]}',
    });

    expect(r).toMatchObject({ status: 400, body: { code: 'NUMBER_TOO_LARGE', rule: 'R4' } });
    expect(r.body.detail).toContain('1e400');
    expect(r.body.detail).not.toMatch(/fraction|exponent/);
  });
});

describe('who a freelancer id is', () => {
  it('R1, R28: an id that names no user and one that names an operator get the same answer, word for word', async () => {
    const p = await newParties(stack);
    const operator = (await stack.db.user.create({ data: { id: randomUUID(), email: `${randomUUID()}@ops.test`, name: 'Olga', role: 'operator' } }));
    const create = (freelancerId: string) =>
      call('POST', '/contracts', { token: p.client.token, body: { title: 'Site', freelancerId, milestones: [{ title: 'A', amountCents: 500 }] } });

    const [nobody, op] = [await create(randomUUID()), await create(operator.id)];

    const strip = (b: Record<string, unknown>) => ({ ...b, instance: undefined });
    expect(nobody).toMatchObject({ status: 422, body: { code: 'FREELANCER_NOT_FOUND', rule: 'R1' } });
    expect([op.status, strip(op.body)]).toEqual([nobody.status, strip(nobody.body)]);
    expect(JSON.stringify(nobody.body)).not.toMatch(/exist/);
  });
});

describe('a contract on a shortened day (the contract workflow\'s test-only dayMs)', () => {
  it('R25: a one-day window of 1.5 s days releases the work automatically over HTTP, once; a day under a second fails the workflow at once', async () => {
    const p = await newParties(stack);
    const key = randomUUID();
    const start = (id: string, dayMs: number) => stack.client.workflow.start<typeof contractWorkflow>('contractWorkflow', {
      workflowId: contractWorkflowId(id), taskQueue: stack.taskQueue, args: [{ dayMs }],
    });
    await start(contractIdFor(p.client.id, key), 1500);
    const created = await call('POST', '/contracts', {
      token: p.client.token, key, body: { title: 'Site', freelancerId: p.freelancer.id, reviewWindowDays: 1, milestones: [{ title: 'Logo', amountCents: 1000 }] },
    });
    const c = as(p, created.body.id);
    expect((await c('/offer/accept', { version: 1 }, p.freelancer)).status).toBe(200);
    const submitted = await c('/milestones/m1/submit', {}, p.freelancer);
    const endsAt = Date.parse(submitted.body.contract.milestones[0].reviewEndsAt);

    await expect.poll(async () => (await call('GET', `/contracts/${created.body.id}`, { token: p.client.token })).body.milestones[0].state,
      { timeout: 30_000, interval: 250 }).toBe('released');
    const late = await c('/milestones/m1/release');
    const bad = await start(randomUUID(), 999);

    const submittedAt = (await stack.db.auditEvent.findFirstOrThrow({ where: { contractId: created.body.id, command: 'submitWork' } })).at;
    expect(endsAt - submittedAt.getTime()).toBe(1500); // one day of 1.5 s
    expect([late.status, late.body.code, late.body.rule]).toEqual([409, 'REVIEW_WINDOW_ENDED', 'R25']);
    const releases = await stack.db.ledgerEntry.findMany({ where: { contractId: created.body.id, kind: 'release' } });
    expect(releases.map((e) => [e.milestoneId, Number(e.amountCents)])).toEqual([['m1', 1000]]);
    expect((await stack.db.auditEvent.findFirstOrThrow({ where: { contractId: created.body.id, seq: releases[0]!.seq } })).command).toBe('autoRelease');
    const failure = await bad.result().then(() => undefined, (err: { cause?: { type?: string } }) => err.cause?.type);
    expect(failure).toBe('INVALID_DAY_LENGTH');
    expect(created.body).not.toHaveProperty('dayMs'); // the API shows no trace of the option
  });
});
