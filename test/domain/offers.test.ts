// R30 offers as pure rules: what the create's and the commands' validators run, and what the deadline does.
import { describe, expect, it } from 'vitest';
import { COMMAND_ROLE, type Command, decide } from '../../domain/commands.js';
import { type ContractState, type CreateContract, assertInvariants } from '../../domain/contract.js';
import { assertOfferCarried, created } from '../../domain/offer-create.js';
import { fireDue, nextDeadline } from '../../domain/timers.js';
import { refusal } from '../support/refusal.js';

const SENT = '2026-01-01T00:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(SENT) + ms).toISOString();
const DAY = 24 * 60 * 60 * 1000;
const cmd = (offer: CreateContract['offer'] | null = { milestones: [{ title: 'Design', amountCents: 10_000 }, { title: 'Build', amountCents: 20_000 }] }): CreateContract => ({
  contractId: 'k', clientId: 'c', freelancerId: 'f', title: 'Website', initiationFeeCents: 495, ...(offer ? { offer } : {}),
});
const offered = (c = cmd()) => created(c, SENT, undefined).t.state;
const run = (s: ContractState, c: Command, now = SENT, actorId = COMMAND_ROLE[c.type] === 'client' ? 'c' : 'f') => decide(s, c, { actorId, now });

describe('R30: offers', () => {
  it('R30: sending an offer plans its milestones and deposits the first as a first funding (escrow held, fee charged)', () => {
    const { t, command } = created(cmd(), SENT, undefined);

    expect(command).toBe('sendOffer');
    expect(t.state).toMatchObject({ status: 'offered', seq: 1, feeCharged: true, offer: { version: 1, state: 'pending', expiresAt: at(7 * DAY) } });
    expect(t.state.balances).toEqual({ depositsCents: 10_495, feesCents: 495, releasesCents: 0, refundsCents: 0, escrowCents: 10_000, projectFundsCents: 0 });
    expect(t.state.milestones.map((m) => [m.id, m.state, m.fundedCents])).toEqual([['m1', 'active', 10_000], ['m2', 'pending', 0]]);
    expect(t.ledger.map((e) => [e.kind, e.amountCents])).toEqual([['deposit', 10_495], ['fee', 495], ['escrow_hold', 10_000]]);
    expect(t.notices.map((n) => [n.event, n.recipientRole])).toEqual([['offer_sent', 'client'], ['offer_sent', 'freelancer']]);
  });

  it('R30: a new create without an offer is refused; one from before offers (replayed) still makes an empty open contract', () => {
    expect(refusal(() => assertOfferCarried(cmd(null)))).toMatchObject({ code: 'OFFER_REQUIRED', rule: 'R30' });
    const old = created(cmd(null), SENT, undefined);
    expect(old.command).toBe('createContract');
    expect(old.t.state).toMatchObject({ status: 'open', milestones: [], seq: 1 });
    expect(old.t.state.offer).toBeUndefined();
  });

  it('R30: the expiry is 1 to 30 days (7 by default); an offer names at least one milestone, each checked as R4 says', () => {
    for (const expiresInDays of [0, 31, 1.5]) {
      expect(refusal(() => created(cmd({ milestones: [{ title: 'A', amountCents: 500 }], expiresInDays }), SENT, undefined)))
        .toMatchObject({ code: 'INVALID_OFFER_EXPIRY', rule: 'R30' });
    }
    expect(offered(cmd({ milestones: [{ title: 'A', amountCents: 500 }], expiresInDays: 30 })).offer!.expiresAt).toBe(at(30 * DAY));
    expect(refusal(() => created(cmd({ milestones: [] }), SENT, undefined))).toMatchObject({ code: 'OFFER_MILESTONES_REQUIRED', rule: 'R30' });
    expect(refusal(() => created(cmd({ milestones: [{ title: 'A', amountCents: 499 }] }), SENT, undefined))).toMatchObject({ code: 'AMOUNT_TOO_SMALL', rule: 'R4' });
  });

  it('R30: before acceptance nothing else happens: no submission, change request, proposal, release, funding or plan change', () => {
    const s = offered();
    const others: Command[] = [
      { type: 'submitWork', milestoneId: 'm1' },
      { type: 'releasePayment', milestoneId: 'm1' },
      { type: 'requestChange', milestoneId: 'm1', patch: { amountCents: 600 }, featureEnabled: true },
      { type: 'proposeChanges', ops: [{ op: 'add', title: 'x', amountCents: 500 }] },
      { type: 'savePlan', ops: [{ op: 'add', title: 'x', amountCents: 500 }] },
      { type: 'fundMilestone' },
      { type: 'openDispute', milestoneId: 'm1', reason: 'no' },
      { type: 'endContract' },
    ];

    expect(others.map((c) => refusal(() => run(s, c)).code)).toEqual(others.map(() => 'OFFER_NOT_ACCEPTED'));
  });

  it('R30: the freelancer accepts the version they saw: the contract opens with the first milestone active; the state names who and when', () => {
    const s = offered();
    const when = at(DAY);

    const t = run(s, { type: 'acceptOffer', version: 1 }, when);

    expect(t.state).toMatchObject({ status: 'open', offer: { state: 'accepted', decidedAt: when, decidedBy: 'f' } });
    expect(t.state.milestones[0]).toMatchObject({ state: 'active', fundedCents: 10_000 });
    expect(t.ledger).toEqual([]);
    expect(t.notices.map((n) => n.event)).toEqual(['offer_accepted', 'offer_accepted']);
    expect(run(t.state, { type: 'submitWork', milestoneId: 'm1' }).state.milestones[0]!.state).toBe('submitted');
    expect(refusal(() => run(t.state, { type: 'acceptOffer', version: 1 }))).toMatchObject({ code: 'OFFER_ALREADY_ACCEPTED', rule: 'R30' });
  });

  it('R30: only the freelancer answers, only the client edits or withdraws; strangers learn nothing', () => {
    const s = offered();

    expect(refusal(() => run(s, { type: 'acceptOffer', version: 1 }, SENT, 'c'))).toMatchObject({ code: 'FORBIDDEN_FOR_ROLE' });
    expect(refusal(() => run(s, { type: 'withdrawOffer' }, SENT, 'f'))).toMatchObject({ code: 'FORBIDDEN_FOR_ROLE' });
    expect(refusal(() => run(s, { type: 'acceptOffer', version: 1 }, SENT, 'x'))).toMatchObject({ code: 'CONTRACT_NOT_FOUND' });
  });

  it('R30: a decline returns everything deposited, fee included, and ends the contract (R10 holds)', () => {
    const t = run(offered(), { type: 'declineOffer', version: 1 }, at(DAY));

    expect(t.state).toMatchObject({ status: 'ended', offer: { state: 'declined', decidedBy: 'f' } });
    expect(t.state.balances).toEqual({ depositsCents: 10_495, feesCents: 0, releasesCents: 0, refundsCents: 10_495, escrowCents: 0, projectFundsCents: 0 });
    expect(t.ledger.map((e) => [e.kind, e.amountCents, e.milestoneId])).toEqual([['refund', 10_000, 'm1'], ['fee_refund', 495, null]]);
    expect(t.notices.map((n) => [n.event, n.recipientRole, n.amountCents])).toEqual([['offer_declined', 'client', 10_495], ['offer_declined', 'freelancer', 10_495]]);
    expect(refusal(() => run(t.state, { type: 'acceptOffer', version: 1 }))).toMatchObject({ code: 'OFFER_CLOSED', rule: 'R30' });
  });

  it('R30: a withdrawal by the client refunds in full', () => {
    const t = run(offered(), { type: 'withdrawOffer' });

    expect(t.state).toMatchObject({ status: 'ended', offer: { state: 'withdrawn', decidedBy: 'c' }, balances: { refundsCents: 10_495, escrowCents: 0, feesCents: 0 } });
  });

  it('R30 as R16: an edit raises the version; an answer to the old version is refused; the new first milestone is deposited again', () => {
    const s = offered();

    const edited = run(s, { type: 'editOffer', milestones: [{ title: 'Design+', amountCents: 15_000 }], expiresInDays: 3 }, at(DAY));

    expect(edited.state.offer).toMatchObject({ version: 2, expiresAt: at(4 * DAY) });
    expect(edited.state.milestones.map((m) => [m.id, m.state, m.fundedCents])).toEqual([['m3', 'active', 15_000]]);
    expect(edited.ledger.map((e) => [e.kind, e.amountCents])).toEqual([['escrow_return', 10_000], ['deposit', 5_000], ['escrow_hold', 15_000]]);
    expect(edited.state.balances).toMatchObject({ depositsCents: 15_495, feesCents: 495, escrowCents: 15_000, projectFundsCents: 0 });
    expect(edited.notices.map((n) => [n.event, n.version])).toEqual([['offer_edited', 2], ['offer_edited', 2]]);
    expect(refusal(() => run(edited.state, { type: 'acceptOffer', version: 1 }))).toMatchObject({ code: 'OFFER_CHANGED', rule: 'R30', extra: { currentVersion: 2 } });
    expect(run(edited.state, { type: 'acceptOffer', version: 2 }).state.status).toBe('open');

    const cheaper = run(s, { type: 'editOffer', milestones: [{ title: 'Small', amountCents: 4_000 }] }, at(DAY));
    expect(cheaper.ledger.map((e) => [e.kind, e.amountCents])).toEqual([['escrow_return', 10_000], ['escrow_hold', 4_000], ['refund', 6_000]]);
    expect(cheaper.state.offer!.expiresAt).toBe(at(7 * DAY)); // no new expiry: the old one stands
    expect(run(cheaper.state, { type: 'declineOffer', version: 2 }).state.balances).toMatchObject({ refundsCents: 10_495, escrowCents: 0, feesCents: 0 });
    expect(refusal(() => run(s, { type: 'editOffer' }))).toMatchObject({ code: 'EMPTY_OFFER_EDIT', rule: 'R30' });
  });

  it('R30: expiry is the offer\'s deadline; at it the offer is refunded, and an answer from that moment on is refused', () => {
    const s = offered();
    const expiry = at(7 * DAY);

    expect(nextDeadline(s)).toEqual({ at: expiry, kind: 'offerExpiry', milestoneId: '' });
    expect(fireDue(s, at(7 * DAY - 1000))).toBeNull();
    const due = fireDue(s, expiry)!;

    expect(due.command).toBe('offerExpiry');
    expect(due.t.state).toMatchObject({ status: 'ended', offer: { state: 'expired', decidedBy: 'system' }, balances: { refundsCents: 10_495 } });
    assertInvariants(due.t.state);
    expect(nextDeadline(due.t.state)).toBeNull();
    expect(run(s, { type: 'acceptOffer', version: 1 }, at(7 * DAY - 1000)).state.status).toBe('open');
    expect(refusal(() => run(s, { type: 'acceptOffer', version: 1 }, expiry))).toMatchObject({ code: 'OFFER_EXPIRED', rule: 'R30' });
    expect(nextDeadline(run(s, { type: 'acceptOffer', version: 1 }).state)).toBeNull();
  });
});
