// Every command of RULES.md as a pure transition: (state, command, time) → new state, ledger entries,
// notices, and the effects the workflow must carry out (start or signal a change-request workflow).
// Refusals throw DomainError with the rule they enforce.
import { CHANGE_REQUEST_TTL_MS, type RequestOutcome } from './change-request.js';
import {
  type ContractState,
  type PendingRequest,
  type Role,
  assertInvariants,
  currentMilestone,
  roleOf,
} from './contract.js';
import { DomainError, refuse } from './errors.js';
import type { LedgerEntry, LedgerKind, Notice, NoticeEvent } from './events.js';
import { type FieldChange, type Milestone, type MilestonePatch, fieldChanges } from './milestone.js';
import { assertPositiveCents } from './money.js';
import { type PlanDiff, type PlanOp, applyPlan, assertFields, isEmptyDiff } from './plan.js';

export type Command =
  | { type: 'previewPlan'; ops: PlanOp[] }
  | { type: 'savePlan'; ops: PlanOp[] }
  | { type: 'fundMilestone' }
  | { type: 'submitWork'; milestoneId: string }
  | { type: 'releasePayment'; milestoneId: string; amountCents?: number }
  | { type: 'requestChange'; milestoneId: string; patch: MilestonePatch; featureEnabled: boolean }
  | { type: 'editChangeRequest'; requestId: string; patch: MilestonePatch }
  | { type: 'withdrawChangeRequest'; requestId: string }
  | { type: 'approveChangeRequest'; requestId: string }
  | { type: 'rejectChangeRequest'; requestId: string }
  | { type: 'proposeChanges'; ops: PlanOp[] }
  | { type: 'withdrawProposal'; requestId: string }
  | { type: 'acceptProposal'; requestId: string }
  | { type: 'declineProposal'; requestId: string }
  | { type: 'endContract' }
  | { type: 'keepOpen' }
  | { type: 'withdrawFunds'; amountCents?: number };

export type CommandType = Command['type'];

/** Who may send each command (RULES.md, "Who may do what"). */
export const COMMAND_ROLE: Record<CommandType, Role> = {
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
};

/** Signals the workflow forwards to a change-request workflow. */
export type RequestSignal = 'approve' | 'reject' | 'withdraw' | 'edit' | 'submitWork' | 'releasePayment';

export type Effect =
  | { type: 'startRequest'; request: PendingRequest }
  | { type: 'signalRequest'; requestId: string; signal: RequestSignal }
  /** The command is decided by the change-request workflow; wait for its outcome before answering. */
  | { type: 'awaitOutcome'; requestId: string };

export interface Transition {
  state: ContractState;
  ledger: LedgerEntry[];
  notices: Notice[];
  effects: Effect[];
  diff?: PlanDiff;
  /** R22: set when the last remaining milestone was released. */
  prompt?: 'END_OR_KEEP_OPEN';
  requestId?: string;
  /** A change request or proposal this transition closed, and how. */
  closed?: { request: PendingRequest; outcome: RequestOutcome };
}

export interface Envelope {
  actorId: string;
  now: string;
}

/** Applies one command; the state passed in is never mutated. */
export function decide(prev: ContractState, cmd: Command, { actorId, now }: Envelope): Transition {
  const role = roleOf(prev, actorId);
  // Strangers never learn a contract exists (RULES.md: 404, not 403).
  if (!role) refuse('CONTRACT_NOT_FOUND', undefined, 'no such contract', 'not_found');
  if (COMMAND_ROLE[cmd.type] !== role) {
    refuse('FORBIDDEN_FOR_ROLE', undefined, `only the ${COMMAND_ROLE[cmd.type]} may ${cmd.type}`, 'forbidden');
  }
  if (prev.status === 'ended') refuse('CONTRACT_ENDED', 'R3', 'the contract has ended and accepts no changes', 'conflict');

  const t = new Builder(clone(prev));
  HANDLERS[cmd.type](t, cmd as never, now);
  return t.finish(cmd.type !== 'previewPlan' && !t.readOnly);
}

