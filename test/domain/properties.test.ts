// Property-based: random command sequences (plans, funding, work, releases, withdrawals, change requests
// and proposals with their decisions, expiries and auto-cancels; revisions, disputes and their operator
// resolutions, refunds with consent, and the contract's timers: refund lapse, review reminder, automatic
// release) against the domain and the reference
// model. After every step both agree on acceptance and the refusal's code, balances, milestones and
// shortfalls, pending requests and the R22 prompt; the ledger explains the balances and the R10
// invariants hold.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RequestOutcome } from '../../domain/change-request.js';
import { type Command, type Decision, type Transition, decide, resolveRequest } from '../../domain/commands.js';
import { type Balances, type ContractState, assertInvariants, createContract, currentMilestone, shortfallOf } from '../../domain/contract.js';
import { DomainError } from '../../domain/errors.js';
import type { LedgerEntry } from '../../domain/events.js';
import type { PlanOp } from '../../domain/plan.js';
import { resolveDispute } from '../../domain/disputes.js';
import { fireDue } from '../../domain/timers.js';
import {
  type ModelCommand, type PatchSpec, type ProposalOpSpec, ReferenceModel, amountFrom, patchValues, pick, versionFor,
} from './reference-model.js';

const RUNS = Number(process.env.PBT_RUNS ?? 1000);
const CLIENT = 'c';
const FREELANCER = 'f';
const NOW = '2026-01-01T00:00:00.000Z';
/** Later than any deadline a step at NOW can set (a refund's 7 days, a review window's 14). */
const LATER = '2027-01-01T00:00:00.000Z';

// Amounts around the R4 minimum as well as ordinary ones; patches around "unchanged" (1000‰), below the
// minimum, decreases and increases up to threefold (most of which outgrow the project funds: R17).
const amount = fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 500, max: 200_000 }));
const patch: fc.Arbitrary<PatchSpec> = fc.record(
  { amountPermille: fc.oneof(fc.constant(1000), fc.integer({ min: 100, max: 3000 })), title: fc.constantFrom('M', 'N') },
  { requiredKeys: [] },
);
const version = fc.constantFrom('seen', 'seen', 'seen', 'stale') as fc.Arbitrary<'seen' | 'stale'>;
const later = fc.boolean();
const rarely = fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
const proposalOpSpec: fc.Arbitrary<ProposalOpSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('add' as const), amountCents: amount }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('edit' as const), index: fc.nat(20), patch }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), index: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'editCurrent' as const }) },
);

const add = fc.record({ type: fc.constant('add' as const), amountCents: amount });
const fund = fc.constant({ type: 'fund' as const });
const requestChange = fc.record({
  type: fc.constant('requestChange' as const),
  on: fc.constantFrom('current', 'current', 'current', 'pending') as fc.Arbitrary<'current' | 'pending'>,
  patch,
  featureEnabled: rarely.map((off) => !off),
});
const editChange = fc.record({ type: fc.constant('editChange' as const), stale: rarely, patch });
const withdrawChange = fc.record({ type: fc.constant('withdrawChange' as const), stale: rarely, later });
const submit = fc.constant({ type: 'submit' as const });
const expire = fc.constant({ type: 'expire' as const });
const answerChange = fc.record({ type: fc.constant('answerChange' as const), approve: fc.boolean(), version, later });
const propose = fc.record({ type: fc.constant('propose' as const), ops: fc.array(proposalOpSpec, { minLength: 1, maxLength: 3 }) });
const answerProposal = fc.record({ type: fc.constant('answerProposal' as const), accept: fc.boolean(), version, later });

const release = (min: number, max: number) => fc.record({ type: fc.constant('release' as const), permille: fc.integer({ min, max }) });
/** A change request on the funded milestone's amount only, between min‰ and max‰ of it. */
const reprice = (min: number, max: number) => fc.record({
  type: fc.constant('requestChange' as const),
  on: fc.constant('current' as const),
  patch: fc.record({ amountPermille: fc.integer({ min, max }) }),
  featureEnabled: fc.constant(true),
});
const approveNow = fc.constant({ type: 'answerChange' as const, approve: true, version: 'seen' as const, later: false });
// Review window, revisions, refunds and disputes (R25–R28).
const revise = fc.constant({ type: 'revise' as const });
const dispute = fc.record({ type: fc.constant('dispute' as const), by: fc.constantFrom('client', 'freelancer') as fc.Arbitrary<'client' | 'freelancer'> });
const resolve = fc.record({
  type: fc.constant('resolve' as const),
  outcome: fc.constantFrom('release', 'refund', 'split') as fc.Arbitrary<'release' | 'refund' | 'split'>,
  permille: fc.integer({ min: 0, max: 1000 }),
});
const refund = fc.record({ type: fc.constant('refund' as const), permille: fc.integer({ min: 0, max: 1000 }) }, { requiredKeys: ['type'] });
const answerRefund = fc.record({ type: fc.constant('answerRefund' as const), accept: fc.boolean(), stale: rarely });
const elapse = fc.constant({ type: 'elapse' as const });

