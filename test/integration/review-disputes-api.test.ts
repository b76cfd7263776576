// R25–R28 over HTTP against the real stack: the review window shown on the contract, revisions, refunds
// with consent, disputes resolved by an operator with its own token; who may do what (docs/rules.md's table),
// problem+json with the rule, idempotency keys, notices by email and in-app, the books in PostgreSQL.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueUser, type IssuedUser } from '../../api/users.js';
import { http } from '../support/http.js';
import { expectBooksBalanced } from '../support/ledger.js';
import { projectedTo } from '../support/projected.js';
import { newParties, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let call: ReturnType<typeof http>;
let operator: IssuedUser;
beforeAll(async () => {
  stack = await startStack();
  call = http(stack.baseUrl);
  operator = await issueUser(stack.db, { email: `${randomUUID()}@example.test`, name: 'Olga Operator', role: 'operator' });
});
afterAll(async () => {
  await stack?.stop();
});

/** A contract with a 1000-cent milestone, funded, its work submitted; `c` posts as a party (client by default). */
async function submittedContract(opts: { reviewWindowDays?: number } = {}) {
  const p = await newParties(stack);
  const milestones = [{ title: 'Logo', amountCents: 1000 }, { title: 'Site', amountCents: 2000 }];
  const created = await call('POST', '/contracts', { token: p.client.token, body: { title: 'Website', freelancerId: p.freelancer.id, milestones, ...opts } });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  const c = (path: string, body: unknown = {}, who: IssuedUser = p.client, key?: string) =>
    call('POST', `/contracts/${id}${path}`, { token: who.token, body, ...(key ? { key } : {}) });
  expect((await c('/offer/accept', { version: 1 }, p.freelancer)).status).toBe(200);
  expect((await c('/milestones/m1/submit', {}, p.freelancer)).status).toBe(200);
  return { id, p, c, created };
}

const eventsOf = async (id: string) => (await stack.db.notification.findMany({ where: { contractId: id } })).map((n) => n.event);

describe('review window, revisions, refunds and disputes over HTTP', () => {
  it('R25: the review window is set at creation (default 14, 1–30), shown on the contract and on submitted work', async () => {
    const { created } = await submittedContract({ reviewWindowDays: 3 });
    const p = await newParties(stack);

    const fallback = await call('POST', '/contracts', { token: p.client.token, body: { title: 'Default', freelancerId: p.freelancer.id, milestones: [{ title: 'Kick-off', amountCents: 5000 }] } });
    const tooLong = await call('POST', '/contracts', { token: p.client.token, body: { title: 'Long', freelancerId: p.freelancer.id, reviewWindowDays: 31, milestones: [{ title: 'Kick-off', amountCents: 5000 }] } });
    const stranger = await call('GET', `/contracts/${created.body.id}`, { token: p.client.token });

    expect(created.body.reviewWindowDays).toBe(3);
    expect(fallback.body.reviewWindowDays).toBe(14);
    expect([tooLong.status, tooLong.body.code, tooLong.body.rule]).toEqual([422, 'INVALID_REVIEW_WINDOW', 'R25']);
    expect(tooLong.headers.get('content-type')).toContain('application/problem+json');
    expect(stranger.status).toBe(404); // a stranger does not learn the contract exists
  });

  it('R26: the client sends submitted work back with a message; back to active, the round counted, the freelancer told', async () => {
    const { id, p, c } = await submittedContract();
    const key = randomUUID();

    const byFreelancer = await c('/milestones/m1/request-revisions', { message: 'Darker blue' }, p.freelancer);
    const blank = await c('/milestones/m1/request-revisions', { message: '   ' });
    const sent = await c('/milestones/m1/request-revisions', { message: 'Darker blue' }, p.client, key);
    const replay = await c('/milestones/m1/request-revisions', { message: 'Darker blue' }, p.client, key);
    const again = await c('/milestones/m1/request-revisions', { message: 'And bigger' });
    const resubmitted = await c('/milestones/m1/submit', {}, p.freelancer);

    expect([byFreelancer.status, byFreelancer.body.code]).toEqual([403, 'FORBIDDEN_FOR_ROLE']);
    expect(blank.status).toBe(400);
    expect(sent.body.contract.milestones[0]).toMatchObject({ state: 'active', revisionRounds: 1, reviewEndsAt: null });
    expect(replay.body).toEqual(sent.body);
    expect([again.status, again.body.code, again.body.rule]).toEqual([409, 'MILESTONE_NOT_SUBMITTED', 'R26']);
    expect(resubmitted.body.contract.milestones[0]).toMatchObject({ state: 'submitted', revisionRounds: 1 });
    expect(Date.parse(resubmitted.body.contract.milestones[0].reviewEndsAt)).toBeGreaterThan(Date.now() + 13 * 86_400_000);
    await expect.poll(async () => stack.db.inAppMessage.count({ where: { contractId: id, recipientId: p.freelancer.id, subject: { startsWith: 'Revisions were requested' } } })).toBe(1);
  });

  it('R27: a partial refund needs the freelancer\'s consent; accepted, it leaves escrow and the books balance', async () => {
    const { id, p, c } = await submittedContract();

    const byFreelancer = await c('/milestones/m1/refund-requests', { amountCents: 300 }, p.freelancer);
    const asked = await c('/milestones/m1/refund-requests', { amountCents: 300, reason: 'Scope cut' });
    const second = await c('/milestones/m1/refund-requests', { amountCents: 100 });
    const conflicting = await c('/milestones/m1/release');
    const byClient = await c(`/milestones/m1/refund-requests/${asked.body.requestId}/accept`);
    const accepted = await c(`/milestones/m1/refund-requests/${asked.body.requestId}/accept`, {}, p.freelancer);
    const released = await c('/milestones/m1/release');

    expect([byFreelancer.status, byFreelancer.body.code]).toEqual([403, 'FORBIDDEN_FOR_ROLE']);
    expect(asked.body.contract.milestones[0].pendingRefundRequest).toMatchObject({ id: asked.body.requestId, amountCents: 300, reason: 'Scope cut' });
    expect([second.status, second.body.code, second.body.rule]).toEqual([409, 'REFUND_PENDING', 'R27']);
    expect([conflicting.status, conflicting.body.code, conflicting.body.rule]).toEqual([409, 'REFUND_PENDING', 'R27']);
    expect([byClient.status, byClient.body.code]).toEqual([403, 'FORBIDDEN_FOR_ROLE']);
    expect(accepted.body.contract.milestones[0]).toMatchObject({ state: 'submitted', fundedCents: 700, refundedCents: 300, pendingRefundRequest: null });
    expect(released.body.contract.milestones[0]).toMatchObject({ state: 'released', releasedCents: 700 });
    await projectedTo(stack.db, id, released.headers.get('contract-seq'));
    const books = await expectBooksBalanced(stack.db, id);
    expect([books.refunds, books.releases, books.escrow]).toEqual([300, 700, 0]);
    await expect.poll(() => eventsOf(id)).toEqual(expect.arrayContaining(['refund_requested', 'refund_accepted']));
  });

  it('R27: a refund of everything held, accepted, ends the milestone as refunded; the next can be funded (R6)', async () => {
    const { id, p, c } = await submittedContract();

    const asked = await c('/milestones/m1/refund-requests', {});
    const accepted = await c(`/milestones/m1/refund-requests/${asked.body.requestId}/accept`, {}, p.freelancer);
    const next = await c('/fund');

    expect(accepted.body.contract.milestones[0]).toMatchObject({ state: 'refunded', refundedCents: 1000, releasedCents: 0 });
    expect(next.body.contract.milestones[1].state).toBe('active');
    await projectedTo(stack.db, id, next.headers.get('contract-seq'));
    const books = await expectBooksBalanced(stack.db, id);
    expect([books.refunds, books.escrow]).toEqual([1000, 2000]);
  });

  it('R27: a declined refund moves nothing', async () => {
    const { id, p, c } = await submittedContract();

    const asked = await c('/milestones/m1/refund-requests', { amountCents: 500 });
    const declined = await c(`/milestones/m1/refund-requests/${asked.body.requestId}/decline`, {}, p.freelancer);
    const stale = await c(`/milestones/m1/refund-requests/${asked.body.requestId}/accept`, {}, p.freelancer);

    expect(declined.body.contract.milestones[0]).toMatchObject({ fundedCents: 1000, pendingRefundRequest: null });
    expect([stale.status, stale.body.code, stale.body.rule]).toEqual([409, 'NO_PENDING_REFUND', 'R27']);
    await projectedTo(stack.db, id, declined.headers.get('contract-seq'));
    expect((await expectBooksBalanced(stack.db, id)).refunds).toBe(0);
  });

  it('R27: refund acceptance racing a release: one of them is refused, escrow is paid out once', async () => {
    const { id, p, c } = await submittedContract();
    const asked = await c('/milestones/m1/refund-requests', { amountCents: 400 });

    const [accept, release] = await Promise.all([
      c(`/milestones/m1/refund-requests/${asked.body.requestId}/accept`, {}, p.freelancer),
      c('/milestones/m1/release'),
    ]);

    expect(accept.status).toBe(200);
    // The release either came first (refused: it would take the money the request asks for) or after the refund.
    if (release.status === 200) expect(release.body.contract.milestones[0]).toMatchObject({ state: 'released', releasedCents: 600 });
    else expect([release.status, release.body.code]).toEqual([409, 'REFUND_PENDING']);
    await projectedTo(stack.db, id, Math.max(...[accept, release].map((r) => Number(r.headers.get('contract-seq') ?? 0))));
    const books = await expectBooksBalanced(stack.db, id);
    expect(books.refunds + books.releases + books.escrow).toBe(1000);
  });

  it('R28: either party opens a dispute; the money freezes; an operator splits it, audited and named, both parties told', async () => {
    const { id, p, c } = await submittedContract();

    const opened = await c('/milestones/m1/disputes', { reason: 'Half of it was delivered' }, p.freelancer);
    const disputeId: string = opened.body.requestId;
    const frozen = await Promise.all([c('/milestones/m1/release'), c('/milestones/m1/refund-requests', {}),
      c('/milestones/m1/request-revisions', { message: 'x' }), c('/milestones/m1/disputes', { reason: 'again' })]);
    const resolvePath = `/operator/contracts/${id}/milestones/m1/disputes/${disputeId}/resolve`;
    const byParty = await call('POST', resolvePath, { token: p.client.token, body: { outcome: 'release', reason: 'x' } });
    const badSplit = await call('POST', resolvePath, { token: operator.token, body: { outcome: 'split', releaseCents: 600, refundCents: 500, reason: 'x' } });
    const operatorAsParty = await call('POST', `/contracts/${id}/milestones/m1/release`, { token: operator.token, body: {} });
    const invisible = await call('POST', resolvePath, { token: operator.token, body: { outcome: 'release', reason: '\u2800\u200d' } });
    const key = randomUUID();
    const body = { outcome: 'split', releaseCents: 600, refundCents: 400, reason: 'Delivered 60% of the scope' };
    const resolved = await call('POST', resolvePath, { token: operator.token, body, key });
    const replay = await call('POST', resolvePath, { token: operator.token, body, key });

    expect(opened.body.contract.openDisputes).toEqual([expect.objectContaining({ milestoneId: 'm1', id: disputeId, openedBy: p.freelancer.id })]);
    expect(opened.body.contract.milestones[0].reviewEndsAt).toBeNull();
    expect(frozen.map((r) => [r.status, r.body.code, r.body.rule])).toEqual([
      [409, 'MILESTONE_DISPUTED', 'R28'], [409, 'MILESTONE_DISPUTED', 'R28'], [409, 'MILESTONE_DISPUTED', 'R28'], [409, 'DISPUTE_OPEN', 'R28'],
    ]);
    expect([byParty.status, byParty.body.code, byParty.body.rule]).toEqual([403, 'OPERATOR_ONLY', 'R28']);
    expect([badSplit.status, badSplit.body.code, badSplit.body.rule, badSplit.body.escrowCents]).toEqual([422, 'SPLIT_MUST_SUM_TO_ESCROW', 'R28', 1000]);
    expect(operatorAsParty.status).toBe(404);
    expect([invisible.status, invisible.body.code, invisible.body.rule]).toEqual([422, 'INVALID_REASON', 'R28']);
    expect(resolved.body.contract.milestones[0]).toMatchObject({ state: 'released', releasedCents: 600, refundedCents: 400, openDispute: null });
    expect(resolved.body.contract.openDisputes).toEqual([]);
    expect(replay.body).toEqual(resolved.body);
    await projectedTo(stack.db, id, resolved.headers.get('contract-seq'));
    const audit = await stack.db.auditEvent.findFirstOrThrow({ where: { contractId: id, command: 'resolveDispute' } });
    expect(audit.actorId).toBe(`operator:${operator.id}`);
    const books = await expectBooksBalanced(stack.db, id);
    expect([books.releases, books.refunds, books.escrow]).toEqual([600, 400, 0]);
    await expect.poll(async () => (await stack.db.notification.findMany({ where: { contractId: id, event: 'dispute_resolved' } }))
      .map((n) => [(n.payload as { recipientRole: string }).recipientRole, (n.payload as { decidedBy: string }).decidedBy]).sort())
      .toEqual([['client', `operator:${operator.id}`], ['freelancer', `operator:${operator.id}`]]);
    expect((await eventsOf(id)).filter((e) => e === 'dispute_opened')).toHaveLength(2);
  });

  it('R28: an operator may not be made a party; the operator view shows any contract, parties get 403 on it', async () => {
    const { id, p } = await submittedContract();

    const withOperator = await call('POST', '/contracts', { token: p.client.token, body: { title: 'x', freelancerId: operator.id, milestones: [{ title: 'Kick-off', amountCents: 5000 }] } });
    const asOperator = await call('GET', `/operator/contracts/${id}`, { token: operator.token });
    const asParty = await call('GET', `/operator/contracts/${id}`, { token: p.client.token });
    const doc = (await call('GET', '/openapi.json')).body;

    // The same answer as for an id that names no user: a client never learns an id is an operator's.
    expect([withOperator.status, withOperator.body.code, withOperator.body.rule]).toEqual([422, 'FREELANCER_NOT_FOUND', 'R1']);
    expect(asOperator.body).toMatchObject({ id, openDisputes: [] });
    expect([asParty.status, asParty.body.code]).toEqual([403, 'OPERATOR_ONLY']);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/contracts/{id}/milestones/{milestoneId}/request-revisions', '/contracts/{id}/milestones/{milestoneId}/disputes',
      '/contracts/{id}/milestones/{milestoneId}/refund-requests', '/contracts/{id}/milestones/{milestoneId}/refund-requests/{requestId}/accept',
      '/contracts/{id}/milestones/{milestoneId}/refund-requests/{requestId}/decline',
      '/operator/contracts/{id}/milestones/{milestoneId}/disputes/{disputeId}/resolve',
    ]));
  });
});
