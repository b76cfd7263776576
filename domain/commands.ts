// Every command of docs/rules.md as a pure transition: (state, command, time) → new state, ledger entries,
// notices, and the effects the workflow must carry out (start or signal a change-request workflow).
// Refusals throw DomainError with the rule they enforce.
import { CHANGE_REQUEST_TTL_MS, type RequestOutcome } from './change-request.js';
import {
  type ContractState, type PendingRequest, type Role, currentMilestone, roleOf, shortfallOf,
} from './contract.js';
import { refuse } from './errors.js';
import type { MilestonePatch } from './milestone.js';
import { MAX_BALANCE_CENTS, assertPositiveCents } from './money.js';
import { type PlanOp, applyPlan, isEmptyDiff } from './plan.js';
import { type Texts, internCommand } from './texts.js';
import { assertCommandTextBudget } from './budgets.js';
import { validateCommand } from './validate.js';
import { assertNoTextRefs, assertReadableTexts } from './visible-text.js';
import { assertNotDisputed, openDispute } from './disputes.js';
import { type RefundCommand, acceptRefund, declineRefund, releaseBesideRefund, requestRefund } from './refunds.js';
import { assertReviewOpen, requestRevisions, startReview } from './review.js';
import { settle } from './settle.js';
import { assertNoDepositPending } from './pending-deposits.js';
import { Builder, type Decision, type Transition, asProposalRule, clone } from './transition.js';
import { type OfferCommand, acceptOffer, assertOfferAllows, declineOffer, editOffer, withdrawOffer } from './offers.js';

export type { Decision, Effect, RequestSignal, Transition } from './transition.js';

/** The answers that must name the version they answer (R16). */
export const VERSIONED_ANSWERS = ['approveChangeRequest', 'rejectChangeRequest', 'acceptProposal', 'declineProposal', 'acceptOffer', 'declineOffer'] as const;

export type Command =
  | { type: 'previewPlan'; ops: PlanOp[] }
  | { type: 'savePlan'; ops: PlanOp[] }
  | { type: 'fundMilestone' }
  | { type: 'submitWork'; milestoneId: string }
  | { type: 'releasePayment'; milestoneId: string; amountCents?: number }
  | { type: 'requestChange'; milestoneId: string; patch: MilestonePatch; featureEnabled: boolean }
  | { type: 'editChangeRequest'; requestId: string; patch: MilestonePatch }
  | { type: 'withdrawChangeRequest'; requestId: string }
  /**
   * `version`: the request's version as the answering party saw it; any other is refused (R16). New
   * Updates must carry it (the workflow's validator and the API say so); histories from before may not.
   */
  | { type: 'approveChangeRequest'; requestId: string; version?: number }
  | { type: 'rejectChangeRequest'; requestId: string; version?: number }
  | { type: 'proposeChanges'; ops: PlanOp[] }
  | { type: 'withdrawProposal'; requestId: string }
  | { type: 'acceptProposal'; requestId: string; version?: number }
  | { type: 'declineProposal'; requestId: string; version?: number }
  | { type: 'endContract' }
  | { type: 'keepOpen' }
  | { type: 'withdrawFunds'; amountCents?: number }
  // Revisions (R26), disputes (R28), refunds with consent (R27).
  | { type: 'requestRevisions'; milestoneId: string; message: string }
  | { type: 'openDispute'; milestoneId: string; reason: string }
  | RefundCommand
  // Offers (R30): domain/offers.ts.
  | OfferCommand;

export type CommandType = Command['type'];

/** Who may send each command (docs/rules.md, "Who may do what"); `either` party may open a dispute (R28). */
export const COMMAND_ROLE: Record<CommandType, Role | 'either'> = {
  previewPlan: 'client',
  savePlan: 'client',
  fundMilestone: 'client',
  submitWork: 'freelancer',
  releasePayment: 'client',
  requestChange: 'client',
  editChangeRequest: 'client',
  withdrawChangeRequest: 'client',
  approveChangeRequest: 'freelancer',
  rejectChangeRequest: 'freelancer',
  proposeChanges: 'freelancer',
  withdrawProposal: 'freelancer',
  acceptProposal: 'client',
  declineProposal: 'client',
  endContract: 'client',
  keepOpen: 'client',
  withdrawFunds: 'client',
  requestRevisions: 'client',
  openDispute: 'either',
  requestRefund: 'client',
  acceptRefund: 'freelancer',
  declineRefund: 'freelancer',
  editOffer: 'client',
  withdrawOffer: 'client',
  acceptOffer: 'freelancer',
  declineOffer: 'freelancer',
};

