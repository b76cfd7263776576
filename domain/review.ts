// R25 review window and R26 revisions: submitted work is released automatically when the client neither
// releases it, asks for revisions nor disputes it within the contract's window (1–30 days, default 14).
// Pure: the contract workflow keeps one durable timer for the earliest deadline (workflows/deadlines.ts).
import { type ContractState } from './contract.js';
import { refuse } from './errors.js';
import { assertId, assertText } from './fields.js';
import type { Milestone } from './milestone.js';
import { assertNotDisputed } from './disputes.js';
import { settle } from './settle.js';
import type { Builder } from './transition.js';

export const DEFAULT_REVIEW_WINDOW_DAYS = 14;
export const MIN_REVIEW_WINDOW_DAYS = 1;
export const MAX_REVIEW_WINDOW_DAYS = 30;
export const DAY_MS = 24 * 60 * 60 * 1000;
/** R25: both parties are told a day before the window ends (none for a one-day window). */
export const REVIEW_REMINDER_BEFORE_DAYS = 1;
export const MESSAGE_MAX = 2000;
/**
 * The shortest day a contract's clock may run on (`dayMs`): a second keeps a two-day window longer than a
 * workflow task on a loaded machine, so the reminder and the release still come in their order.
 */
export const MIN_DAY_MS = 1000;

/**
 * The length of a day in this contract's deadlines (R25 review window and reminder, R27 refund lapse).
 * Always 24 h for a contract the API creates; a test environment may start the contract workflow with a
 * shorter day (its `dayMs` input) so the deadlines fall due in seconds on real servers.
 */
export const dayMsOf = (s: ContractState): number => s.dayMs ?? DAY_MS;

/** A day length for a contract's clock: whole milliseconds from MIN_DAY_MS to a real day. */
export function assertDayMs(dayMs: unknown): void {
  if (typeof dayMs !== 'number' || !Number.isSafeInteger(dayMs) || dayMs < MIN_DAY_MS || dayMs > DAY_MS) {
    refuse('INVALID_DAY_LENGTH', 'R25', `a contract's day is a whole number of milliseconds from ${MIN_DAY_MS} to ${DAY_MS}`);
  }
}

export function assertReviewWindowDays(days: unknown): void {
  const [min, max] = [MIN_REVIEW_WINDOW_DAYS, MAX_REVIEW_WINDOW_DAYS];
  if (typeof days !== 'number' || !Number.isSafeInteger(days) || days < min || days > max) {
    refuse('INVALID_REVIEW_WINDOW', 'R25', `the review window is a whole number of days from ${min} to ${max}`);
  }
}

export const reviewWindowDays = (s: ContractState): number => s.reviewWindowDays ?? DEFAULT_REVIEW_WINDOW_DAYS;

/** R25: a submission starts the window; it ends `days` after the submission, to the millisecond. */
export function startReview(s: ContractState, m: Milestone, now: string): void {
  m.reviewEndsAt = new Date(Date.parse(now) + reviewWindowDays(s) * dayMsOf(s)).toISOString();
  m.reviewReminded = false;
}

/** R25: a release, a revision request or a dispute stops the window's timer. */
export function stopReview(m: Milestone): void {
  if (m.reviewEndsAt === undefined) return; // a milestone from before review windows keeps its shape
  m.reviewEndsAt = null;
  m.reviewReminded = false;
}

/** When the reminder is due: a day before the end, unless the window is a single day. */
export function reminderAt(s: ContractState, m: Milestone): string | null {
  if (!m.reviewEndsAt || m.reviewReminded || reviewWindowDays(s) <= 1) return null;
  return new Date(Date.parse(m.reviewEndsAt) - REVIEW_REMINDER_BEFORE_DAYS * dayMsOf(s)).toISOString();
}

/**
 * R25 by the clock: once the window has ended the funded amount is owed to the freelancer, and the automatic
 * release is the one outcome whatever order messages reach the contract in (a worker down across the end
 * delivers the timer and the commands together). A release, a revision request, a dispute or a refund request
 * on that milestone is refused from the end on, before and after the automatic release alike.
 * `clock`: false replays a history recorded before this rule.
 */
export function assertReviewOpen(m: Milestone, now: string, what: string): void {
  const ended = m.reviewEndsAt && (m.state === 'submitted' || m.state === 'released') && Date.parse(now) >= Date.parse(m.reviewEndsAt);
  if (ended) {
    refuse('REVIEW_WINDOW_ENDED', 'R25', `the review window ended at ${m.reviewEndsAt}: the funded amount is released automatically; ${what} is no longer possible`,
      'conflict', { reviewEndsAt: String(m.reviewEndsAt) });
  }
}

export function validateMessage(message: unknown, field: string, code: string, rule: string): void {
  assertText(message, { field, max: MESSAGE_MAX, required: true, code, rule });
}

export function validateRevisionRequest(cmd: { milestoneId: unknown; message: unknown }): void {
  assertId(cmd.milestoneId, 'milestoneId');
  validateMessage(cmd.message, 'message', 'INVALID_MESSAGE', 'R26');
}

/** R26: the client sends submitted work back with a message; the funds stay in escrow. */
export function requestRevisions(t: Builder, { milestoneId, message }: { milestoneId: string; message: string }, now: string): void {
  const m = t.milestone(milestoneId);
  assertReviewOpen(m, now, 'a revision request');
  if (m.state !== 'submitted') {
    refuse('MILESTONE_NOT_SUBMITTED', 'R26', `revisions can be requested only on submitted work (this milestone is ${m.state})`,
      'conflict');
  }
  assertNotDisputed(m); // R28: the operator decides now
  m.state = 'active';
  m.revisionRounds = (m.revisionRounds ?? 0) + 1;
  stopReview(m);
  t.notify('freelancer', 'revisions_requested', { milestone: m, message, stateChange: { old: 'submitted', new: 'active' } });
}

/** R25: the reminder a day before the end, to both parties. */
export function remindReview(t: Builder, m: Milestone): void {
  m.reviewReminded = true;
  t.notify('both', 'review_ending_soon', { milestone: m, amountCents: m.fundedCents, reviewEndsAt: m.reviewEndsAt ?? null });
}

/** R25: the window ended with no action: the funded amount is released, recorded as by the system. */
export function autoRelease(t: Builder, m: Milestone): void {
  const endedAt = m.reviewEndsAt ?? null;
  const amount = m.fundedCents;
  const reason = `the ${reviewWindowDays(t.s)}-day review window ended with no action by the client`;
  settle(t, m, { releaseCents: amount, refundCents: 0 });
  m.reviewEndsAt = endedAt; // kept: a command arriving after the end is refused for the window, in either order
  t.notify('both', 'payment_released_automatically', {
    milestone: m, amountCents: amount, reviewEndsAt: endedAt, decision: { by: 'system', operator: false, reason },
    stateChange: { old: 'submitted', new: 'released' },
  });
}
