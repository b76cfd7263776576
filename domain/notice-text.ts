// What a notice says (R24): a subject and the changes, field by field, old → new, with the contract and
// milestone names. Pure, so the email, the in-app message and tests all read the same words.
import type { Notice, NoticeEvent } from './events.js';
import type { FieldChange } from './milestone.js';
import { formatUsd } from './money.js';
import type { PlanDiff } from './plan.js';
import { isTextRef } from './texts.js';

export const SUBJECT: Record<NoticeEvent, string> = {
  milestones_changed: 'Milestones were changed',
  milestone_funded: 'A milestone was funded',
  work_submitted: 'Work was submitted',
  payment_released: 'Payment was released',
  change_request_sent: 'A change to the active milestone was requested',
  change_request_edited: 'A change request was edited',
  change_request_withdrawn: 'A change request was withdrawn',
  change_request_approved: 'Your change request was approved',
  change_request_rejected: 'Your change request was rejected',
  change_request_canceled: 'A change request was canceled',
  change_request_expired: 'A change request expired',
  proposal_sent: 'Milestone changes were proposed',
  proposal_withdrawn: 'A proposal was withdrawn',
  proposal_accepted: 'Your proposal was accepted',
  proposal_declined: 'Your proposal was declined',
  proposal_canceled: 'A proposal was canceled',
  contract_ended: 'The contract has ended',
  shortfall_to_fund: 'An approved increase needs funding',
  review_ending_soon: 'The review window ends in a day',
  payment_released_automatically: 'Payment was released automatically at the end of the review window',
  revisions_requested: 'Revisions were requested',
  refund_requested: 'A refund was requested',
  refund_accepted: 'A refund was accepted',
  refund_declined: 'A refund was declined',
  refund_lapsed: 'A refund request lapsed without an answer',
  refund_canceled: 'A refund request was canceled',
  dispute_opened: 'A dispute was opened',
  dispute_resolved: 'A dispute was resolved',
  offer_sent: 'An offer was sent',
  offer_edited: 'The offer was edited',
  offer_withdrawn: 'The offer was withdrawn; the deposit went back to the client',
  offer_accepted: 'The offer was accepted: the contract is open',
  offer_declined: 'The offer was declined; the deposit went back to the client',
  offer_expired: 'The offer expired without an answer; the deposit went back to the client',
  deposit_failed: 'A deposit failed at the payment provider: nothing is held, fund the milestone again',
  payout_pending: 'A payout is waiting: add or fix your payout account, and it is paid',
  refund_pending: 'A refund is waiting at the payment provider: it is retried, and an operator can see it',
};

/**
 * A decision an operator took for a party (audited as `operator:<id>`) is told as the operator's, to
 * both parties: "Your change request was approved" would credit the freelancer with it, and tell the
 * freelancer their own request was approved.
 */
const BY_OPERATOR: Partial<Record<NoticeEvent, string>> = {
  change_request_approved: 'An operator approved the change request on the freelancer\'s behalf',
  change_request_rejected: 'An operator rejected the change request on the freelancer\'s behalf',
  change_request_withdrawn: 'An operator withdrew the change request on the client\'s behalf',
  change_request_canceled: 'An operator canceled the change request',
  proposal_accepted: 'An operator accepted the proposal on the client\'s behalf',
  proposal_declined: 'An operator declined the proposal on the client\'s behalf',
  proposal_withdrawn: 'An operator withdrew the proposal on the freelancer\'s behalf',
  proposal_canceled: 'An operator canceled the proposal',
};

/** The notice's headline: the operator's wording when an operator decided. */
export const headline = (n: Pick<Notice, 'event' | 'decidedBy'>): string =>
  (n.decidedBy?.startsWith('operator') ? BY_OPERATOR[n.event] : undefined) ?? SUBJECT[n.event];

const FIELD: Record<FieldChange['field'], string> = { title: 'title', description: 'description', dueDate: 'due date', amountCents: 'amount' };

function show(field: FieldChange['field'], value: string | number | null): string {
  if (value === null || value === '') return '(none)';
  return field === 'amountCents' ? formatUsd(Number(value)) : `"${value}"`;
}

/** Old → new; a text still named by its reference (the workflow's own summaries in the UI) reads "changed". */
export const describeChange = (c: FieldChange): string =>
  isTextRef(c.old) || isTextRef(c.new) ? `${FIELD[c.field]} changed` : `${FIELD[c.field]}: ${show(c.field, c.old)} → ${show(c.field, c.new)}`;

/** A milestone as a reader knows it: its title, or its id where only the title's reference is at hand. */
export const milestoneName = (title: string, id: string): string => (isTextRef(title) ? id : `"${title}"`);

export function diffLines(d: PlanDiff): string[] {
  return [
    ...d.added.map((a) => `Added ${milestoneName(a.title, a.id)} (${formatUsd(a.amountCents)}) at position ${a.position}`),
    ...d.edited.flatMap((e) => [`Edited ${milestoneName(e.title, e.id)}:`, ...e.changes.map((c) => `  ${describeChange(c)}`)]),
    ...d.deleted.map((x) => `Deleted ${milestoneName(x.title, x.id)}`),
    ...d.moved.map((m) => `Moved ${milestoneName(m.title, m.id)} from position ${m.from} to ${m.to}`),
  ];
}

export interface RenderedNotice {
  subject: string;
  lines: string[];
  text: string;
  html: string;
}

export function renderNotice(n: Notice): RenderedNotice {
  const subject = `${headline(n)} — ${n.contractTitle}`;
  const lines = [`Contract: "${n.contractTitle}"`];
  if (n.milestoneTitle) lines.push(`Milestone: ${milestoneName(n.milestoneTitle, n.milestoneId ?? '?')}`);
  if (n.amountCents !== null) lines.push(`Amount: ${formatUsd(n.amountCents)}`);
  if (n.refundCents !== undefined && n.refundCents !== null) lines.push(`Refunded to the client: ${formatUsd(n.refundCents)}`);
  if (n.stateChange) lines.push(`State: ${n.stateChange.old} → ${n.stateChange.new}`);
  if (n.reviewEndsAt) lines.push(`Review window ends: ${n.reviewEndsAt}`);
  if (n.expiresAt) lines.push(`Offer expires: ${n.expiresAt}`);
  if (n.message) lines.push(`Message: ${n.message}`);
  if (n.version !== undefined && n.version !== null) lines.push(`Version: ${n.version}`);
  if (n.decidedBy) lines.push(`Decided by: ${n.decidedBy}`);
  if (n.via) lines.push(`Sent by: ${n.via}`);
  if (n.reason) lines.push(`Reason: ${n.reason}`);
  lines.push(...n.changes.map(describeChange));
  if (n.diff) lines.push(...diffLines(n.diff));
  const text = [headline(n), '', ...lines].join('\n');
  const html = `<h1>${escape(headline(n))}</h1><ul>${lines.map((l) => `<li>${escape(l)}</li>`).join('')}</ul>`;
  return { subject, lines, text, html };
}

const escape = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
