// R30 offers: a contract starts as the client's offer to a named freelancer, with its milestones and the
// first one deposited (held in escrow, the initiation fee charged as for a first funding). Until the
// freelancer accepts, nothing else happens; a decline, a withdrawal or the expiry returns every cent
// deposited, fee included. Pure: the contract workflow keeps the expiry as one of its deadlines.
import type { ContractState, CreateContract } from './contract.js';
import { refuse } from './errors.js';
import type { Milestone } from './milestone.js';
import { type PlanDiff, type PlanOp, applyPlan } from './plan.js';
import { dayMsOf } from './review.js';
import { Builder, type Transition, clone } from './transition.js';

export const DEFAULT_OFFER_EXPIRY_DAYS = 7;
export const MIN_OFFER_EXPIRY_DAYS = 1;
export const MAX_OFFER_EXPIRY_DAYS = 30;

/** A milestone as an offer names it; the first is deposited when the offer is sent. */
export interface OfferMilestone {
  title: string;
  description?: string;
  dueDate?: string | null;
  amountCents: number;
}

/** What a create carries to make the contract an offer; a create without it is a contract from before offers. */
export interface OfferTerms {
  milestones: OfferMilestone[];
  /** 1 to 30 days from sending; 7 when absent. */
  expiresInDays?: number;
}

export type OfferState = 'pending' | 'accepted' | 'declined' | 'withdrawn' | 'expired';

/** The offer on the contract's state: the version the freelancer must name, the expiry, and how it ended. */
export interface Offer {
  /** Raised by each edit; an acceptance or a decline names the version it answers (as R16). */
  version: number;
  state: OfferState;
  sentAt: string;
  expiresAt: string;
  /** When and by whom it was accepted, declined, withdrawn or expired (`system`). */
  decidedAt: string | null;
  decidedBy: string | null;
}

export type OfferCommand =
  | { type: 'editOffer'; milestones?: OfferMilestone[]; expiresInDays?: number }
  | { type: 'withdrawOffer' }
  | { type: 'acceptOffer'; version?: number }
  | { type: 'declineOffer'; version?: number };

export type OfferCommandType = OfferCommand['type'];
export const OFFER_COMMANDS: readonly OfferCommandType[] = ['editOffer', 'withdrawOffer', 'acceptOffer', 'declineOffer'];
const isOfferCommand = (type: string): type is OfferCommandType => (OFFER_COMMANDS as readonly string[]).includes(type);

export function assertOfferExpiryDays(days: unknown): void {
  const [min, max] = [MIN_OFFER_EXPIRY_DAYS, MAX_OFFER_EXPIRY_DAYS];
  if (typeof days !== 'number' || !Number.isSafeInteger(days) || days < min || days > max) {
    refuse('INVALID_OFFER_EXPIRY', 'R30', `an offer expires after a whole number of days from ${min} to ${max}`);
  }
}

/** The offer's milestones as the batch that plans them, so R2, R4, R11 and R13 check them as they check a plan. */
export const offerOps = (milestones: OfferMilestone[]): PlanOp[] => milestones.map((m) => ({ op: 'add', ...m }));

/** Fields first, as every command's (domain/validate.ts): a list of 1 or more milestones, an expiry in range. */
export function validateOfferTerms(terms: { milestones?: unknown; expiresInDays?: unknown }, required: boolean): void {
  if (terms.milestones === undefined && required) refuse('OFFER_MILESTONES_REQUIRED', 'R30', 'an offer names its milestones; the first is deposited');
  if (terms.milestones !== undefined && (!Array.isArray(terms.milestones) || terms.milestones.length === 0)) {
    refuse('OFFER_MILESTONES_REQUIRED', 'R30', 'an offer names at least one milestone; the first is deposited');
  }
  if (terms.expiresInDays !== undefined) assertOfferExpiryDays(terms.expiresInDays);
}

const expiryFrom = (s: ContractState, now: string, days: number): string =>
  new Date(Date.parse(now) + days * dayMsOf(s)).toISOString();

