// How one transition is built: the effects it causes (ledger entries, notices, change-request workflow
// starts and signals) accumulate over a private copy of the state, then the invariants are checked.
import type { RequestOutcome } from './change-request.js';
import {
  type ContractState, type PendingRequest, type Role, assertInvariants, shortfallOf,
} from './contract.js';
import { DomainError, refuse } from './errors.js';
import type { LedgerEntry, LedgerKind, Notice, NoticeEvent } from './events.js';
import { type FieldChange, type Milestone, type MilestonePatch, editableFields, fieldChanges } from './milestone.js';
import { applyPlan, assertFields, type PlanDiff } from './plan.js';

/** Signals the workflow forwards to a change-request workflow. */
export type RequestSignal = 'approve' | 'reject' | 'withdraw' | 'edit' | 'submitWork' | 'releasePayment' | 'disputeOpened';

export type Effect =
  | { type: 'startRequest'; request: PendingRequest }
  /** `version`: what an approve or reject answers (R16), checked again by the request's workflow. */
  | { type: 'signalRequest'; requestId: string; signal: RequestSignal; version?: number }
  /** The command is decided by the change-request workflow; wait for its outcome before answering. */
  | { type: 'awaitOutcome'; requestId: string };

/** Who decided a request: a party (through the API), an operator (UI, CLI, resolveRequest) or the system. */
export interface Decision {
  by: string;
  operator: boolean;
  reason?: string;
}

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