/** Applies an outcome reported by a change-request workflow; unknown or already-resolved ids change nothing. */
export function resolveRequest(prev: ContractState, requestId: string, outcome: RequestOutcome): Transition | null {
  const req = [prev.changeRequest, prev.proposal].find((r) => r?.id === requestId);
  if (!req) return null;
  const t = new Builder(clone(prev));
  if (req.kind === 'change') t.resolveChange(req, outcome);
  else t.resolveProposal(req, outcome);
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
      const need = current.amountCents - current.fundedCents;
      if (need <= 0) {
        refuse('MILESTONE_ALREADY_FUNDED', 'R6', `milestone "${current.title}" is funded; release it before funding the next one`, 'conflict');
      }
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
    m.state = 'submitted';
    t.cancelChangeRequestOn(m, 'submitWork'); // R18
    t.notify('client', 'work_submitted', { milestone: m });
  },

  releasePayment(t, { milestoneId, amountCents }) {
    const s = t.s;
    const m = t.milestone(milestoneId);
    if (m.state !== 'active' && m.state !== 'submitted') {
      refuse('MILESTONE_NOT_FUNDED', 'R5', `only the funded milestone can be released (this one is ${m.state})`, 'conflict');
    }
    const amount = amountCents ?? m.fundedCents;
    assertPositiveCents(amount, 'amountCents');
    if (amount > m.fundedCents) {
      refuse('RELEASE_EXCEEDS_FUNDED', 'R5', `a release cannot exceed the ${m.fundedCents} cents funded for this milestone`);
    }
    const leftover = m.fundedCents - amount;
    m.releasedCents = amount;
    m.state = 'released';
    s.balances.escrowCents -= m.fundedCents;
    s.balances.releasesCents += amount;
    s.balances.projectFundsCents += leftover; // R8: the remainder stays in project funds
    t.ledger('release', amount, m.id);
    if (leftover > 0) t.ledger('escrow_return', leftover, m.id);
    t.cancelChangeRequestOn(m, 'releasePayment'); // R18
    t.notify('freelancer', 'payment_released', { milestone: m, amountCents: amount });
    if (!s.milestones.some((x) => x.state === 'pending')) {
      s.endPrompt = true; // R22
      t.prompt = 'END_OR_KEEP_OPEN';
    }
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
    if (s.changeRequest) refuse('CHANGE_REQUEST_PENDING', 'R15', 'this milestone already has a pending change request', 'conflict');
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
    };
    s.changeRequest = request;
    t.requestId = request.id;
    t.effects.push({ type: 'startRequest', request });
    t.notify('freelancer', 'change_request_sent', { milestone: m, changes });
  },

  editChangeRequest(t, { requestId, patch }) {
    const req = t.pendingChange(requestId);
    const m = t.milestone(req.milestoneId!);
    const changes = t.validPatch(m, patch);
    req.patch = patch;
    req.changes = changes;
    req.edits += 1;
    t.requestId = req.id;
    t.effects.push({ type: 'signalRequest', requestId, signal: 'edit' });
    t.notify('freelancer', 'change_request_edited', { milestone: m, changes });
  },

  withdrawChangeRequest: (t, { requestId }) => t.forward(t.pendingChange(requestId), 'withdraw'),
  approveChangeRequest: (t, { requestId }) => t.forward(t.pendingChange(requestId), 'approve'),
  rejectChangeRequest: (t, { requestId }) => t.forward(t.pendingChange(requestId), 'reject'),

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
    };
    s.proposal = request;
    t.requestId = request.id;
    t.effects.push({ type: 'startRequest', request });
    t.notify('client', 'proposal_sent', { diff });
  },

  withdrawProposal: (t, { requestId }) => t.forward(t.pendingProposal(requestId), 'withdraw'),
  acceptProposal(t, { requestId }) {
    const req = t.pendingProposal(requestId);
    asProposalRule(() => applyPlan(t.s.milestones, req.ops!, t.s.nextMilestoneNo)); // still applies cleanly
    t.forward(req, 'approve');
  },
  declineProposal: (t, { requestId }) => t.forward(t.pendingProposal(requestId), 'reject'),

  endContract(t) {
    const s = t.s;
    t.noPendingProposal();
    const current = currentMilestone(s);
    if (current) {
      refuse('MILESTONE_IN_PROGRESS', 'R23', `milestone "${current.title}" is funded; release it before ending the contract`, 'conflict');
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
    assertPositiveCents(amount, 'amountCents');
    if (amount > available) {
      refuse('INSUFFICIENT_PROJECT_FUNDS', 'R23', `only ${available} cents of project funds are unused (money held for the active milestone cannot be withdrawn)`);
    }
    t.refund(amount);
  },
};

