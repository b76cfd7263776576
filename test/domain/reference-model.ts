// A small reference model of the money, milestone and request rules, written again from docs/rules.md and
// independently of domain/, for the property-based and continue-as-new tests. It answers: is this
// command accepted (and if not, with which code), and what are the balances, milestones, shortfalls,
// pending requests and the end-or-keep-open prompt afterwards? One thing it takes from domain/ on
// purpose: the shortfall formula (R17, R27), which the product keeps in exactly one place.
import { shortfallOf } from '../../domain/contract.js';

const MIN_AMOUNT = 500; // R4
const MAX_AMOUNT = 100_000_000; // R4
const MAX_MILESTONES = 200; // R2

/**
 * A milestone patch as the generator draws it. The amount is relative to the milestone it changes
 * (permille of its amount), so one draw means "raise by half" whatever the milestone costs.
 */
export interface PatchSpec {
  amountPermille?: number;
  title?: string;
}

/** 'seen' answers the request's current version; 'stale' one the party did not see (R16). */
export type VersionSpec = 'seen' | 'stale';

export type ProposalOpSpec =
  | { op: 'add'; amountCents: number }
  | { op: 'edit'; index: number; patch: PatchSpec }
  | { op: 'delete'; index: number }
  /** An edit of the funded milestone, which a proposal may never touch (R20). */
  | { op: 'editCurrent' };

export type ModelCommand =
  | { type: 'add'; amountCents: number }
  | { type: 'delete'; index: number }
  | { type: 'fund' }
  | { type: 'submit' }
  /** No permille: "release in full", without an amount. `ofAmount`: permille of the price rather than of what is funded. */
  | { type: 'release'; permille?: number; ofAmount?: boolean }
  /** No permille: withdraw all unused project funds. */
  | { type: 'withdraw'; permille?: number }
  | { type: 'end' }
  | { type: 'keepOpen' }
  | { type: 'requestChange'; on: 'current' | 'pending'; patch: PatchSpec; featureEnabled: boolean }
  /** `stale`: names a request id that is not the pending one. */
  | { type: 'editChange'; stale: boolean; patch: PatchSpec }
  /** `later`: the request workflow reports the outcome at a later `deliver` step, not at once. */
  | { type: 'withdrawChange'; stale: boolean; later: boolean }
  | { type: 'answerChange'; approve: boolean; version: VersionSpec; later: boolean }
  | { type: 'propose'; ops: ProposalOpSpec[] }
  | { type: 'withdrawProposal'; later: boolean }
  | { type: 'answerProposal'; accept: boolean; version: VersionSpec; later: boolean }
  /** The oldest outcome still on its way from a request workflow arrives. */
  | { type: 'deliver' }
  /** Seven days pass on the pending change request (R19). */
  | { type: 'expire' }
  // Revisions (R26), disputes (R28), refunds with consent (R27), the contract's timers (R25, R27).
  | { type: 'revise' }
  | { type: 'dispute'; by: 'client' | 'freelancer' }
  /** An operator resolves the open dispute; a split releases `permille` of what is held, the rest is refunded. */
  | { type: 'resolve'; outcome: 'release' | 'refund' | 'split'; permille: number }
  /** No permille: all of what is held. */
  | { type: 'refund'; permille?: number }
  | { type: 'answerRefund'; accept: boolean; stale: boolean }
  /** Time passes to the contract's next deadline: a refund lapses, the review reminder, the automatic release. */
  | { type: 'elapse' }
  // Offers (R30): sent with milestones titled 'M' (the first deposited), then accepted, or closed unaccepted
  // (declined, withdrawn or expired: everything deposited goes back, the fee included).
  | { type: 'offer'; amounts: number[] }
  | { type: 'acceptOffer' }
  | { type: 'closeOffer' };