export interface Envelope {
  actorId: string;
  now: string;
}

/** Applies one command; the state passed in is never mutated. */
export function decide(
  prev: ContractState, cmd: Command, { actorId, now }: Envelope,
): Transition {
  validateCommand(cmd); // fields first: a malformed value is never answered with a state conflict
  assertReadableTexts(cmd);
  const role = roleOf(prev, actorId);
  // Strangers never learn a contract exists (404, not 403: docs/rules.md).
  if (!role) refuse('CONTRACT_NOT_FOUND', undefined, 'no such contract', 'not_found');
  if (COMMAND_ROLE[cmd.type] !== role && COMMAND_ROLE[cmd.type] !== 'either') {
    refuse('FORBIDDEN_FOR_ROLE', undefined, `only the ${COMMAND_ROLE[cmd.type]} may ${cmd.type}`, 'forbidden');
  }
  assertOfferAllows(prev, cmd.type, now); // R30: before acceptance only the offer's commands; a closed offer says how
  if (prev.status === 'ended') refuse('CONTRACT_ENDED', 'R3', 'the contract has ended and accepts no changes', 'conflict');
  assertNoDepositPending(prev, cmd.type); // R31: a deposit confirming at the provider

  const t = new Builder(clone(prev));
  HANDLERS[cmd.type](t, cmd as never, now);
  if (cmd.type === 'submitWork') startReview(t.s, t.milestone(cmd.milestoneId), now); // R25
  if (cmd.type === 'openDispute') openDispute(t, cmd, now, actorId); // R28: names who opened it
  if (cmd.type === 'acceptOffer') acceptOffer(t, cmd, now, actorId); // R30: the history names who accepted, and when
  if (cmd.type === 'declineOffer') declineOffer(t, cmd, now, actorId);
  if (cmd.type === 'withdrawOffer') withdrawOffer(t, now, actorId);
  return t.finish(cmd.type !== 'previewPlan' && !t.readOnly);
}

/**
 * The command as the contract workflow decides it: its fields checked as sent, then its texts replaced by
 * fixed-size references, so the workflow's state never holds free text. The texts go to PostgreSQL with
 * the transition.
 */
export function prepareCommand<C extends Command>(cmd: C): { cmd: C; texts: Texts } {
  validateCommand(cmd);
  assertNoTextRefs(cmd); // here, not in decide(): decide() sees the references this call makes
  // Before the texts become references: decide() sees only references, which are always readable.
  assertReadableTexts(cmd);
  const prepared = internCommand(cmd);
  assertCommandTextBudget(prepared.texts);
  return prepared;
}

/** Applies an outcome reported by a change-request workflow; unknown or already-resolved ids change nothing. */
export function resolveRequest(
  prev: ContractState, requestId: string, outcome: RequestOutcome, decision?: Decision,
): Transition | null {
  const req = [prev.changeRequest, prev.proposal].find((r) => r?.id === requestId);
  if (!req) return null;
  const t = new Builder(clone(prev));
  if (req.kind === 'change') t.resolveChange(req, outcome, decision);
  else t.resolveProposal(req, outcome, decision);
  return t.finish(true);
}

type Handler<C extends Command> = (t: Builder, cmd: C, now: string) => void;
type Handlers = { [K in CommandType]: Handler<Extract<Command, { type: K }>> };

