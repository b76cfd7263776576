// How a funded milestone's escrow leaves it for good: released to the freelancer (R5, R8), returned to
// the client (R27 in full, R28), or both in a dispute's split. One place for every path (a client's
// release, the review window's automatic release, an operator's resolution), so R10 balances the same way.
import type { Milestone } from './milestone.js';
import type { Builder } from './transition.js';

export interface Settlement {
  releaseCents: number;
  refundCents: number;
}

/**
 * Closes the milestone: `releaseCents` to the freelancer, `refundCents` back to the client, what is left
 * to project funds (R8). The caller has checked the parts fit in what is held. A release also cancels a
 * pending change request (R18) and ends any review window (R25); the last milestone done prompts (R22).
 */
export function settle(t: Builder, m: Milestone, { releaseCents, refundCents }: Settlement): void {
  const b = t.s.balances;
  const held = m.fundedCents;
  const leftover = held - releaseCents - refundCents;
  m.releasedCents = releaseCents;
  if (refundCents > 0) m.refundedCents = (m.refundedCents ?? 0) + refundCents;
  m.state = releaseCents === 0 && refundCents > 0 ? 'refunded' : 'released';
  if (m.reviewEndsAt !== undefined) m.reviewEndsAt = null;
  b.escrowCents -= held;
  b.releasesCents += releaseCents;
  b.refundsCents += refundCents;
  b.projectFundsCents += leftover;
  if (releaseCents > 0) t.ledger('release', releaseCents, m.id);
  if (refundCents > 0) t.ledger('refund', refundCents, m.id);
  if (leftover > 0) t.ledger('escrow_return', leftover, m.id);
  t.cancelChangeRequestOn(m, 'releasePayment'); // R18
  if (!t.s.milestones.some((x) => x.state === 'pending')) {
    t.s.endPrompt = true; // R22
    t.prompt = 'END_OR_KEEP_OPEN';
  }
}