/** Accumulates one transition's effects over a private copy of the state. */
class Builder {
  readonly ledgerEntries: LedgerEntry[] = [];
  readonly notices: Notice[] = [];
  readonly effects: Effect[] = [];
  diff?: PlanDiff;
  prompt?: 'END_OR_KEEP_OPEN';
  requestId?: string;
  closed?: { request: PendingRequest; outcome: RequestOutcome };
  readOnly = false;

  constructor(readonly s: ContractState) {}

  finish(advance: boolean): Transition {
    if (advance) this.s.seq += 1;
    assertInvariants(this.s);
    const out: Transition = { state: this.s, ledger: this.ledgerEntries, notices: this.notices, effects: this.effects };
    if (this.diff) out.diff = this.diff;
    if (this.prompt) out.prompt = this.prompt;
    if (this.requestId) out.requestId = this.requestId;
    if (this.closed) out.closed = this.closed;
    return out;
  }

  /** Keys use the sequence number this transition will have once accepted. */
  private key(...parts: (string | number)[]): string {
    return [this.s.id, this.s.seq + 1, ...parts].join(':');
  }

  ledger(kind: LedgerKind, amountCents: number, milestoneId: string | null): void {
    this.ledgerEntries.push({ key: this.key(kind, milestoneId ?? '-'), kind, amountCents, milestoneId });
  }

  notify(
    to: Role | 'both',
    event: NoticeEvent,
    d: { milestone?: Milestone; changes?: FieldChange[]; diff?: PlanDiff; amountCents?: number },
  ): void {
    for (const role of to === 'both' ? (['client', 'freelancer'] as const) : [to]) {
      this.notices.push({
        key: this.key('notice', this.notices.length),
        recipientId: role === 'client' ? this.s.clientId : this.s.freelancerId,
        recipientRole: role,
        event,
        contractId: this.s.id,
        contractTitle: this.s.title,
        milestoneId: d.milestone?.id ?? null,
        milestoneTitle: d.milestone?.title ?? null,
        changes: d.changes ?? [],
        diff: d.diff ?? null,
        amountCents: d.amountCents ?? null,
      });
    }
  }

  milestone(id: string): Milestone {
    return this.s.milestones.find((m) => m.id === id) ?? refuse('MILESTONE_NOT_FOUND', undefined, `milestone ${id} is not in this contract`, 'not_found');
  }

  /** R7, R9: project funds first, then a deposit; the initiation fee with the first funding only. */
  fund(m: Milestone, need: number): void {
    const b = this.s.balances;
    const fromFunds = Math.min(b.projectFundsCents, need);
    const paid = need - fromFunds;
    const fee = this.s.feeCharged ? 0 : this.s.initiationFeeCents;
    this.s.feeCharged = true;
    if (paid + fee > 0) this.ledger('deposit', paid + fee, m.id);
    if (fee > 0) this.ledger('fee', fee, null);
    this.ledger('escrow_hold', need, m.id);
    b.depositsCents += paid + fee;
    b.feesCents += fee;
    b.projectFundsCents -= fromFunds;
    b.escrowCents += need;
    m.fundedCents += need;
    this.notify('freelancer', 'milestone_funded', { milestone: m, amountCents: need });
  }

  refund(amount: number): void {
    this.s.balances.projectFundsCents -= amount;
    this.s.balances.refundsCents += amount;
    this.ledger('refund', amount, null);
  }

  noPendingProposal(): void {
    if (this.s.proposal) {
      refuse('PROPOSAL_PENDING', 'R21', 'respond to the freelancer\'s pending proposal before making other milestone changes', 'conflict');
    }
  }

  pendingChange(requestId: string): PendingRequest {
    const req = this.s.changeRequest;
    if (!req || req.id !== requestId) refuse('NO_PENDING_CHANGE_REQUEST', 'R16', `change request ${requestId} is not pending`, 'conflict');
    return req!;
  }

  pendingProposal(requestId: string): PendingRequest {
    const req = this.s.proposal;
    if (!req || req.id !== requestId) refuse('NO_PENDING_PROPOSAL', 'R20', `proposal ${requestId} is not pending`, 'conflict');
    return req!;
  }