/** Accumulates one transition's effects over a private copy of the state. */
export class Builder {
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
    d: {
      milestone?: Milestone; changes?: FieldChange[]; diff?: PlanDiff; amountCents?: number;
      version?: number; decision?: Decision;
    } & Pick<Notice, 'message' | 'stateChange' | 'reviewEndsAt' | 'refundCents' | 'expiresAt'>,
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
        ...(d.version === undefined ? {} : { version: d.version }),
        ...(d.decision?.operator || d.decision?.reason ? { decidedBy: d.decision.by, reason: d.decision.reason ?? null } : {}),
        ...(d.message === undefined ? {} : { message: d.message }),
        ...(d.stateChange === undefined ? {} : { stateChange: d.stateChange }),
        ...(d.reviewEndsAt === undefined ? {} : { reviewEndsAt: d.reviewEndsAt }),
        ...(d.refundCents === undefined ? {} : { refundCents: d.refundCents }),
        ...(d.expiresAt === undefined ? {} : { expiresAt: d.expiresAt }),
      });
    }
  }

  milestone(id: string): Milestone {
    return this.s.milestones.find((m) => m.id === id) ?? refuse('MILESTONE_NOT_FOUND', undefined, `milestone ${id} is not in this contract`, 'not_found');
  }

  /** R7, R9: project funds first, then a deposit; the initiation fee with the first funding only. `quiet`: an offer tells it its own way (R30). */
  fund(m: Milestone, need: number, { quiet = false } = {}): void {
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
    if (!quiet) this.notify('freelancer', 'milestone_funded', { milestone: m, amountCents: need });
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

  /**
   * The change-request workflow decides; the contract applies its reported outcome, so an operator's
   * signal to the request is enough. The request is frozen meanwhile, so what is applied is what the
   * decider saw.
   */
  forward(req: PendingRequest, signal: RequestSignal): void {
    if (req.deciding) refuse('DECISION_IN_FLIGHT', req.kind === 'change' ? 'R16' : 'R20', 'a decision on this request is already on its way', 'conflict');
    req.deciding = signal;
    this.readOnly = true;
    this.requestId = req.id;
    this.effects.push({ type: 'signalRequest', requestId: req.id, signal, version: req.edits }, { type: 'awaitOutcome', requestId: req.id });
  }

  /** R16: an answer to another version of a request is refused rather than applied to terms not seen. */
  seenVersion(req: PendingRequest, version: number | undefined): PendingRequest {
    if (version !== undefined && version !== req.edits) {
      refuse('CHANGE_REQUEST_CHANGED', 'R16', `the request is at version ${req.edits}, not ${version}; review it again`, 'conflict',
        { currentVersion: req.edits });
    }
    return req;
  }

  validPatch(m: Milestone, patch: MilestonePatch): FieldChange[] {
    assertFields(patch);
    const changes = fieldChanges(m, patch);
    if (changes.length === 0) refuse('EMPTY_CHANGE', 'R15', 'the request changes nothing on this milestone');
    return changes;
  }

  /** R18: work submitted or payment released while a change request is pending cancels it. */
  cancelChangeRequestOn(m: Milestone, signal: 'submitWork' | 'releasePayment' | 'disputeOpened'): void {
    const req = this.s.changeRequest;
    if (!req || req.milestoneId !== m.id) return;
    this.s.changeRequest = null;
    this.closed = { request: req, outcome: 'canceled' };
    this.effects.push({ type: 'signalRequest', requestId: req.id, signal });
    this.notify('both', 'change_request_canceled', { milestone: m, changes: req.changes });
  }

  resolveChange(req: PendingRequest, outcome: RequestOutcome, decision?: Decision): void {
    const s = this.s;
    s.changeRequest = null;
    this.closed = { request: req, outcome };
    const m = s.milestones.find((x) => x.id === req.milestoneId);
    const about = { changes: req.changes, version: req.edits, ...(decision ? { decision } : {}) };
    // A decision an operator took for a party is told to both parties.
    const toBoth = decision?.operator === true;
    if (outcome === 'approved' && m?.state === 'active') {
      this.applyApprovedChange(m, req.patch!);
      this.notify(toBoth ? 'both' : 'client', 'change_request_approved', { milestone: m, ...about });
      const shortfall = shortfallOf(m);
      if (shortfall > 0) this.notify('client', 'shortfall_to_fund', { milestone: m, amountCents: shortfall });
      return;
    }
    const event: Record<RequestOutcome, NoticeEvent> = {
      approved: 'change_request_canceled', // approved too late: the milestone moved on
      rejected: 'change_request_rejected',
      withdrawn: 'change_request_withdrawn',
      canceled: 'change_request_canceled',
      expired: 'change_request_expired',
    };
    const to = toBoth ? 'both' : outcome === 'rejected' ? 'client' : outcome === 'withdrawn' ? 'freelancer' : 'both';
    this.notify(to, event[outcome], { ...(m ? { milestone: m } : {}), ...about });
  }

  /**
   * R17: fields update; a lower amount returns escrow to project funds. A higher one is covered from
   * unused project funds as far as they go; the rest is the milestone's shortfall.
   */
  private applyApprovedChange(m: Milestone, patch: MilestonePatch): void {
    const b = this.s.balances;
    Object.assign(m, editableFields(patch));
    // Escrow refunded by consent counts toward the amount (shortfallOf), here as everywhere, so what a
    // release in full pays never depends on whether the contract happens to hold project funds.
    const settled = m.refundedCents ?? 0;
    const owed = Math.max(0, m.amountCents - settled);
    if (m.fundedCents > owed) {
      const back = m.fundedCents - owed;
      m.fundedCents = owed;
      b.escrowCents -= back;
      b.projectFundsCents += back;
      this.ledger('escrow_return', back, m.id);
    }
    const cover = Math.min(b.projectFundsCents, shortfallOf(m));
    if (cover > 0) {
      b.projectFundsCents -= cover;
      b.escrowCents += cover;
      m.fundedCents += cover;
      this.ledger('escrow_hold', cover, m.id); // held from project funds: no deposit (R7)
    }
  }

  resolveProposal(req: PendingRequest, outcome: RequestOutcome, decision?: Decision): void {
    const s = this.s;
    s.proposal = null;
    this.closed = { request: req, outcome };
    const toBoth = decision?.operator === true;
    const about = { version: req.edits, ...(decision ? { decision } : {}) };
    if (outcome === 'approved') {
      try {
        const plan = applyPlan(s.milestones, req.ops!, s.nextMilestoneNo);
        s.milestones = plan.milestones;
        s.nextMilestoneNo = plan.nextMilestoneNo;
        if (plan.diff.added.length) s.endPrompt = false; // R22: there is more work after all
        this.notify(toBoth ? 'both' : 'freelancer', 'proposal_accepted', { diff: plan.diff, ...about });
        return;
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        this.closed = { request: req, outcome: 'canceled' };
        this.notify('both', 'proposal_canceled', { diff: req.diff!, ...about }); // the plan moved on; nothing applied
        return;
      }
    }
    const event: NoticeEvent = outcome === 'rejected' ? 'proposal_declined' : outcome === 'withdrawn' ? 'proposal_withdrawn' : 'proposal_canceled';
    const to = toBoth ? 'both' : outcome === 'rejected' ? 'freelancer' : outcome === 'withdrawn' ? 'client' : 'both';
    this.notify(to, event, { diff: req.diff!, ...about });
  }
}

/** A proposal touching a funded milestone breaks R20 (never the active one), not R5. */
export function asProposalRule<T>(fn: () => T): T {
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
export const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