// Translations from a drawn command to concrete values, shared with the test's translation to domain
// commands so both sides read a draw the same way.
export const pick = <T>(list: T[], index: number): T | undefined => list[index % Math.max(1, list.length)];
export const amountFrom = (base: number, permille: number): number => Math.floor((base * permille) / 1000);
export const versionFor = (edits: number, spec: VersionSpec): number => (spec === 'seen' ? edits : edits > 0 ? edits - 1 : edits + 1);
export function patchValues(spec: PatchSpec, baseAmount: number | undefined): { title?: string; amountCents?: number } {
  return {
    ...(spec.title === undefined ? {} : { title: spec.title }),
    ...(spec.amountPermille === undefined ? {} : { amountCents: amountFrom(baseAmount ?? 1000, spec.amountPermille) }),
  };
}

export type State = 'pending' | 'active' | 'submitted' | 'released' | 'refunded';

interface M {
  id: string;
  title: string;
  amount: number;
  funded: number;
  released: number;
  st: State;
  /** R26: revision rounds. */
  rounds?: number;
  /** R27, R28: escrow returned to the client. */
  refunded?: number;
  /** R27: the amount of the pending refund request. */
  refund?: number | null;
  /** R28: an open dispute. */
  disputed?: boolean;
  /** R25: the reminder of the running review window was sent. */
  reminded?: boolean;
}

type Patch = { title?: string; amountCents?: number };
type PlanOp = { op: 'add'; amount: number } | { op: 'edit'; id: string; patch: Patch } | { op: 'delete'; id: string };
type Outcome = 'approved' | 'rejected' | 'withdrawn' | 'expired';

/** A pending change request (on `milestone`) or proposal (`ops`). Requests are compared by identity. */
export interface Request {
  kind: 'change' | 'proposal';
  milestone?: M;
  patch?: Patch;
  ops?: PlanOp[];
  edits: number;
  /** A decision is on its way to the request workflow: no edit, no second decision (R16). */
  deciding: boolean;
}

const isCurrent = (m: M): boolean => m.st === 'active' || m.st === 'submitted';

export class ReferenceModel {
  ms: M[] = [];
  projectFunds = 0;
  escrow = 0;
  deposits = 0;
  fees = 0;
  releases = 0;
  refunds = 0;
  feeCharged = false;
  ended = false;
  /** R30: an offer the freelancer has not answered: nothing but the offer's own commands. */
  offered = false;
  /** R22: the contract waits for "end or keep open". */
  prompt = false;
  /** R22: the last step released the last remaining milestone and returned the prompt. */
  prompted = false;
  /** Why the last command was refused; null when it was accepted. */
  refusal: string | null = null;
  change: Request | null = null;
  proposal: Request | null = null;
  /** Outcomes reported by request workflows that have not reached the contract yet. */
  private inFlight: { req: Request; outcome: Outcome }[] = [];
  private no = 1;

  constructor(readonly fee: number) {}

  current = (): M | undefined => this.ms.find(isCurrent);
  pending = (): M[] => this.ms.filter((m) => m.st === 'pending');

  /** R17, R27: what the client must still fund on the current milestone (the product's one formula). */
  shortfall = (m: M): number =>
    (isCurrent(m) ? shortfallOf({ state: 'active', amountCents: m.amount, fundedCents: m.funded, refundedCents: m.refunded ?? 0 }) : 0);

  /**
   * Applies a command; false when the rules refuse it (nothing changes, `refusal` says why). For
   * `deliver` and `expire`, false means there was nothing left to resolve.
   */
  apply(c: ModelCommand): boolean {
    this.prompted = false;
    this.refusal = null;
    if (c.type === 'deliver') return this.deliver();
    if (c.type === 'expire') return this.expire();
    if (c.type === 'elapse') return !this.ended && this.elapse();
    // Malformed values are refused before anything about the contract is read, even on an ended one.
    const refusal = this.malformed(c) ?? (this.ended ? 'CONTRACT_ENDED' : undefined) ?? this.offerGate(c) ?? this.step(c); // R3, R30
    this.refusal = refusal ?? null;
    return refusal === undefined;
  }

  balances() {
    return {
      depositsCents: this.deposits,
      feesCents: this.fees,
      releasesCents: this.releases,
      refundsCents: this.refunds,
      escrowCents: this.escrow,
      projectFundsCents: this.projectFunds,
    };
  }