/**
 * R30: the new contract as an offer: its milestones planned, the first deposited and held (R7, R9), both
 * parties told. `created` is the contract createContract() made (seq 1); this is its first transition.
 */
export function sendOffer(created: ContractState, cmd: CreateContract & { offer: OfferTerms }, now: string): Transition {
  validateOfferTerms(cmd.offer, true);
  const t = new Builder({ ...clone(created), seq: 0, status: 'offered' });
  const plan = applyPlan([], offerOps(cmd.offer.milestones), 1);
  t.s.milestones = plan.milestones;
  t.s.nextMilestoneNo = plan.nextMilestoneNo;
  t.diff = plan.diff;
  holdFirst(t);
  t.s.offer = {
    version: 1, state: 'pending', sentAt: now,
    expiresAt: expiryFrom(t.s, now, cmd.offer.expiresInDays ?? DEFAULT_OFFER_EXPIRY_DAYS), decidedAt: null, decidedBy: null,
  };
  t.notify('both', 'offer_sent', { diff: plan.diff, version: 1, amountCents: t.s.balances.escrowCents, expiresAt: t.s.offer.expiresAt });
  return t.finish(true);
}

/** The first milestone funded as a first funding is (R7, R9), quietly: the offer's own notice tells it. */
function holdFirst(t: Builder): void {
  const first = t.s.milestones[0]!;
  first.state = 'active';
  t.fund(first, first.amountCents, { quiet: true });
}

/**
 * R30 before acceptance: only the offer's own commands; once accepted, they are over. A closed offer
 * (declined, withdrawn, expired) says how it closed rather than only that the contract ended.
 */
export function assertOfferAllows(s: ContractState, type: string, now: string): void {
  const offer = s.offer;
  if (!isOfferCommand(type)) {
    if (s.status === 'offered') {
      refuse('OFFER_NOT_ACCEPTED', 'R30', 'this contract is an offer the freelancer has not accepted yet; nothing else can happen until they do', 'conflict');
    }
    return;
  }
  if (!offer) refuse('NO_PENDING_OFFER', 'R30', 'this contract was not made as an offer', 'conflict');
  if (offer!.state === 'accepted') refuse('OFFER_ALREADY_ACCEPTED', 'R30', `the offer was accepted at ${offer!.decidedAt}; the contract is open`, 'conflict');
  if (offer!.state !== 'pending') {
    refuse('OFFER_CLOSED', 'R30', `the offer was ${offer!.state} at ${offer!.decidedAt}; everything deposited went back to the client`, 'conflict',
      { offerState: offer!.state });
  }
  // The expiry is owed from its moment on, whether or not its timer has fired yet (a worker may be late).
  if (Date.parse(now) >= Date.parse(offer!.expiresAt)) {
    refuse('OFFER_EXPIRED', 'R30', `the offer expired at ${offer!.expiresAt}; everything deposited goes back to the client`, 'conflict',
      { expiresAt: offer!.expiresAt });
  }
}

/** R30 as R16: an answer to another version is refused, so nobody accepts terms they have not seen. */
function seenVersion(offer: Offer, version: number | undefined): void {
  if (version !== undefined && version !== offer.version) {
    refuse('OFFER_CHANGED', 'R30', `the offer is at version ${offer.version}, not ${version}; review it again`, 'conflict',
      { currentVersion: offer.version });
  }
}

const pending = (t: Builder): Offer => t.s.offer!; // assertOfferAllows ran first

export function acceptOffer(t: Builder, { version }: { version?: number }, now: string, actorId: string): void {
  const offer = pending(t);
  seenVersion(offer, version);
  Object.assign(offer, { state: 'accepted', decidedAt: now, decidedBy: actorId });
  t.s.status = 'open';
  const first = t.s.milestones.find((m) => m.state === 'active');
  t.notify('both', 'offer_accepted', { version: offer.version, ...(first ? { milestone: first, amountCents: first.fundedCents } : {}) });
}

export function declineOffer(t: Builder, { version }: { version?: number }, now: string, actorId: string): void {
  seenVersion(pending(t), version);
  closeOffer(t, 'declined', now, actorId);
}

