// The contract's own deadlines (R25 reminder and automatic release, R27 refund lapse), read from its
// state: the workflow sleeps until the earliest one, then applies it as a transition by the system.
// Deadlines live in the state, so they survive continue-as-new and worker restarts without extra timers.
import type { ContractState } from './contract.js';
import { isCurrent, type Milestone } from './milestone.js';
import { lapseRefund } from './refunds.js';
import { autoRelease, remindReview, reminderAt } from './review.js';
import { expireOffer } from './offers.js';
import { Builder, type Transition, clone } from './transition.js';

export type DeadlineKind = 'reviewReminder' | 'autoRelease' | 'refundLapse' | 'offerExpiry';

export interface Deadline {
  at: string;
  kind: DeadlineKind;
  /** The milestone it concerns; '' for the offer's expiry (R30), which concerns the whole contract. */
  milestoneId: string;
}

function deadlinesOf(s: ContractState, m: Milestone): Deadline[] {
  const out: Deadline[] = [];
  const at = (kind: DeadlineKind, when: string | null | undefined) => {
    if (when) out.push({ at: when, kind, milestoneId: m.id });
  };
  if (m.refundRequest) at('refundLapse', m.refundRequest.expiresAt);
  if (m.state === 'submitted' && !m.dispute) {
    at('reviewReminder', reminderAt(s, m));
    // A pending refund holds the automatic release until it is answered or lapses (R27).
    if (!m.refundRequest) at('autoRelease', m.reviewEndsAt);
  }
  return out;
}

/** The earliest deadline of an open contract, or null. Ties: a lapse before a release (it may unblock it). */
export function nextDeadline(s: ContractState): Deadline | null {
  // R30: an offer's one deadline is its expiry; nothing else can be pending before acceptance.
  if (s.status === 'offered') return s.offer?.state === 'pending' ? { at: s.offer.expiresAt, kind: 'offerExpiry', milestoneId: '' } : null;
  if (s.status !== 'open') return null;
  const order: Record<DeadlineKind, number> = { refundLapse: 0, reviewReminder: 1, autoRelease: 2, offerExpiry: 3 };
  const all = s.milestones.filter(isCurrent).flatMap((m) => deadlinesOf(s, m));
  all.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || order[a.kind] - order[b.kind]);
  return all[0] ?? null;
}

/** The transition for the earliest deadline if it is due at `now`, else null; the command name for the audit. */
export function fireDue(prev: ContractState, now: string): { t: Transition; command: DeadlineKind } | null {
  const d = nextDeadline(prev);
  if (!d || Date.parse(d.at) > Date.parse(now)) return null;
  const t = new Builder(clone(prev));
  if (d.kind === 'offerExpiry') {
    expireOffer(t, now);
    return { t: t.finish(true), command: d.kind };
  }
  const m = t.milestone(d.milestoneId);
  if (d.kind === 'refundLapse') lapseRefund(t, m);
  else if (d.kind === 'reviewReminder') remindReview(t, m);
  else autoRelease(t, m);
  return { t: t.finish(true), command: d.kind };
}