  // ---- field checks (R4) ----

  private malformed(c: ModelCommand): string | undefined {
    const cur = this.current();
    switch (c.type) {
      case 'add':
        return badAmount(c.amountCents);
      case 'release':
        if (c.permille === undefined) return undefined;
        return amountFrom((c.ofAmount ? cur?.amount : cur?.funded) ?? 0, c.permille) > 0 ? undefined : 'AMOUNT_NOT_CENTS';
      case 'withdraw':
        return c.permille === undefined || amountFrom(this.projectFunds, c.permille) > 0 ? undefined : 'AMOUNT_NOT_CENTS';
      case 'requestChange':
        return badPatch(patchValues(c.patch, this.target(c.on)?.amount));
      case 'editChange':
        return badPatch(patchValues(c.patch, cur?.amount));
      case 'propose':
        return this.proposalOps(c.ops).map(badOp).find((code) => code !== undefined);
      case 'refund':
        return c.permille === undefined || amountFrom(cur?.funded ?? 0, c.permille) > 0 ? undefined : 'AMOUNT_NOT_CENTS';
      default:
        return undefined;
    }
  }

  // ---- commands ----

  /** Returns the refusal code, or nothing when the command was applied. */
  /** R30: before acceptance only the offer's commands; after it, they are over. */
  private offerGate(c: ModelCommand): string | undefined {
    const own = c.type === 'acceptOffer' || c.type === 'closeOffer';
    if (this.offered) return own ? undefined : 'OFFER_NOT_ACCEPTED';
    return own ? 'OFFER_ALREADY_ACCEPTED' : undefined;
  }

  private step(c: Exclude<ModelCommand, { type: 'deliver' | 'expire' | 'elapse' }>): string | undefined {
    switch (c.type) {
      case 'offer': {
        const planned = this.plan(c.amounts.map((amount) => ({ op: 'add' as const, amount })));
        if (planned !== undefined) return planned;
        this.offered = true;
        return this.fundNext();
      }
      case 'acceptOffer':
        this.offered = false;
        return undefined;
      case 'closeOffer': {
        const cur = this.current();
        if (cur) {
          cur.refunded = (cur.refunded ?? 0) + cur.funded;
          cur.st = 'refunded';
          this.escrow -= cur.funded;
          this.refunds += cur.funded;
        }
        this.refunds += this.fees + this.projectFunds;
        this.fees = 0;
        this.projectFunds = 0;
        this.offered = false;
        this.ended = true;
        return undefined;
      }
      case 'add':
        return this.proposal ? 'PROPOSAL_PENDING' : this.plan([{ op: 'add', amount: c.amountCents }]); // R21
      case 'delete':
        return this.proposal ? 'PROPOSAL_PENDING' : this.plan([{ op: 'delete', id: pick(this.pending(), c.index)?.id ?? 'none' }]);
      case 'fund':
        return this.proposal ? 'PROPOSAL_PENDING' : this.fundNext();
      case 'submit':
        return this.submit();
      case 'release':
        return this.release(c.permille, c.ofAmount === true);
      case 'withdraw':
        return this.withdraw(c.permille);
      case 'end':
        return this.end();
      case 'keepOpen':
        if (!this.prompt) return 'NOTHING_TO_DECIDE';
        this.prompt = false;
        return undefined;
      case 'requestChange':
        return this.requestChange(c.on, c.patch, c.featureEnabled);
      case 'editChange':
        return this.editChange(c.stale, c.patch);
      case 'withdrawChange':
        if (!this.change || c.stale) return 'NO_PENDING_CHANGE_REQUEST';
        return this.forward(this.change, 'withdrawn', c.later);
      case 'answerChange':
        if (!this.change) return 'NO_PENDING_CHANGE_REQUEST';
        if (versionFor(this.change.edits, c.version) !== this.change.edits) return 'CHANGE_REQUEST_CHANGED'; // R16
        return this.forward(this.change, c.approve ? 'approved' : 'rejected', c.later);
      case 'propose':
        return this.propose(c.ops);
      case 'withdrawProposal':
        return this.proposal ? this.forward(this.proposal, 'withdrawn', c.later) : 'NO_PENDING_PROPOSAL';
      case 'answerProposal': {
        if (!this.proposal) return 'NO_PENDING_PROPOSAL';
        if (versionFor(this.proposal.edits, c.version) !== this.proposal.edits) return 'CHANGE_REQUEST_CHANGED'; // R16
        const plan = c.accept ? this.planWith(this.proposal.ops!) : undefined; // it must still apply
        if (typeof plan === 'string') return plan;
        return this.forward(this.proposal, c.accept ? 'approved' : 'rejected', c.later);
      }
      case 'revise':
        return this.revise();
      case 'dispute':
        return this.dispute();
      case 'resolve':
        return this.resolveDispute(c.outcome, c.permille);
      case 'refund':
        return this.askRefund(c.permille);
      case 'answerRefund':
        return this.answerRefund(c.accept, c.stale);
    }
  }

