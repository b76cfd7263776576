// The contract aggregate as plain data, its creation and its invariants. Bundled into workflow code:
// no I/O, no clock, no randomness — callers pass in time.
import { refuse } from './errors.js';
import { LIMITS, assertId, assertText } from './fields.js';
import { assertNotTextRef, assertReadableText } from './visible-text.js';
import { DEFAULT_INITIATION_FEE_CENTS, MAX_FEE_CENTS } from './money.js';
import { type FieldChange, type Milestone, type MilestonePatch, isCurrent } from './milestone.js';
import { MAX_MILESTONES, type PlanDiff, type PlanOp } from './plan.js';
import { DEFAULT_REVIEW_WINDOW_DAYS, assertReviewWindowDays } from './review.js';
import type { Offer, OfferTerms } from './offers.js';

/** R30: `offered` until the freelancer accepts (then `open`), or until it is declined, withdrawn or expires (`ended`). */
export type ContractStatus = 'offered' | 'open' | 'ended';
export type Role = 'client' | 'freelancer';

/** Money held for a contract, in cents (R10: deposits = fees + releases + refunds + escrow + projectFunds). */
export interface Balances {
  depositsCents: number;
  feesCents: number;
  releasesCents: number;
  refundsCents: number;
  escrowCents: number;
  projectFundsCents: number;
}

/** A client's change request on the active milestone (R15) or a freelancer's proposal (R20). */
export interface PendingRequest {
  id: string;
  kind: 'change' | 'proposal';
  requestedBy: string;
  createdAt: string;
  /** R19: change requests expire after seven days; proposals do not. */
  expiresAt: string | null;
  milestoneId: string | null;
  patch: MilestonePatch | null;
  changes: FieldChange[];
  ops: PlanOp[] | null;
  diff: PlanDiff | null;
  /** The request's version (R16): raised by each edit; every answer names the version it answers. */
  edits: number;
  /** A decision (approve, reject, withdraw) is on its way to the request's workflow: no more edits. */
  deciding: string | null;
  /** Who asked for that decision (a party, or `operator:<id>`): its outcome is recorded as theirs. */
  decidingBy?: string | null;
}

export interface ContractState {
  id: string;
  clientId: string;
  freelancerId: string;
  title: string;
  status: ContractStatus;
  createdAt: string;
  /** Accepted transitions so far: part of every ledger and notification key, so a retried write is recognised. */
  seq: number;
  initiationFeeCents: number;
  feeCharged: boolean;
  /** In contract order: released, then the current one, then pending (R12). */
  milestones: Milestone[];
  nextMilestoneNo: number;
  nextRequestNo: number;
  balances: Balances;
  changeRequest: PendingRequest | null;
  proposal: PendingRequest | null;
  /** R22: the last milestone was released; the client chooses to end the contract or keep it open. */
  endPrompt: boolean;
  /** R25: days the client has to review submitted work (1–30); absent on older contracts: 14. */
  reviewWindowDays?: number;
  /**
   * The length of this contract's day in its deadlines (R25, R27), absent for every contract the API
   * creates (24 h). Set only from the contract workflow's test-only `dayMs` input (domain/review.ts).
   */
  dayMs?: number;
  /** R30: the offer this contract started as; absent on contracts created before offers. */
  offer?: Offer;
  /**
   * R31: the payment provider that carries this contract's money, recorded at creation from the API's
   * configuration; absent: the ledger alone (the embedded default), and nothing crosses the boundary.
   */
  payments?: 'stripe';
  /** R31: a deposit the provider accepted and confirms later; the milestone is funded only then. */
  pendingDeposit?: PendingDeposit;
}

/** R31: a charge accepted and confirmed later (a bank debit), and what its confirmation funds. */
export interface PendingDeposit {
  /** The charge's key (the funding's deposit entry): the provider's webhook names it. */
  key: string;
  milestoneId: string;
  /** Escrow it funds, the part of it paid (the rest came from project funds) and the fee inside the charge. */
  needCents: number;
  paidCents: number;
  feeCents: number;
}

export interface CreateContract {
  contractId: string;
  clientId: string;
  freelancerId: string;
  title: string;
  initiationFeeCents?: number;
  /** R25: 1 to 30 days; 14 when absent. */
  reviewWindowDays?: number;
  /** A platform key that sent it for the client (`platform:<key>`); the history names both. */
  via?: string;
  /** R30: the offer's milestones and expiry. Every new contract carries one (the create validator says so). */
  offer?: OfferTerms;
  /** R31: the payment provider the API is configured with; absent or `ledger`: the ledger alone. */
  payments?: 'ledger' | 'stripe';
}