  /** The change-request workflow decides; the contract applies its reported outcome (DESIGN.md). */
  forward(req: PendingRequest, signal: RequestSignal): void {
    this.readOnly = true;
    this.requestId = req.id;
    this.effects.push({ type: 'signalRequest', requestId: req.id, signal }, { type: 'awaitOutcome', requestId: req.id });
  }

  validPatch(m: Milestone, patch: MilestonePatch): FieldChange[] {
    assertFields(patch);
    const changes = fieldChanges(m, patch);
    if (changes.length === 0) refuse('EMPTY_CHANGE', 'R15', 'the request changes nothing on this milestone');
    return changes;
  }

  /** R18: work submitted or payment released while a change request is pending cancels it. */
  cancelChangeRequestOn(m: Milestone, signal: 'submitWork' | 'releasePayment'): void {
    const req = this.s.changeRequest;
    if (!req || req.milestoneId !== m.id) return;
    this.s.changeRequest = null;
    this.closed = { request: req, outcome: 'canceled' };
    this.effects.push({ type: 'signalRequest', requestId: req.id, signal });
    this.notify('both', 'change_request_canceled', { milestone: m, changes: req.changes });
  }

  resolveChange(req: PendingRequest, outcome: RequestOutcome): void {
    const s = this.s;
    s.changeRequest = null;
    this.closed = { request: req, outcome };
    const m = s.milestones.find((x) => x.id === req.milestoneId);
    if (outcome === 'approved' && m?.state === 'active') {
      this.applyApprovedChange(m, req.patch!);
      this.notify('client', 'change_request_approved', { milestone: m, changes: req.changes });
      return;
    }
    const event: Record<RequestOutcome, NoticeEvent> = {
      approved: 'change_request_canceled', // approved too late: the milestone moved on
      rejected: 'change_request_rejected',
      withdrawn: 'change_request_withdrawn',
      canceled: 'change_request_canceled',
      expired: 'change_request_expired',
    };
    const to = outcome === 'rejected' ? 'client' : outcome === 'withdrawn' ? 'freelancer' : 'both';
    this.notify(to, event[outcome], { ...(m ? { milestone: m } : {}), changes: req.changes });
  }

  /** R17: fields update; a lower amount returns escrow to project funds, a higher one leaves a shortfall. */
  private applyApprovedChange(m: Milestone, patch: MilestonePatch): void {
    const b = this.s.balances;
    Object.assign(m, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
    if (m.fundedCents > m.amountCents) {
      const back = m.fundedCents - m.amountCents;
      m.fundedCents = m.amountCents;
      b.escrowCents -= back;
      b.projectFundsCents += back;
      this.ledger('escrow_return', back, m.id);
    }
  }

  resolveProposal(req: PendingRequest, outcome: RequestOutcome): void {
    const s = this.s;
    s.proposal = null;
    this.closed = { request: req, outcome };
    if (outcome === 'approved') {
      try {
        const plan = applyPlan(s.milestones, req.ops!, s.nextMilestoneNo);
        s.milestones = plan.milestones;
        s.nextMilestoneNo = plan.nextMilestoneNo;
        this.notify('freelancer', 'proposal_accepted', { diff: plan.diff });
        return;
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        this.closed = { request: req, outcome: 'canceled' };
        this.notify('both', 'proposal_canceled', { diff: req.diff! }); // the plan moved on; nothing applied
        return;
      }
    }
    const event: NoticeEvent = outcome === 'rejected' ? 'proposal_declined' : outcome === 'withdrawn' ? 'proposal_withdrawn' : 'proposal_canceled';
    this.notify(outcome === 'rejected' ? 'freelancer' : outcome === 'withdrawn' ? 'client' : 'both', event, { diff: req.diff! });
  }
}

/** A proposal touching a funded milestone breaks R20 (never the active one), not R5. */
function asProposalRule<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DomainError && err.code === 'MILESTONE_NOT_PENDING') {
      throw new DomainError(err.code, 'R20', 'a proposal may add, edit or delete pending milestones only, never the active one', err.kind);
    }
    throw err;
  }
}

/** State is plain JSON; structuredClone is not available inside the workflow sandbox. */
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