  // ---- review window, revisions, refunds, disputes (R25–R28) ----

  /** R26: submitted work goes back to active; the window stops. */
  private revise(): string | undefined {
    const cur = this.current();
    if (!cur) return 'MILESTONE_NOT_FOUND';
    if (cur.st !== 'submitted') return 'MILESTONE_NOT_SUBMITTED';
    if (cur.disputed) return 'MILESTONE_DISPUTED';
    cur.st = 'active';
    cur.rounds = (cur.rounds ?? 0) + 1;
    return undefined;
  }

  /** R28: freezes the milestone; a pending refund or change request on it is canceled. */
  private dispute(): string | undefined {
    const cur = this.current();
    if (!cur) return 'MILESTONE_NOT_FOUND';
    if (cur.disputed) return 'DISPUTE_OPEN';
    cur.disputed = true;
    cur.refund = null;
    this.cancelChangeOn(cur);
    return undefined;
  }

  private resolveDispute(outcome: 'release' | 'refund' | 'split', permille: number): string | undefined {
    const cur = this.current();
    if (!cur) return 'MILESTONE_NOT_FOUND';
    if (!cur.disputed) return 'NO_OPEN_DISPUTE';
    const release = outcome === 'release' ? cur.funded : outcome === 'refund' ? 0 : amountFrom(cur.funded, permille);
    cur.disputed = false;
    this.settle(cur, release, cur.funded - release);
    return undefined;
  }

  /** R27: one pending request per milestone, never on frozen money. */
  private askRefund(permille: number | undefined): string | undefined {
    const cur = this.current();
    if (!cur) return 'MILESTONE_NOT_FOUND';
    if (cur.disputed) return 'MILESTONE_DISPUTED';
    if (cur.refund) return 'REFUND_PENDING';
    if (this.change?.milestone === cur) return 'CHANGE_REQUEST_PENDING'; // R27 beside R15: one negotiation at a time
    cur.refund = permille === undefined ? cur.funded : amountFrom(cur.funded, permille);
    return undefined;
  }

  /** R27: accepted, the amount leaves escrow (all of it: the milestone ends refunded); declined, nothing moves. */
  private answerRefund(accept: boolean, stale: boolean): string | undefined {
    const cur = this.current();
    if (!cur) return 'MILESTONE_NOT_FOUND';
    if (!cur.refund || stale) return 'NO_PENDING_REFUND';
    const amount = cur.refund;
    cur.refund = null;
    if (!accept) return undefined;
    if (amount >= cur.funded) {
      this.settle(cur, 0, cur.funded);
      return undefined;
    }
    cur.funded -= amount;
    cur.refunded = (cur.refunded ?? 0) + amount;
    this.escrow -= amount;
    this.refunds += amount;
    return undefined;
  }

  /** The earliest deadline: a refund lapses (7 days) before the reminder (13) and the automatic release (14). */
  private elapse(): boolean {
    const cur = this.current();
    if (!cur) return false;
    if (cur.refund) {
      cur.refund = null;
      return true;
    }
    if (cur.st !== 'submitted' || cur.disputed) return false;
    if (!cur.reminded) {
      cur.reminded = true;
      return true;
    }
    this.settle(cur, cur.funded, 0);
    return true;
  }

