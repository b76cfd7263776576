// R25–R28 rule details that need no server: what the contract's timers apply and what a command changes.
import { describe, expect, it } from 'vitest';
import { type Command, decide } from '../../domain/commands.js';
import { type ContractState, createContract } from '../../domain/contract.js';
import { resolveDispute } from '../../domain/disputes.js';
import { refusal } from '../support/refusal.js';
import { renderNotice } from '../../domain/notice-text.js';
import { DAY_MS, assertDayMs } from '../../domain/review.js';
import { fireDue, nextDeadline } from '../../domain/timers.js';

const NOW = '2026-01-01T00:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();
const run = (s: ContractState, cmd: Command, actorId: 'c' | 'f') => decide(s, cmd, { actorId, now: NOW }).state;

/** One 1000-cent milestone, funded; `submit` also submits its work. */
function funded(opts: { reviewWindowDays?: number; submit?: boolean } = {}): ContractState {
  let s = createContract({ contractId: 'k', clientId: 'c', freelancerId: 'f', title: 'T', ...opts }, NOW);
  s = run(s, { type: 'savePlan', ops: [{ op: 'add', title: 'Logo', amountCents: 1000 }, { op: 'add', title: 'Site', amountCents: 2000 }] }, 'c');
  s = run(s, { type: 'fundMilestone' }, 'c');
  return opts.submit ? run(s, { type: 'submitWork', milestoneId: 'm1' }, 'f') : s;
}


