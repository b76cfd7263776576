// What a transition causes besides the new state: money movements (R10) and notices to the other party
// (R24). Both carry keys derived from the contract, the transition's sequence number and the item, so a
// retried persistence or delivery is recognised and written once.
import type { FieldChange, MilestoneState } from './milestone.js';
import type { PlanDiff } from './plan.js';
import type { Role } from './contract.js';

export type LedgerKind = 'deposit' | 'fee' | 'escrow_hold' | 'release' | 'escrow_return' | 'refund' | 'fee_refund';

/**
 * deposit: client pays in · fee: initiation fee (R9) · escrow_hold: amount put in escrow for a milestone
 * (from the deposit and/or project funds, R7) · release: escrow paid to the freelancer · escrow_return:
 * escrow moved back to project funds (partial release R8, decreased amount R17) · refund: project funds
 * paid back to the client (R23), or escrow paid back with the freelancer's consent (R27) or by an
 * operator's dispute resolution (R28); the latter two name the milestone · fee_refund: the initiation fee
 * returned to the client with an offer declined, withdrawn or expired (R30).
 */
export interface LedgerEntry {
  key: string;
  kind: LedgerKind;
  amountCents: number;
  milestoneId: string | null;
}

export type NoticeEvent =
  | 'milestones_changed'
  | 'milestone_funded'
  | 'work_submitted'
  | 'payment_released'
  | 'change_request_sent'
  | 'change_request_edited'
  | 'change_request_withdrawn'
  | 'change_request_approved'
  | 'change_request_rejected'
  | 'change_request_canceled'
  | 'change_request_expired'
  | 'proposal_sent'
  | 'proposal_withdrawn'
  | 'proposal_accepted'
  | 'proposal_declined'
  | 'proposal_canceled'
  | 'contract_ended'
  /** R17: an approved increase left a shortfall (amountCents) that project funds could not cover. */
  | 'shortfall_to_fund'
  // Review window (R25), revisions (R26), refunds with consent (R27), disputes (R28).
  | 'review_ending_soon'
  | 'payment_released_automatically'
  | 'revisions_requested'
  | 'refund_requested'
  | 'refund_accepted'
  | 'refund_declined'
  | 'refund_lapsed'
  | 'refund_canceled'
  | 'dispute_opened'
  | 'dispute_resolved'
  // Offers (R30): both parties are told at every step.
  | 'offer_sent'
  | 'offer_edited'
  | 'offer_withdrawn'
  | 'offer_accepted'
  | 'offer_declined'
  | 'offer_expired'
  // R31: the payment provider failed a deposit that was to confirm later; a payout waits (no account, refused).
  | 'deposit_failed'
  | 'payout_pending'
  | 'refund_pending';

export interface Notice {
  key: string;
  recipientId: string;
  recipientRole: Role;
  event: NoticeEvent;
  contractId: string;
  contractTitle: string;
  milestoneId: string | null;
  milestoneTitle: string | null;
  /** Field by field, old → new (R24). */
  changes: FieldChange[];
  diff: PlanDiff | null;
  amountCents: number | null;
  /** The change request's or proposal's version (R16), on notices about one. */
  version?: number | null;
  /** `platform:<key> for <user>` when a marketplace's key sent the command for the party. */
  via?: string;
  /** Who decided a request, when it was not the recipient's counterparty as usual: an operator, the system. */
  decidedBy?: string | null;
  reason?: string | null;
  /** A party's own words: a revision request's message, a dispute's reason. */
  message?: string | null;
  /** The milestone's state, old → new, when the event moved it. */
  stateChange?: { old: MilestoneState; new: MilestoneState } | null;
  /** R25: when the review window ends (the reminder), or ended (the automatic release). */
  reviewEndsAt?: string | null;
  /** R28: a split's part returned to the client (amountCents is the part released). */
  refundCents?: number | null;
  /** R30: when the offer expires unless the freelancer answers. */
  expiresAt?: string | null;
}