  /** The escrow leaves the milestone for good (R5, R8, R27, R28); what is left goes to project funds. */
  private settle(m: M, release: number, refund: number): void {
    m.released = release;
    if (refund > 0) m.refunded = (m.refunded ?? 0) + refund;
    m.st = release === 0 && refund > 0 ? 'refunded' : 'released';
    m.refund = null;
    this.escrow -= m.funded;
    this.releases += release;
    this.refunds += refund;
    this.projectFunds += m.funded - release - refund;
    this.cancelChangeOn(m); // R18
    if (this.pending().length === 0) {
      this.prompt = true;
      this.prompted = true;
    }
  }

  /** R6, R7, R9: activate the next pending milestone, or top up the current one's shortfall (R17). */
  private fundNext(): string | undefined {
    const cur = this.current();
    if (cur) {
      if (this.shortfall(cur) === 0) return 'MILESTONE_ALREADY_FUNDED';
      if (cur.disputed) return 'MILESTONE_DISPUTED'; // R28
      this.hold(cur, this.shortfall(cur));
      return undefined;
    }
    const next = this.pending()[0];
    if (!next) return 'NO_PENDING_MILESTONE';
    next.st = 'active';
    this.hold(next, next.amount);
    this.prompt = false;
    return undefined;
  }

  /** R7: project funds first, then a deposit; R9: the initiation fee with the first funding only. */
  private hold(m: M, need: number): void {
    const fromFunds = Math.min(this.projectFunds, need);
    const fee = this.feeCharged ? 0 : this.fee;
    this.feeCharged = true;
    this.deposits += need - fromFunds + fee;
    this.fees += fee;
    this.projectFunds -= fromFunds;
    this.escrow += need;
    m.funded += need;
  }

  private submit(): string | undefined {
    const cur = this.current();
    if (!cur) return 'MILESTONE_NOT_FOUND'; // the test names no milestone when none is funded
    if (cur.st !== 'active') return 'MILESTONE_NOT_ACTIVE';
    if (cur.disputed) return 'MILESTONE_DISPUTED'; // R28
    cur.st = 'submitted';
    cur.reminded = false; // R25: a new window
    this.cancelChangeOn(cur); // R18
    return undefined;
  }

  /** R5, R8, R17, R22. */
  private release(permille: number | undefined, ofAmount: boolean): string | undefined {
    const cur = this.current();
    if (!cur) return 'MILESTONE_NOT_FOUND';
    // R17: "release in full" would pay the old price for the new terms; an explicit amount is honest.
    if (permille === undefined && this.shortfall(cur) > 0) return 'SHORTFALL_UNFUNDED';
    const amount = permille === undefined ? cur.funded : amountFrom(ofAmount ? cur.amount : cur.funded, permille);
    if (amount > cur.funded) return 'RELEASE_EXCEEDS_FUNDED';
    if (cur.disputed) return 'MILESTONE_DISPUTED'; // R28
    // R27: a release may not take what a pending refund asks for; one that leaves it closes the request.
    if (cur.refund && amount > cur.funded - cur.refund) return 'REFUND_PENDING';
    this.settle(cur, amount, 0);
    return undefined;
  }

  /** R23: unused project funds only, never escrow. */
  private withdraw(permille: number | undefined): string | undefined {
    if (this.projectFunds === 0) return 'NO_PROJECT_FUNDS';
    const amount = permille === undefined ? this.projectFunds : amountFrom(this.projectFunds, permille);
    this.projectFunds -= amount;
    this.refunds += amount;
    return undefined;
  }

  /** R23: only with nothing funded; unused project funds go back to the client. */
  private end(): string | undefined {
    if (this.proposal) return 'PROPOSAL_PENDING'; // R21
    if (this.current()) return 'MILESTONE_IN_PROGRESS';
    this.refunds += this.projectFunds;
    this.projectFunds = 0;
    this.ended = true;
    this.prompt = false;
    return undefined;
  }