describe('review, refund and dispute rules', () => {
  it('R25: after the window ends the automatic release is the one outcome, whatever order the timer and the commands arrive in', () => {
    const s = funded({ submit: true });
    const end = 14 * DAY_MS;
    const late: [Command, 'c' | 'f'][] = [
      [{ type: 'requestRevisions', milestoneId: 'm1', message: 'Darker blue' }, 'c'],
      [{ type: 'openDispute', milestoneId: 'm1', reason: 'Not what we agreed' }, 'c'],
      [{ type: 'openDispute', milestoneId: 'm1', reason: 'Paid late' }, 'f'],
      [{ type: 'releasePayment', milestoneId: 'm1', amountCents: 600 }, 'c'],
      [{ type: 'releasePayment', milestoneId: 'm1' }, 'c'],
      [{ type: 'requestRefund', milestoneId: 'm1', amountCents: 300 }, 'c'],
    ];
    let released = s; // the reminder, then the automatic release: what the timer applies at the end
    for (let due = fireDue(released, at(end)); due; due = fireDue(released, at(end))) released = due.t.state;
    const refused = (state: ContractState, ms: number) =>
      late.map(([cmd, by]) => refusal(() => decide(state, cmd, { actorId: by, now: at(ms) }))).map((e) => [e.code, e.rule]);

    expect(refused(s, end)).toEqual(late.map(() => ['REVIEW_WINDOW_ENDED', 'R25'])); // before the timer's transition
    expect(refused(released, end + 1000)).toEqual(late.map(() => ['REVIEW_WINDOW_ENDED', 'R25'])); // after it
    expect(released.milestones[0]).toMatchObject({ state: 'released', releasedCents: 1000 });
    expect(decide(s, late[0]![0], { actorId: 'c', now: at(end - 1) }).state.milestones[0]!.state).toBe('active'); // a millisecond before: revised
  });

  it('R25: a one-day window has no reminder; the release is due a day after submission', () => {
    const s = funded({ reviewWindowDays: 1, submit: true });

    expect(nextDeadline(s)).toEqual({ kind: 'autoRelease', milestoneId: 'm1', at: at(DAY_MS) });
    expect(fireDue(s, at(DAY_MS - 1))).toBeNull();
    expect(fireDue(s, at(DAY_MS))!.t.state.milestones[0]!.state).toBe('released');
  });

  it('R25: the window is 1 to 30 whole days', () => {
    const codes = [0, 31, 1.5].map((d) => refusal(() => funded({ reviewWindowDays: d })));

    expect(codes.map((e) => [e.code, e.rule])).toEqual([0, 31, 1.5].map(() => ['INVALID_REVIEW_WINDOW', 'R25']));
  });

  it('R25, R27: a contract on a shortened day (a test environment\'s clock) keeps every deadline in days of that length', () => {
    const day = 2000;
    let s: ContractState = { ...funded({ reviewWindowDays: 3 }), dayMs: day };
    s = run(s, { type: 'requestRefund', milestoneId: 'm1', amountCents: 300 }, 'c');
    const lapse = nextDeadline(s);
    s = fireDue(s, at(7 * day))!.t.state;
    s = run(s, { type: 'submitWork', milestoneId: 'm1' }, 'f');
    const reminder = nextDeadline(s);
    s = fireDue(s, at(2 * day))!.t.state;
    const release = nextDeadline(s);

    expect(lapse).toEqual({ kind: 'refundLapse', milestoneId: 'm1', at: at(7 * day) });
    expect(reminder).toEqual({ kind: 'reviewReminder', milestoneId: 'm1', at: at(2 * day) });
    expect(release).toEqual({ kind: 'autoRelease', milestoneId: 'm1', at: at(3 * day) });
    expect(fireDue(s, at(3 * day))!.t.state.milestones[0]).toMatchObject({ state: 'released', releasedCents: 1000 });
    expect([999, 1.5, DAY_MS + 1, '2000'].map((d) => refusal(() => assertDayMs(d))).map((e) => [e.code, e.rule]))
      .toEqual([0, 1, 2, 3].map(() => ['INVALID_DAY_LENGTH', 'R25']));
    expect(() => assertDayMs(1000)).not.toThrow();
  });

  it('R25, R27: a pending refund holds the automatic release until it is answered or lapses', () => {
    let s = funded({ submit: true });
    s = run(s, { type: 'requestRefund', milestoneId: 'm1', amountCents: 300 }, 'c');

    const lapse = nextDeadline(s);
    const afterLapse = fireDue(s, at(20 * DAY_MS))!.t.state;

    expect(lapse).toEqual({ kind: 'refundLapse', milestoneId: 'm1', at: at(7 * DAY_MS) });
    expect(nextDeadline({ ...s, milestones: s.milestones.map((m) => ({ ...m, reviewReminded: true })) })?.kind).toBe('refundLapse');
    expect(afterLapse.balances.refundsCents).toBe(0);
    expect(nextDeadline(afterLapse)).toEqual({ kind: 'reviewReminder', milestoneId: 'm1', at: at(13 * DAY_MS) });
  });

  it('R27: a release that leaves the requested refund in escrow goes ahead and closes the request; the rest goes to project funds', () => {
    let s = funded();
    s = run(s, { type: 'requestRefund', milestoneId: 'm1', amountCents: 300 }, 'c');

    const t = decide(s, { type: 'releasePayment', milestoneId: 'm1', amountCents: 700 }, { actorId: 'c', now: NOW });

    expect(t.state.milestones[0]).toMatchObject({ state: 'released', releasedCents: 700, refundRequest: null });
    expect(t.state.balances).toMatchObject({ releasesCents: 700, projectFundsCents: 300, escrowCents: 0 });
    expect(t.notices.map((n) => n.event)).toEqual(['refund_canceled', 'refund_canceled', 'payment_released']);
  });

  it('R28: a dispute cancels the pending change request on its milestone and stops the review window', () => {
    let s = funded();
    s = run(s, { type: 'requestChange', milestoneId: 'm1', patch: { amountCents: 1500 }, featureEnabled: true }, 'c');

    const t = decide(s, { type: 'openDispute', milestoneId: 'm1', reason: 'Silence' }, { actorId: 'c', now: NOW });

    expect(t.state.changeRequest).toBeNull();
    expect(t.closed?.outcome).toBe('canceled');
    expect(t.effects).toEqual([{ type: 'signalRequest', requestId: 'k-cr1', signal: 'disputeOpened' }]);
    expect(t.notices.map((n) => n.event)).toEqual(['change_request_canceled', 'change_request_canceled', 'dispute_opened', 'dispute_opened']);
    expect(nextDeadline(t.state)).toBeNull();
  });

  it('R28: a resolution names the operator and the reason, and a split\'s parts must sum to the escrow', () => {
    let s = funded({ submit: true });
    s = run(s, { type: 'openDispute', milestoneId: 'm1', reason: 'Half done' }, 'f');
    const args = { milestoneId: 'm1', disputeId: s.milestones[0]!.dispute!.id, operatorId: 'jane', reason: 'Half of it was delivered' };

    const short = refusal(() => resolveDispute(s, { ...args, outcome: 'split', releaseCents: 500, refundCents: 400 }, 'operator:jane'));
    const t = resolveDispute(s, { ...args, outcome: 'split', releaseCents: 500, refundCents: 500 }, 'operator:jane');
    const text = renderNotice(t.notices.find((n) => n.event === 'dispute_resolved')!).lines;

    expect([short.code, short.rule, short.extra]).toEqual(['SPLIT_MUST_SUM_TO_ESCROW', 'R28', { escrowCents: 1000 }]);
    expect(t.ledger.map((e) => [e.kind, e.amountCents, e.milestoneId])).toEqual([['release', 500, 'm1'], ['refund', 500, 'm1']]);
    expect(text).toEqual(expect.arrayContaining(['Amount: $5.00', 'Refunded to the client: $5.00', 'State: submitted → released',
      'Decided by: operator:jane', 'Reason: Half of it was delivered']));
  });
});