/** R1: exactly one client and one freelancer, and they are different parties. */
export function createContract(cmd: CreateContract, now: string): ContractState {
  for (const [field, id] of [['contractId', cmd.contractId], ['clientId', cmd.clientId], ['freelancerId', cmd.freelancerId]] as const) {
    assertId(id, field);
  }
  assertText(cmd.title, { field: 'title', max: LIMITS.contractTitle, required: true, code: 'INVALID_TITLE', rule: 'R1' });
  assertNotTextRef(cmd.title, 'title', 'createContract');
  assertReadableText(cmd.title, 'title', 'createContract');
  if (cmd.clientId === cmd.freelancerId) refuse('SAME_PARTY', 'R1', 'the client and the freelancer must be different parties');
  if (cmd.reviewWindowDays !== undefined) assertReviewWindowDays(cmd.reviewWindowDays);
  if (cmd.payments !== undefined && cmd.payments !== 'ledger' && cmd.payments !== 'stripe') {
    refuse('INVALID_PAYMENTS', 'R31', 'payments is ledger or stripe');
  }
  const fee = cmd.initiationFeeCents ?? DEFAULT_INITIATION_FEE_CENTS;
  if (!Number.isSafeInteger(fee) || fee < 0 || fee > MAX_FEE_CENTS) {
    refuse('INVALID_FEE', 'R9', 'the initiation fee is a whole number of cents between 0 and 100000');
  }
  return {
    id: cmd.contractId,
    clientId: cmd.clientId,
    freelancerId: cmd.freelancerId,
    title: cmd.title,
    status: 'open',
    createdAt: now,
    seq: 1,
    initiationFeeCents: fee,
    feeCharged: false,
    milestones: [],
    nextMilestoneNo: 1,
    nextRequestNo: 1,
    balances: { depositsCents: 0, feesCents: 0, releasesCents: 0, refundsCents: 0, escrowCents: 0, projectFundsCents: 0 },
    changeRequest: null,
    proposal: null,
    endPrompt: false,
    reviewWindowDays: cmd.reviewWindowDays ?? DEFAULT_REVIEW_WINDOW_DAYS,
    ...(cmd.payments === 'stripe' ? { payments: 'stripe' as const } : {}), // absent otherwise: histories stay as they were
  };
}

export const roleOf = (state: ContractState, userId: string): Role | null =>
  userId === state.clientId ? 'client' : userId === state.freelancerId ? 'freelancer' : null;

/** Whether this request (a change request or a proposal) is still pending on the contract. */
export const isRequestPending = (state: ContractState | undefined, requestId: string): boolean =>
  state?.changeRequest?.id === requestId || state?.proposal?.id === requestId;

export const currentMilestone = (state: ContractState): Milestone | undefined => state.milestones.find(isCurrent);

/**
 * R17, R27: what the client must still fund on the current milestone — its amount, less what escrow holds
 * for it and what was refunded from it by consent (that part of the price was settled in the client's
 * favour). The one formula: the approval's automatic cover from project funds, the shortfall notice, the
 * top-up by /fund, the refusal of a full release, the read model and the views all use it.
 */
export const shortfallOf = (m: Pick<Milestone, 'state' | 'amountCents' | 'fundedCents' | 'refundedCents'>): number =>
  (isCurrent(m) ? Math.max(0, m.amountCents - m.fundedCents - (m.refundedCents ?? 0)) : 0);

/** R10, R6, R12, R2: asserted after every transition; a breach is a bug, never a user error. */
export function assertInvariants(s: ContractState): void {
  const b = s.balances;
  const fail = (what: string): never => {
    throw new Error(`invariant broken on contract ${s.id}: ${what}`);
  };
  for (const [k, v] of Object.entries(b)) if (!Number.isSafeInteger(v) || v < 0) fail(`${k} = ${v}`);
  if (b.depositsCents !== b.feesCents + b.releasesCents + b.refundsCents + b.escrowCents + b.projectFundsCents) {
    fail('deposits != fees + releases + refunds + escrow + project funds (R10)');
  }
  const current = s.milestones.filter(isCurrent);
  if (current.length > 1) fail('more than one funded milestone (R6)');
  const held = current.reduce((sum, m) => sum + m.fundedCents, 0);
  if (held !== b.escrowCents) fail(`escrow ${b.escrowCents} != funded current milestone ${held}`);
  const rank = { released: 0, refunded: 0, active: 1, submitted: 1, pending: 2 } as const;
  for (let i = 1; i < s.milestones.length; i++) {
    if (rank[s.milestones[i - 1]!.state] > rank[s.milestones[i]!.state]) fail('a pending milestone precedes a funded or released one (R12)');
  }
  if (s.milestones.length > MAX_MILESTONES) fail('more than 200 milestones (R2)');
  for (const m of s.milestones) {
    if (m.releasedCents > m.fundedCents) fail(`milestone ${m.id} released more than it was funded (R5)`);
  }
}

/** The contract without its milestone list: what travels in update results and persistence records,
 * which would otherwise carry all 200 milestones through history on every command. */
export type ContractSummary = Omit<ContractState, 'milestones'> & { milestoneCount: number };

export function summarize(state: ContractState): ContractSummary {
  const { milestones, ...rest } = state;
  return { ...rest, milestoneCount: milestones.length };
}

/** Milestones that are new or differ between two states (order changes are carried separately). */
export function changedMilestones(before: ContractState | undefined, after: ContractState): Milestone[] {
  const old = new Map((before?.milestones ?? []).map((m) => [m.id, JSON.stringify(m)]));
  return after.milestones.filter((m) => old.get(m.id) !== JSON.stringify(m));
}