  // ---- change requests (R14–R19) ----

  private target(on: 'current' | 'pending'): M | undefined {
    return on === 'current' ? this.current() : this.pending()[0];
  }

  private requestChange(on: 'current' | 'pending', spec: PatchSpec, featureEnabled: boolean): string | undefined {
    if (!featureEnabled) return 'FEATURE_NOT_ENABLED'; // R14
    if (this.proposal) return 'PROPOSAL_PENDING'; // R21
    const m = this.target(on);
    if (!m) return 'MILESTONE_NOT_FOUND';
    if (m.st === 'submitted') return 'WORK_ALREADY_SUBMITTED'; // R15
    if (m.st !== 'active') return 'MILESTONE_NOT_ACTIVE';
    if (m.disputed) return 'MILESTONE_DISPUTED'; // R28
    if (m.refunded) return 'MILESTONE_PARTLY_REFUNDED'; // R27: its terms are settled
    if (this.change) return 'CHANGE_REQUEST_PENDING'; // R15: one at a time
    if (m.refund) return 'REFUND_PENDING'; // R27: the freelancer is answering a refund first
    const patch = patchValues(spec, m.amount);
    if (!changesSomething(m, patch)) return 'EMPTY_CHANGE';
    this.change = { kind: 'change', milestone: m, patch, edits: 0, deciding: false };
    return undefined;
  }

  /** R16: an edit replaces the terms and raises the version; not once a decision is on its way. */
  private editChange(stale: boolean, spec: PatchSpec): string | undefined {
    const req = this.change;
    if (!req || stale) return 'NO_PENDING_CHANGE_REQUEST';
    if (req.deciding) return 'CHANGE_REQUEST_BEING_DECIDED';
    const patch = patchValues(spec, req.milestone!.amount);
    if (!changesSomething(req.milestone!, patch)) return 'EMPTY_CHANGE';
    req.patch = patch;
    req.edits += 1;
    return undefined;
  }

  /** The request workflow decides; its outcome reaches the contract now or at a later `deliver`. */
  private forward(req: Request, outcome: Outcome, later: boolean): string | undefined {
    if (req.deciding) return 'DECISION_IN_FLIGHT';
    req.deciding = true;
    if (later) this.inFlight.push({ req, outcome });
    else this.resolve(req, outcome);
    return undefined;
  }

  private deliver(): boolean {
    const next = this.inFlight.shift();
    return next !== undefined && this.resolve(next.req, next.outcome);
  }

  /** R19: a decision already on its way wins over the timer. */
  private expire(): boolean {
    return this.change !== null && !this.change.deciding && this.resolve(this.change, 'expired');
  }

  /** R18: submitting or releasing cancels the pending request; a later outcome for it finds nothing. */
  private cancelChangeOn(m: M): void {
    if (this.change?.milestone === m) this.change = null;
  }

  /** False when the request is no longer pending (canceled meanwhile): nothing changes. */
  private resolve(req: Request, outcome: Outcome): boolean {
    if (req === this.change) {
      this.change = null;
      if (outcome === 'approved') this.applyChange(req.milestone!, req.patch!);
      return true;
    }
    if (req === this.proposal) {
      this.proposal = null;
      const plan = outcome === 'approved' ? this.planWith(req.ops!) : undefined;
      if (typeof plan === 'object') this.adopt(plan);
      return true;
    }
    return false;
  }

  /**
   * R17: a decrease returns the excess escrow to project funds; an increase takes what project funds
   * can give, and the rest is the milestone's shortfall for the client to fund.
   */
  private applyChange(m: M, patch: Patch): void {
    if (patch.title !== undefined) m.title = patch.title;
    if (patch.amountCents !== undefined) m.amount = patch.amountCents;
    const owed = Math.max(0, m.amount - (m.refunded ?? 0));
    if (m.funded > owed) {
      const back = m.funded - owed;
      m.funded -= back;
      this.escrow -= back;
      this.projectFunds += back;
    }
    const cover = Math.min(this.projectFunds, this.shortfall(m));
    m.funded += cover;
    this.escrow += cover;
    this.projectFunds -= cover;
  }