export const withdrawOffer = (t: Builder, now: string, actorId: string): void => closeOffer(t, 'withdrawn', now, actorId);

/** The expiry's deadline: applied by the system, like the review window's end. */
export function expireOffer(t: Builder, now: string): void {
  closeOffer(t, 'expired', now, 'system');
}

/**
 * R30: the client edits the offer: new milestones (the first deposited again, what it no longer needs
 * refunded) and/or a new expiry counted from the edit. The version rises; the freelancer sees it again.
 */
export function editOffer(t: Builder, cmd: Extract<OfferCommand, { type: 'editOffer' }>, now: string): void {
  validateOfferTerms(cmd, false);
  if (cmd.milestones === undefined && cmd.expiresInDays === undefined) refuse('EMPTY_OFFER_EDIT', 'R30', 'the edit changes nothing on the offer: send milestones, expiresInDays or both');
  const offer = pending(t);
  let diff: PlanDiff | undefined;
  if (cmd.milestones) diff = replaceMilestones(t, cmd.milestones);
  if (cmd.expiresInDays !== undefined) offer.expiresAt = expiryFrom(t.s, now, cmd.expiresInDays);
  offer.version += 1;
  if (diff) t.diff = diff;
  t.notify('both', 'offer_edited', {
    version: offer.version, amountCents: t.s.balances.escrowCents, expiresAt: offer.expiresAt, ...(diff ? { diff } : {}),
  });
}

/**
 * The old milestones go, the new ones come with new ids. The old first milestone's escrow returns to
 * project funds, the new first milestone is funded from them first (R7) and a deposit for the rest (the
 * fee stays charged once, R9); what it does not need goes back to the client.
 */
function replaceMilestones(t: Builder, milestones: OfferMilestone[]): PlanDiff {
  const s = t.s;
  const old = s.milestones;
  const held = old.find((m) => m.state === 'active');
  if (held && held.fundedCents > 0) {
    s.balances.escrowCents -= held.fundedCents;
    s.balances.projectFundsCents += held.fundedCents;
    t.ledger('escrow_return', held.fundedCents, held.id);
  }
  const plan = applyPlan([], offerOps(milestones), s.nextMilestoneNo);
  s.milestones = plan.milestones;
  s.nextMilestoneNo = plan.nextMilestoneNo;
  holdFirst(t);
  if (s.balances.projectFundsCents > 0) t.refund(s.balances.projectFundsCents);
  return { ...plan.diff, deleted: old.map((m: Milestone) => ({ id: m.id, title: m.title })) };
}

/** Everything deposited goes back: the first milestone's escrow, the fee, any project funds (R10 holds). */
function closeOffer(t: Builder, outcome: 'declined' | 'withdrawn' | 'expired', now: string, by: string): void {
  const s = t.s;
  const b = s.balances;
  const offer = s.offer!;
  const held = s.milestones.find((m) => m.state === 'active');
  const returned = b.depositsCents;
  if (held && held.fundedCents > 0) {
    // As a refund in full by consent (R27): the milestone keeps what it was funded with and ends `refunded`.
    const amount = held.fundedCents;
    held.refundedCents = (held.refundedCents ?? 0) + amount;
    held.state = 'refunded';
    b.escrowCents -= amount;
    b.refundsCents += amount;
    t.ledger('refund', amount, held.id);
  }
  if (b.feesCents > 0) {
    const fee = b.feesCents;
    b.feesCents = 0;
    b.refundsCents += fee;
    t.ledger('fee_refund', fee, null);
  }
  if (b.projectFundsCents > 0) t.refund(b.projectFundsCents);
  Object.assign(offer, { state: outcome, decidedAt: now, decidedBy: by });
  s.status = 'ended';
  const decision = outcome === 'expired'
    ? { decision: { by: 'system', operator: false, reason: `no answer by ${offer.expiresAt}` } }
    : {};
  t.notify('both', `offer_${outcome}`, { version: offer.version, amountCents: returned, ...decision });
}
