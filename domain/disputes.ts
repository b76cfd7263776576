// R28 disputes: either party opens one on the funded milestone with a reason; its money is frozen (no
// release, refund, automatic release, top-up or change request) until an operator resolves it — release,
// refund or a split whose parts sum to the escrow — with a reason, in an audited command that names them.
import type { ContractState } from './contract.js';
import { refuse } from './errors.js';
import { assertId, assertText } from './fields.js';
import { isCurrent, type Milestone } from './milestone.js';
import { MESSAGE_MAX, assertReviewOpen, stopReview } from './review.js';
import { settle } from './settle.js';
import { Builder, type Transition, clone } from './transition.js';
import { assertReadable } from './visible-text.js';

export interface Dispute {
  id: string;
  openedBy: string;
  openedAt: string;
  reason: string;
}

export type DisputeOutcome = 'release' | 'refund' | 'split';
export const DISPUTE_OUTCOMES = ['release', 'refund', 'split'] as const satisfies readonly DisputeOutcome[];

/** `resolveDispute`, sent by an operator through the API's operator route (or the Temporal CLI). */
export interface ResolveDisputeArgs {
  milestoneId: string;
  disputeId: string;
  outcome: DisputeOutcome;
  /** A split's parts; they must sum to the escrow held. Release and refund move everything held. */
  releaseCents?: number;
  refundCents?: number;
  operatorId: string;
  reason: string;
}

/** R28: a frozen milestone's money does not move. */
export function assertNotDisputed(m: Milestone, rule = 'R28'): void {
  if (m.dispute) {
    refuse('MILESTONE_DISPUTED', 'R28',
      `milestone ${m.id} has an open dispute: its money is frozen until an operator resolves it`,
      'conflict', rule === 'R28' ? undefined : { blocks: rule });
  }
}

export function validateOpenDispute(cmd: { milestoneId: unknown; reason: unknown }): void {
  assertId(cmd.milestoneId, 'milestoneId');
  assertText(cmd.reason, { field: 'reason', max: MESSAGE_MAX, required: true, code: 'INVALID_REASON', rule: 'R28' });
}

/** R28: the review window stops, a pending refund or change request on the milestone is canceled. */
export function openDispute(
  t: Builder, { milestoneId, reason }: { milestoneId: string; reason: string }, now: string, actorId: string,
): void {
  const m = t.milestone(milestoneId);
  assertReviewOpen(m, now, 'a dispute'); // R25: the automatic release is owed
  if (!isCurrent(m)) {
    refuse('MILESTONE_NOT_FUNDED', 'R28', `a dispute can be opened only on the active or submitted milestone (this one is ${m.state})`,
      'conflict');
  }
  if (m.dispute) refuse('DISPUTE_OPEN', 'R28', 'this milestone already has an open dispute', 'conflict');
  m.dispute = { id: `${t.s.id}-d${t.s.nextRequestNo++}`, openedBy: actorId, openedAt: now, reason };
  t.requestId = m.dispute.id;
  stopReview(m);
  if (m.refundRequest) {
    const r = m.refundRequest;
    m.refundRequest = null;
    const decision = { by: 'system', operator: false, reason: 'a dispute was opened' };
    t.notify('both', 'refund_canceled', { milestone: m, amountCents: r.amountCents, decision });
  }
  t.cancelChangeRequestOn(m, 'disputeOpened');
  t.notify('both', 'dispute_opened', { milestone: m, amountCents: m.fundedCents, message: reason });
}

export function validateResolution(args: ResolveDisputeArgs): void {
  assertId(args.milestoneId, 'milestoneId');
  assertId(args.disputeId, 'disputeId');
  assertId(args.operatorId, 'operatorId');
  if (!(DISPUTE_OUTCOMES as readonly string[]).includes(args.outcome)) {
    refuse('INVALID_OUTCOME', 'R28', `outcome is one of ${DISPUTE_OUTCOMES.join(', ')}`);
  }
  for (const part of ['releaseCents', 'refundCents'] as const) {
    const v = args[part];
    if (v !== undefined && !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) {
      refuse('AMOUNT_NOT_CENTS', 'R28', `${part} is a whole number of cents, 0 or more`);
    }
  }
  if (args.outcome !== 'split' && (args.releaseCents !== undefined || args.refundCents !== undefined)) {
    refuse('INVALID_SPLIT', 'R28', 'amounts are given for a split only; release and refund move everything held');
  }
  assertText(args.reason, { field: 'reason', max: MESSAGE_MAX, required: true, code: 'INVALID_REASON', rule: 'R28' });
  assertReadable(args.reason, 'reason', { code: 'INVALID_REASON', rule: 'R28', required: true }); // both parties read it
}

/** R28: an operator settles the disputed milestone; both parties are told, naming the operator and the reason. */
export function resolveDispute(prev: ContractState, args: ResolveDisputeArgs, operatorActorId: string): Transition {
  validateResolution(args);
  if (prev.status === 'ended') refuse('CONTRACT_ENDED', 'R3', 'the contract has ended and accepts no changes', 'conflict');
  const t = new Builder(clone(prev));
  const m = t.milestone(args.milestoneId);
  if (!m.dispute || m.dispute.id !== args.disputeId) {
    refuse('NO_OPEN_DISPUTE', 'R28', `dispute ${args.disputeId} is not open on this milestone`, 'conflict');
  }
  const held = m.fundedCents;
  const parts = args.outcome === 'release' ? { releaseCents: held, refundCents: 0 }
    : args.outcome === 'refund' ? { releaseCents: 0, refundCents: held }
      : { releaseCents: args.releaseCents ?? -1, refundCents: args.refundCents ?? -1 };
  if (parts.releaseCents < 0 || parts.refundCents < 0 || parts.releaseCents + parts.refundCents !== held) {
    refuse('SPLIT_MUST_SUM_TO_ESCROW', 'R28', `a split's releaseCents and refundCents must sum to the ${held} cents held`, 'rule',
      { escrowCents: held });
  }
  const old = m.state;
  m.dispute = null;
  t.requestId = args.disputeId;
  settle(t, m, parts);
  t.notify('both', 'dispute_resolved', {
    milestone: m, amountCents: parts.releaseCents, refundCents: parts.refundCents, stateChange: { old, new: m.state },
    decision: { by: operatorActorId, operator: true, reason: args.reason },
  });
  return t.finish(true);
}