const modelCommand: fc.Arbitrary<ModelCommand> = fc.oneof(
  { weight: 4, arbitrary: add },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('delete' as const), index: fc.nat(20) }) },
  { weight: 4, arbitrary: fund },
  { weight: 2, arbitrary: submit },
  { weight: 3, arbitrary: release(0, 1000) },
  { weight: 1, arbitrary: release(0, 1000).map((r) => ({ ...r, ofAmount: true })) },
  { weight: 2, arbitrary: fc.constant({ type: 'release' as const }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('withdraw' as const), permille: fc.integer({ min: 0, max: 1000 }) }, { requiredKeys: ['type'] }) },
  { weight: 1, arbitrary: fc.constant({ type: 'end' as const }) },
  { weight: 1, arbitrary: fc.constant({ type: 'keepOpen' as const }) },
  { weight: 4, arbitrary: requestChange },
  { weight: 2, arbitrary: editChange },
  { weight: 1, arbitrary: withdrawChange },
  { weight: 4, arbitrary: answerChange },
  { weight: 2, arbitrary: propose },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('withdrawProposal' as const), later }) },
  { weight: 2, arbitrary: answerProposal },
  { weight: 2, arbitrary: fc.constant({ type: 'deliver' as const }) },
  { weight: 1, arbitrary: expire },
  { weight: 1, arbitrary: revise },
  { weight: 1, arbitrary: dispute },
  { weight: 1, arbitrary: resolve },
  { weight: 1, arbitrary: refund },
  { weight: 1, arbitrary: answerRefund },
  { weight: 2, arbitrary: elapse },
);

/**
 * Single commands, mixed with the runs that make a flow go somewhere (plan and fund, request and what
 * follows it, propose and answer, reprice the funded milestone): independent draws alone seldom reach a
 * pending request on a funded milestone.
 */
const sequence: fc.Arbitrary<ModelCommand[]> = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: modelCommand.map((c) => [c]) },
      { weight: 2, arbitrary: fc.tuple(add, fund) },
      { weight: 2, arbitrary: fc.tuple(requestChange, fc.oneof(answerChange, editChange, withdrawChange, expire, submit, release(1, 1000))) }, // R16, R18, R19
      { weight: 1, arbitrary: fc.tuple(propose, answerProposal) },
      // R17: an approved increase, from project funds left by a decrease or a partial release, or short.
      { weight: 1, arbitrary: fc.tuple(reprice(1001, 3000), approveNow) },
      { weight: 1, arbitrary: fc.tuple(reprice(300, 999), approveNow, reprice(1001, 3000), approveNow) },
      { weight: 1, arbitrary: fc.tuple(add, fund, release(1, 700), add, fund, reprice(1001, 3000), approveNow) },
      // R25, R26: a window's reminder and automatic release, or revisions and a new window.
      { weight: 2, arbitrary: fc.tuple(add, fund, submit, fc.oneof(elapse, revise, dispute, release(1, 1000)), elapse, elapse) },
      // R27: a refund asked, then answered, lapsed, or overtaken by a release or a dispute.
      { weight: 2, arbitrary: fc.tuple(add, fund, refund, fc.oneof(answerRefund, elapse, release(1, 1000), dispute, submit)) },
      // R28: a dispute and its resolution.
      { weight: 1, arbitrary: fc.tuple(add, fund, dispute, resolve) },
    ),
    { minLength: 1, maxLength: 30, size: 'max' },
  )
  .map((episodes) => episodes.flat());

type Domain = { cmd: Command; actor: string };

