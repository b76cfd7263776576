// R27 refunds with consent: the client asks for all or part of the funded milestone's escrow; only the
// freelancer's acceptance (or an operator's dispute resolution, R28) returns it. Unanswered for seven
// days, the request lapses and nothing moves (a durable timer: workflows/deadlines.ts).
import { refuse } from './errors.js';
import { assertId, assertText } from './fields.js';
import { isCurrent, type Milestone } from './milestone.js';
import { assertPositiveCents } from './money.js';
import { assertNotDisputed } from './disputes.js';
import { MESSAGE_MAX, assertReviewOpen, dayMsOf } from './review.js';
import { settle } from './settle.js';
import type { Builder } from './transition.js';

/** R27: a refund request lapses after this many of the contract's days (domain/review.ts dayMsOf). */
export const REFUND_TTL_DAYS = 7;

export interface RefundRequest {
  id: string;
  amountCents: number;
  reason: string;
  requestedAt: string;
  /** R27: seven days after the request; then it lapses with nothing moved. */
  expiresAt: string;
}

export type RefundCommand =
  | { type: 'requestRefund'; milestoneId: string; amountCents?: number; reason?: string }
  | { type: 'acceptRefund'; milestoneId: string; requestId: string }
  | { type: 'declineRefund'; milestoneId: string; requestId: string };

export function validateRefundCommand(cmd: RefundCommand): void {
  assertId(cmd.milestoneId, 'milestoneId');
  if (cmd.type !== 'requestRefund') return assertId(cmd.requestId, 'requestId');
  if (cmd.amountCents !== undefined) assertPositiveCents(cmd.amountCents, 'amountCents');
  if (cmd.reason === undefined) return;
  assertText(cmd.reason, { field: 'reason', max: MESSAGE_MAX, code: 'INVALID_REASON', rule: 'R27' });
}

/** R27: all (no amount) or part of what is held, one pending request per milestone. */
export function requestRefund(t: Builder, cmd: Extract<RefundCommand, { type: 'requestRefund' }>, now: string): void {
  const m = t.milestone(cmd.milestoneId);
  assertReviewOpen(m, now, 'a refund request'); // R25: a pending refund would hold the owed release
  if (!isCurrent(m)) {
    refuse('MILESTONE_NOT_FUNDED', 'R27', `a refund can be asked only of the funded milestone (this one is ${m.state})`, 'conflict');
  }
  assertNotDisputed(m, 'R27');
  if (m.refundRequest) refuse('REFUND_PENDING', 'R27', 'this milestone already has a pending refund request', 'conflict');
  // R27 beside R15–R17: the change request's terms were offered against what escrow holds now; a refund
  // accepted under them would change what its approval means. One negotiation of a milestone's money at a time.
  if (t.s.changeRequest?.milestoneId === m.id) {
    refuse('CHANGE_REQUEST_PENDING', 'R27',
      'a change request is pending on this milestone: withdraw it, or wait for the freelancer\'s answer, before asking for a refund', 'conflict');
  }
  const amount = cmd.amountCents ?? m.fundedCents;
  if (amount > m.fundedCents) {
    refuse('REFUND_EXCEEDS_ESCROW', 'R27', `a refund cannot exceed the ${m.fundedCents} cents held for this milestone`);
  }
  m.refundRequest = {
    id: `${t.s.id}-rf${t.s.nextRequestNo++}`,
    amountCents: amount,
    reason: cmd.reason ?? '',
    requestedAt: now,
    expiresAt: new Date(Date.parse(now) + REFUND_TTL_DAYS * dayMsOf(t.s)).toISOString(),
  };
  t.requestId = m.refundRequest.id;
  t.notify('freelancer', 'refund_requested', { milestone: m, amountCents: amount, message: cmd.reason || null });
}

function pendingRefund(m: Milestone, requestId: string) {
  const r = m.refundRequest;
  if (!r || r.id !== requestId) {
    refuse('NO_PENDING_REFUND', 'R27', `refund request ${requestId} is not pending on this milestone`, 'conflict');
  }
  return r!;
}

/** R27: the amount leaves escrow to the client; in full, the milestone ends `refunded`. */
export function acceptRefund(t: Builder, cmd: Extract<RefundCommand, { type: 'acceptRefund' }>): void {
  const m = t.milestone(cmd.milestoneId);
  const r = pendingRefund(m, cmd.requestId);
  assertNotDisputed(m, 'R27');
  m.refundRequest = null;
  t.requestId = r.id;
  const old = m.state;
  if (r.amountCents >= m.fundedCents) {
    settle(t, m, { releaseCents: 0, refundCents: m.fundedCents });
  } else {
    // Part of the escrow goes back by agreement: the milestone holds less and records what was refunded,
    // which counts as covered (no R17 shortfall appears), so a later release in full pays what is left.
    const b = t.s.balances;
    m.fundedCents -= r.amountCents;
    m.refundedCents = (m.refundedCents ?? 0) + r.amountCents;
    b.escrowCents -= r.amountCents;
    b.refundsCents += r.amountCents;
    t.ledger('refund', r.amountCents, m.id);
  }
  const moved = old !== m.state ? { stateChange: { old, new: m.state } } : {};
  t.notify('client', 'refund_accepted', { milestone: m, amountCents: r.amountCents, ...moved });
}

export function declineRefund(t: Builder, cmd: Extract<RefundCommand, { type: 'declineRefund' }>): void {
  const m = t.milestone(cmd.milestoneId);
  const r = pendingRefund(m, cmd.requestId);
  m.refundRequest = null;
  t.requestId = r.id;
  t.notify('client', 'refund_declined', { milestone: m, amountCents: r.amountCents });
}

/** R27: seven days without an answer: the request lapses and nothing moves. */
export function lapseRefund(t: Builder, m: Milestone): void {
  const r = m.refundRequest!;
  m.refundRequest = null;
  const decision = { by: 'system', operator: false, reason: 'no answer within seven days' };
  t.notify('both', 'refund_lapsed', { milestone: m, amountCents: r.amountCents, decision });
}

/**
 * R27 with a release: a release that leaves at least the requested refund in escrow does not conflict
 * and goes ahead; its remainder goes to project funds (R8), which covers the request, so the request
 * closes. A release that would take money the request asks for is refused until it is answered.
 */
export function releaseBesideRefund(t: Builder, m: Milestone, releaseCents: number): void {
  const r = m.refundRequest;
  if (!r) return;
  if (releaseCents > m.fundedCents - r.amountCents) {
    const most = m.fundedCents - r.amountCents;
    refuse('REFUND_PENDING', 'R27',
      `a refund of ${r.amountCents} cents is waiting for the freelancer; release at most ${most} cents until it is answered`,
      'conflict', { refundCents: r.amountCents });
  }
  m.refundRequest = null;
  const reason = 'the client released the milestone; the remainder went to project funds';
  t.notify('both', 'refund_canceled', { milestone: m, amountCents: r.amountCents, decision: { by: 'system', operator: false, reason } });
}