  // ---- plans and proposals (R11, R20, R21) ----

  /** The drawn proposal as plan operations on this contract's milestones. */
  private proposalOps(specs: ProposalOpSpec[]): PlanOp[] {
    const pending = this.pending();
    return specs.map((o): PlanOp => {
      switch (o.op) {
        case 'add':
          return { op: 'add', amount: o.amountCents };
        case 'edit': {
          const m = pick(pending, o.index);
          return { op: 'edit', id: m?.id ?? 'none', patch: patchValues(o.patch, m?.amount) };
        }
        case 'delete':
          return { op: 'delete', id: pick(pending, o.index)?.id ?? 'none' };
        case 'editCurrent':
          return { op: 'edit', id: this.current()?.id ?? 'none', patch: { title: 'N' } };
      }
    });
  }

  private propose(specs: ProposalOpSpec[]): string | undefined {
    if (this.proposal) return 'PROPOSAL_PENDING'; // R21: one at a time
    const ops = this.proposalOps(specs);
    const plan = this.planWith(ops);
    if (typeof plan === 'string') return plan; // MILESTONE_NOT_PENDING: never the funded milestone (R20)
    // The rules are silent on a proposal that changes nothing; the product sends it (savePlan would refuse
    // the same batch as EMPTY_BATCH), and so does the model until that is decided.
    this.proposal = { kind: 'proposal', ops, edits: 0, deciding: false };
    return undefined;
  }

  private plan(ops: PlanOp[]): string | undefined {
    const plan = this.planWith(ops);
    if (typeof plan === 'string') return plan;
    this.adopt(plan);
    return undefined;
  }

  private adopt(plan: { ms: M[]; no: number; added: boolean }): void {
    this.ms = plan.ms;
    this.no = plan.no;
    if (plan.added) this.prompt = false; // R22: more work planned after all
  }

  /**
   * A batch on the pending milestones, all or nothing (R11); funded and released ones never change
   * (R5, R12) and keep their objects, which a pending change request points to.
   */
  private planWith(ops: PlanOp[]): { ms: M[]; no: number; added: boolean } | string {
    const fixed = this.ms.filter((m) => m.st !== 'pending');
    let pending = this.pending().map((m) => ({ ...m }));
    let no = this.no;
    for (const op of ops) {
      if (op.op === 'add') {
        pending.push({ id: `m${no++}`, title: 'M', amount: op.amount, funded: 0, released: 0, st: 'pending' });
        continue;
      }
      const m = pending.find((p) => p.id === op.id);
      if (!m) return fixed.some((f) => f.id === op.id) ? 'MILESTONE_NOT_PENDING' : 'MILESTONE_NOT_FOUND';
      if (op.op === 'delete') pending = pending.filter((p) => p !== m);
      else {
        if (op.patch.title !== undefined) m.title = op.patch.title;
        if (op.patch.amountCents !== undefined) m.amount = op.patch.amountCents;
      }
    }
    if (fixed.length + pending.length > MAX_MILESTONES) return 'MILESTONE_LIMIT';
    return { ms: [...fixed, ...pending], no, added: no > this.no };
  }
}

const badAmount = (cents: number): string | undefined =>
  cents < MIN_AMOUNT ? 'AMOUNT_TOO_SMALL' : cents > MAX_AMOUNT ? 'AMOUNT_TOO_LARGE' : undefined;
const badPatch = (p: Patch): string | undefined => (p.amountCents === undefined ? undefined : badAmount(p.amountCents));
const badOp = (op: PlanOp): string | undefined => (op.op === 'add' ? badAmount(op.amount) : op.op === 'edit' ? badPatch(op.patch) : undefined);
const changesSomething = (m: M, p: Patch): boolean =>
  (p.title !== undefined && p.title !== m.title) || (p.amountCents !== undefined && p.amountCents !== m.amount);