/** The same step as a domain command, sent by the party allowed to send it. */
function toDomain(s: ContractState, c: Exclude<ModelCommand, { type: 'deliver' | 'expire' | 'elapse' | 'resolve' }>): Domain {
  const cur = currentMilestone(s);
  const pending = s.milestones.filter((m) => m.state === 'pending');
  const client = (cmd: Command): Domain => ({ actor: CLIENT, cmd });
  const freelancer = (cmd: Command): Domain => ({ actor: FREELANCER, cmd });
  const changeId = (stale: boolean) => (stale || !s.changeRequest ? 'k-cr0' : s.changeRequest.id);
  const proposalId = s.proposal?.id ?? 'k-pr0';
  switch (c.type) {
    case 'add':
      return client({ type: 'savePlan', ops: [{ op: 'add', title: 'M', amountCents: c.amountCents }] });
    case 'delete':
      return client({ type: 'savePlan', ops: [{ op: 'delete', milestoneId: pick(pending, c.index)?.id ?? 'none' }] });
    case 'fund':
      return client({ type: 'fundMilestone' });
    case 'submit':
      return freelancer({ type: 'submitWork', milestoneId: cur?.id ?? 'none' });
    case 'release': {
      const base = (c.ofAmount ? cur?.amountCents : cur?.fundedCents) ?? 0;
      const amountCents = c.permille === undefined ? {} : { amountCents: amountFrom(base, c.permille) };
      return client({ type: 'releasePayment', milestoneId: cur?.id ?? 'none', ...amountCents });
    }
    case 'withdraw':
      return client({ type: 'withdrawFunds', ...(c.permille === undefined ? {} : { amountCents: amountFrom(s.balances.projectFundsCents, c.permille) }) });
    case 'end':
      return client({ type: 'endContract' });
    case 'keepOpen':
      return client({ type: 'keepOpen' });
    case 'requestChange': {
      const m = c.on === 'current' ? cur : pending[0];
      return client({ type: 'requestChange', milestoneId: m?.id ?? 'none', patch: patchValues(c.patch, m?.amountCents), featureEnabled: c.featureEnabled });
    }
    case 'editChange':
      return client({ type: 'editChangeRequest', requestId: changeId(c.stale), patch: patchValues(c.patch, cur?.amountCents) });
    case 'withdrawChange':
      return client({ type: 'withdrawChangeRequest', requestId: changeId(c.stale) });
    case 'answerChange': {
      const answer = { requestId: changeId(false), version: versionFor(s.changeRequest?.edits ?? 0, c.version) };
      return freelancer(c.approve ? { type: 'approveChangeRequest', ...answer } : { type: 'rejectChangeRequest', ...answer });
    }
    case 'propose':
      return freelancer({ type: 'proposeChanges', ops: c.ops.map((o) => proposalOp(s, o)) });
    case 'withdrawProposal':
      return freelancer({ type: 'withdrawProposal', requestId: proposalId });
    case 'answerProposal': {
      const answer = { requestId: proposalId, version: versionFor(s.proposal?.edits ?? 0, c.version) };
      return client(c.accept ? { type: 'acceptProposal', ...answer } : { type: 'declineProposal', ...answer });
    }
    case 'revise':
      return client({ type: 'requestRevisions', milestoneId: cur?.id ?? 'none', message: 'Again' });
    case 'dispute': {
      const cmd: Command = { type: 'openDispute', milestoneId: cur?.id ?? 'none', reason: 'No' };
      return c.by === 'client' ? client(cmd) : freelancer(cmd);
    }
    case 'refund':
      return client({ type: 'requestRefund', milestoneId: cur?.id ?? 'none',
        ...(c.permille === undefined ? {} : { amountCents: amountFrom(cur?.fundedCents ?? 0, c.permille) }) });
    case 'answerRefund': {
      const answer = { milestoneId: cur?.id ?? 'none', requestId: c.stale || !cur?.refundRequest ? 'k-rf0' : cur.refundRequest.id };
      return freelancer(c.accept ? { type: 'acceptRefund', ...answer } : { type: 'declineRefund', ...answer });
    }
    // R30 (the fault suite drives offers; these properties start from a contract made without one).
    case 'acceptOffer':
      return freelancer({ type: 'acceptOffer', version: s.offer?.version ?? 1 });
    case 'closeOffer':
      return freelancer({ type: 'declineOffer', version: s.offer?.version ?? 1 });
    case 'offer':
      throw new Error('an offer is sent by the create, not as a command');
  }
}