const HANDLERS: Handlers = {
  previewPlan(t, { ops }) {
    t.readOnly = true;
    t.diff = applyPlan(t.s.milestones, ops, t.s.nextMilestoneNo).diff;
  },

  savePlan(t, { ops }) {
    t.noPendingProposal();
    const plan = applyPlan(t.s.milestones, ops, t.s.nextMilestoneNo);
    if (isEmptyDiff(plan.diff)) refuse('EMPTY_BATCH', 'R11', 'the batch changes nothing');
    t.s.milestones = plan.milestones;
    t.s.nextMilestoneNo = plan.nextMilestoneNo;
    t.diff = plan.diff;
    if (plan.diff.added.length) t.s.endPrompt = false; // R22: kept open and planned further
    t.notify('freelancer', 'milestones_changed', { diff: plan.diff });
  },

  fundMilestone(t) {
    t.noPendingProposal();
    const s = t.s;
    const current = currentMilestone(s);
    if (current) {
      const need = shortfallOf(current);
      if (need <= 0) {
        refuse('MILESTONE_ALREADY_FUNDED', 'R6', `milestone ${current.id} is funded; release it before funding the next one`, 'conflict');
      }
      assertNotDisputed(current); // R28
      t.fund(current, need); // R17: top up after an approved increase
      return;
    }
    const next = s.milestones.find((m) => m.state === 'pending');
    if (!next) refuse('NO_PENDING_MILESTONE', 'R6', 'there is no pending milestone to activate; add one first', 'conflict');
    next!.state = 'active';
    t.fund(next!, next!.amountCents);
    s.endPrompt = false;
  },

  submitWork(t, { milestoneId }) {
    const m = t.milestone(milestoneId);
    if (m.state !== 'active') {
      refuse('MILESTONE_NOT_ACTIVE', 'R5', `work can be submitted only on the active milestone (this one is ${m.state})`, 'conflict');
    }
    assertNotDisputed(m); // R28: no review window may start on frozen money
    m.state = 'submitted';
    t.cancelChangeRequestOn(m, 'submitWork'); // R18
    t.notify('client', 'work_submitted', { milestone: m });
  },

  releasePayment(t, { milestoneId, amountCents }, now) {
    const m = t.milestone(milestoneId);
    assertReviewOpen(m, now, 'a release by the client'); // R25: the automatic release is owed
    if (m.state !== 'active' && m.state !== 'submitted') {
      refuse('MILESTONE_NOT_FUNDED', 'R5', `only the funded milestone can be released (this one is ${m.state})`, 'conflict');
    }
    if (amountCents === undefined && shortfallOf(m) > 0) {
      refuse('SHORTFALL_UNFUNDED', 'R17', `an approved increase left ${shortfallOf(m)} cents unfunded: fund it, or release an explicit amount of what is funded`,
        'conflict', { shortfallCents: shortfallOf(m) });
    }
    const amount = amountCents ?? m.fundedCents;
    assertPositiveCents(amount, 'amountCents');
    if (amount > m.fundedCents) {
      refuse('RELEASE_EXCEEDS_FUNDED', 'R5', `a release cannot exceed the ${m.fundedCents} cents funded for this milestone`);
    }
    assertNotDisputed(m); // R28
    releaseBesideRefund(t, m, amount); // R27
    settle(t, m, { releaseCents: amount, refundCents: 0 });
    t.notify('freelancer', 'payment_released', { milestone: m, amountCents: amount });
  },

  requestChange(t, { milestoneId, patch, featureEnabled }, now) {
    const s = t.s;
    if (!featureEnabled) {
      refuse('FEATURE_NOT_ENABLED', 'R14', 'change requests on an active milestone are not available to this client yet', 'forbidden');
    }
    t.noPendingProposal();
    const m = t.milestone(milestoneId);
    if (m.state === 'submitted') {
      refuse('WORK_ALREADY_SUBMITTED', 'R15', 'the freelancer has submitted work on this milestone; it can no longer be changed', 'conflict');
    }
    if (m.state !== 'active') refuse('MILESTONE_NOT_ACTIVE', 'R15', 'change requests apply to the active milestone only', 'conflict');
    assertNotDisputed(m); // R28
    if (m.refundedCents) refuse('MILESTONE_PARTLY_REFUNDED', 'R27', 'part of this milestone\'s escrow was refunded by agreement; its terms are settled', 'conflict');
    if (s.changeRequest) refuse('CHANGE_REQUEST_PENDING', 'R15', 'this milestone already has a pending change request', 'conflict');
    if (m.refundRequest) {
      // R27 beside R15: the freelancer is deciding how much escrow goes back; the terms wait for that answer.
      refuse('REFUND_PENDING', 'R27', `a refund of ${m.refundRequest.amountCents} cents is waiting for the freelancer's answer; `
        + 'a change request can follow once it is answered or lapses', 'conflict', { refundCents: m.refundRequest.amountCents });
    }
    const changes = t.validPatch(m, patch);
    const request: PendingRequest = {
      id: `${s.id}-cr${s.nextRequestNo++}`,
      kind: 'change',
      requestedBy: s.clientId,
      createdAt: now,
      expiresAt: new Date(Date.parse(now) + CHANGE_REQUEST_TTL_MS).toISOString(),
      milestoneId: m.id,
      patch,
      changes,
      ops: null,
      diff: null,
      edits: 0,
      deciding: null,
    };
    s.changeRequest = request;
    t.requestId = request.id;
    t.effects.push({ type: 'startRequest', request });
    t.notify('freelancer', 'change_request_sent', { milestone: m, changes, version: 0 });
  },

  editChangeRequest(t, { requestId, patch }) {
    const req = t.pendingChange(requestId);
    if (req.deciding) {
      refuse('CHANGE_REQUEST_BEING_DECIDED', 'R16', `the request is being ${req.deciding === 'withdraw' ? 'withdrawn' : 'answered'}; it can no longer be edited`, 'conflict');
    }
    const m = t.milestone(req.milestoneId!);
    const changes = t.validPatch(m, patch);
    req.patch = patch;
    req.changes = changes;
    req.edits += 1;
    t.requestId = req.id;
    t.effects.push({ type: 'signalRequest', requestId, signal: 'edit' });
    t.notify('freelancer', 'change_request_edited', { milestone: m, changes, version: req.edits });
  },

  withdrawChangeRequest: (t, { requestId }) => t.forward(t.pendingChange(requestId), 'withdraw'),
  approveChangeRequest: (t, { requestId, version }) => t.forward(t.seenVersion(t.pendingChange(requestId), version), 'approve'),
  rejectChangeRequest: (t, { requestId, version }) => t.forward(t.seenVersion(t.pendingChange(requestId), version), 'reject'),

  proposeChanges(t, { ops }, now) {
    const s = t.s;
    if (s.proposal) refuse('PROPOSAL_PENDING', 'R21', 'a proposal is already waiting for the client', 'conflict');
    if (ops.some((o) => o.op === 'reorder')) refuse('PROPOSAL_REORDER', 'R20', 'proposals add, edit or delete pending milestones');
    const diff = asProposalRule(() => applyPlan(s.milestones, ops, s.nextMilestoneNo).diff);
    const request: PendingRequest = {
      id: `${s.id}-pr${s.nextRequestNo++}`,
      kind: 'proposal',
      requestedBy: s.freelancerId,
      createdAt: now,
      expiresAt: null,
      milestoneId: null,
      patch: null,
      changes: [],
      ops,
      diff,
      edits: 0,
      deciding: null,
    };
    s.proposal = request;
    t.requestId = request.id;
    t.effects.push({ type: 'startRequest', request });
    t.notify('client', 'proposal_sent', { diff, version: 0 });
  },

  withdrawProposal: (t, { requestId }) => t.forward(t.pendingProposal(requestId), 'withdraw'),
  acceptProposal(t, { requestId, version }) {
    const req = t.seenVersion(t.pendingProposal(requestId), version);
    asProposalRule(() => applyPlan(t.s.milestones, req.ops!, t.s.nextMilestoneNo)); // still applies cleanly
    t.forward(req, 'approve');
  },
  declineProposal: (t, { requestId, version }) => t.forward(t.seenVersion(t.pendingProposal(requestId), version), 'reject'),

  endContract(t) {
    const s = t.s;
    t.noPendingProposal();
    const current = currentMilestone(s);
    if (current) {
      refuse('MILESTONE_IN_PROGRESS', 'R23', `milestone ${current.id} is funded; release it before ending the contract`, 'conflict');
    }
    const refund = s.balances.projectFundsCents;
    if (refund > 0) t.refund(refund);
    s.status = 'ended';
    s.endPrompt = false;
    t.notify('freelancer', 'contract_ended', { amountCents: refund });
  },

  keepOpen(t) {
    if (!t.s.endPrompt) refuse('NOTHING_TO_DECIDE', 'R22', 'the contract is not waiting for an end-or-keep-open decision', 'conflict');
    t.s.endPrompt = false;
  },

  withdrawFunds(t, { amountCents }) {
    const available = t.s.balances.projectFundsCents;
    const amount = amountCents ?? available;
    if (available === 0) refuse('NO_PROJECT_FUNDS', 'R23', 'there are no unused project funds to withdraw', 'conflict');
    assertPositiveCents(amount, 'amountCents', MAX_BALANCE_CENTS);
    if (amount > available) {
      refuse('INSUFFICIENT_PROJECT_FUNDS', 'R23', `only ${available} cents of project funds are unused (money held for the active milestone cannot be withdrawn)`);
    }
    t.refund(amount);
  },

  requestRevisions: (t, cmd, now) => requestRevisions(t, cmd, now),
  openDispute: () => undefined, // applied by decide(), which knows the actor
  requestRefund: (t, cmd, now) => requestRefund(t, cmd, now),
  acceptRefund: (t, cmd) => acceptRefund(t, cmd),
  declineRefund: (t, cmd) => declineRefund(t, cmd),
  editOffer: (t, cmd, now) => editOffer(t, cmd, now),
  // Applied by decide(), which knows the actor (R30: the offer records who answered it).
  withdrawOffer: () => undefined,
  acceptOffer: () => undefined,
  declineOffer: () => undefined,
};