/** One drawn proposal operation on the contract's milestones. */
function proposalOp(s: ContractState, o: ProposalOpSpec): PlanOp {
  const pending = s.milestones.filter((m) => m.state === 'pending');
  switch (o.op) {
    case 'add':
      return { op: 'add', title: 'M', amountCents: o.amountCents };
    case 'edit': {
      const m = pick(pending, o.index);
      return { op: 'edit', milestoneId: m?.id ?? 'none', patch: patchValues(o.patch, m?.amountCents) };
    }
    case 'delete':
      return { op: 'delete', milestoneId: pick(pending, o.index)?.id ?? 'none' };
    case 'editCurrent':
      return { op: 'edit', milestoneId: currentMilestone(s)?.id ?? 'none', patch: { title: 'N' } };
  }
}

/** The outcome the request workflow reports for a forwarded decision. */
const OUTCOME: Partial<Record<Command['type'], RequestOutcome>> = {
  approveChangeRequest: 'approved',
  acceptProposal: 'approved',
  rejectChangeRequest: 'rejected',
  declineProposal: 'rejected',
  withdrawChangeRequest: 'withdrawn',
  withdrawProposal: 'withdrawn',
};

/** The contract as the domain runs it, with the change-request workflows simulated around it. */
class Contract {
  state: ContractState;
  /** Outcomes on their way from request workflows, oldest first. */
  private inFlight: { requestId: string; outcome: RequestOutcome; decision: Decision }[] = [];

  constructor(fee: number) {
    this.state = createContract({ contractId: 'k', clientId: CLIENT, freelancerId: FREELANCER, title: 'T', initiationFeeCents: fee }, NOW);
  }

  /** One step: what was accepted or refused, and the transitions it caused. */
  step(c: ModelCommand): { accepted: boolean; code?: string; transitions: Transition[] } {
    if (c.type === 'deliver') {
      const next = this.inFlight.shift();
      return this.resolved(next && resolveRequest(this.state, next.requestId, next.outcome, next.decision));
    }
    if (c.type === 'expire') {
      const cr = this.state.changeRequest;
      return this.resolved(cr && !cr.deciding ? resolveRequest(this.state, cr.id, 'expired', { by: 'system', operator: false }) : null);
    }
    if (c.type === 'elapse') {
      const due = fireDue(this.state, LATER);
      return this.resolved(due?.t);
    }
    if (c.type === 'resolve') return this.resolveDispute(c);
    const { cmd, actor } = toDomain(this.state, c);
    let t: Transition;
    try {
      t = decide(this.state, cmd, { actorId: actor, now: NOW });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err; // an invariant breach is a bug, never a refusal
      return { accepted: false, code: err.code, transitions: [] };
    }
    this.state = t.state;
    const transitions = [t];
    const awaited = t.effects.find((e) => e.type === 'awaitOutcome');
    if (awaited) {
      // The change-request workflow answers the forwarded decision, now or at a later `deliver`.
      const report = { requestId: awaited.requestId, outcome: OUTCOME[cmd.type]!, decision: { by: actor, operator: false } };
      if ('later' in c && c.later) this.inFlight.push(report);
      else transitions.push(...this.resolved(resolveRequest(this.state, report.requestId, report.outcome, report.decision)).transitions);
    }
    return { accepted: true, transitions };
  }

  /** R28: an operator's resolution of the open dispute on the funded milestone. */
  private resolveDispute(c: Extract<ModelCommand, { type: 'resolve' }>): { accepted: boolean; code?: string; transitions: Transition[] } {
    const m = currentMilestone(this.state);
    const held = m?.fundedCents ?? 0;
    const split = c.outcome === 'split' ? { releaseCents: amountFrom(held, c.permille), refundCents: held - amountFrom(held, c.permille) } : {};
    try {
      const args = { milestoneId: m?.id ?? 'none', disputeId: m?.dispute?.id ?? 'k-d0', outcome: c.outcome, operatorId: 'o', reason: 'Decided', ...split };
      return this.resolved(resolveDispute(this.state, args, 'operator:o'));
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return { accepted: false, code: err.code, transitions: [] };
    }
  }

  private resolved(t: Transition | null | undefined): { accepted: boolean; transitions: Transition[] } {
    if (!t) return { accepted: false, transitions: [] };
    this.state = t.state;
    return { accepted: true, transitions: [t] };
  }
}

const sum = (entries: LedgerEntry[], kind: LedgerEntry['kind']): number =>
  entries.filter((e) => e.kind === kind).reduce((n, e) => n + e.amountCents, 0);

/** How a step's ledger entries say the balances moved (R10); escrow_hold covers deposits and project funds alike. */
const ledgerMoves = (entries: LedgerEntry[]) => ({
  deposits: sum(entries, 'deposit'),
  fees: sum(entries, 'fee'),
  releases: sum(entries, 'release'),
  refunds: sum(entries, 'refund'),
  escrow: sum(entries, 'escrow_hold') - sum(entries, 'release') - sum(entries, 'escrow_return')
    - sum(entries.filter((e) => e.milestoneId !== null), 'refund'), // R27, R28: escrow back to the client
});

const balanceMoves = (before: Balances, after: Balances) => ({
  deposits: after.depositsCents - before.depositsCents,
  fees: after.feesCents - before.feesCents,
  releases: after.releasesCents - before.releasesCents,
  refunds: after.refundsCents - before.refundsCents,
  escrow: after.escrowCents - before.escrowCents,
});

type Outcome = { accepted: boolean; code?: string | undefined; prompted: boolean };

/** The contract after a step, in the model's terms: what both must agree on. */
function domainView(s: ContractState, step: Outcome) {
  const cr = s.changeRequest;
  return {
    ...step,
    balances: s.balances,
    milestones: s.milestones.map((m) => [m.id, m.title, m.state, m.amountCents, m.fundedCents, m.releasedCents, shortfallOf(m),
      m.revisionRounds ?? 0, m.refundedCents ?? 0, m.refundRequest?.amountCents ?? null, Boolean(m.dispute),
      m.state === 'submitted' && !m.dispute ? Boolean(m.reviewReminded) : null]),
    changeRequest: cr && { milestoneId: cr.milestoneId, version: cr.edits, deciding: cr.deciding !== null },
    proposal: s.proposal && { version: s.proposal.edits, deciding: s.proposal.deciding !== null },
    status: s.status,
    endPrompt: s.endPrompt,
  };
}

function modelView(model: ReferenceModel, accepted: boolean): ReturnType<typeof domainView> {
  const cr = model.change;
  return {
    accepted,
    code: model.refusal ?? undefined,
    prompted: model.prompted,
    balances: model.balances(),
    milestones: model.ms.map((m) => [m.id, m.title, m.st, m.amount, m.funded, m.released, model.shortfall(m),
      m.rounds ?? 0, m.refunded ?? 0, m.refund ?? null, Boolean(m.disputed), m.st === 'submitted' && !m.disputed ? Boolean(m.reminded) : null]),
    changeRequest: cr && { milestoneId: cr.milestone!.id, version: cr.edits, deciding: cr.deciding },
    proposal: model.proposal && { version: model.proposal.edits, deciding: model.proposal.deciding },
    status: model.ended ? 'ended' : 'open',
    endPrompt: model.prompt,
  };
}

/** Deep equality through expect() only on a mismatch: 1,000 sequences of matchers would dominate the run. */
function expectSame<T>(actual: T, expected: T, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) expect(actual, what).toEqual(expected);
}

describe('properties', () => {
  it(`R4–R10, R14–R23, R25–R28: ${RUNS} random sequences with change requests and proposals agree with the reference model and keep the books balanced`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), sequence, (fee, commands) => {
        const k = new Contract(fee);
        const model = new ReferenceModel(fee);
        const keys = new Set<string>();
        for (const c of commands) {
          const before = k.state.balances;
          const { accepted, code, transitions } = k.step(c);
          const predicted = model.apply(c);

          const prompted = transitions.some((t) => t.prompt === 'END_OR_KEEP_OPEN'); // R22
          expectSame(domainView(k.state, { accepted, code, prompted }), modelView(model, predicted), `after ${JSON.stringify(c)}`);
          const entries = transitions.flatMap((t) => t.ledger);
          expectSame(balanceMoves(before, k.state.balances), ledgerMoves(entries), `ledger of ${JSON.stringify(c)}`);
          for (const e of entries) {
            if (keys.has(e.key)) expect.fail(`ledger key ${e.key} used twice (R10)`);
            keys.add(e.key);
          }
          assertInvariants(k.state);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
