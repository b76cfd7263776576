// R31 transitions the payment provider causes. A deposit the provider accepts and confirms later (a bank
// debit) is held as the contract's pending deposit: nothing enters the ledger or escrow, and the milestone
// stays unfunded, until the provider's signed webhook confirms it (then it is funded exactly as charged) or
// fails it (the client is told; nothing was held). A payout or refund the provider has not carried out is
// told to the party it concerns. Pure: the contract workflow applies these under its lock.
import { type ContractState, type PendingDeposit, currentMilestone } from './contract.js';
import type { CommandType } from './commands.js';
import { refuse } from './errors.js';
import { Builder, type Transition, clone } from './transition.js';

/**
 * What a party may do while a deposit confirms: nothing that moves money or changes the plan, so the
 * confirmation funds what was charged. Work, reviews, declines and disputes go on.
 */
const WHILE_DEPOSIT_PENDING: ReadonlySet<CommandType> = new Set<CommandType>([
  'previewPlan', 'submitWork', 'requestRevisions', 'editChangeRequest', 'withdrawChangeRequest', 'rejectChangeRequest',
  'withdrawProposal', 'declineProposal', 'declineRefund', 'keepOpen', 'openDispute',
]);

export function assertNoDepositPending(s: ContractState, type: CommandType): void {
  if (s.pendingDeposit && !WHILE_DEPOSIT_PENDING.has(type)) {
    refuse('DEPOSIT_PENDING', 'R31', `a deposit of ${s.pendingDeposit.paidCents + s.pendingDeposit.feeCents} cents is confirming at the payment `
      + 'provider; money and plan changes wait until it is confirmed or fails', 'conflict');
  }
}

/** The funding transition's deposit, as charged: its key, the escrow it funds, the part paid and the fee. */
export function depositOf(funded: Transition): PendingDeposit | null {
  const deposit = funded.ledger.find((e) => e.kind === 'deposit');
  const hold = funded.ledger.find((e) => e.kind === 'escrow_hold');
  if (!deposit || !hold || !deposit.milestoneId) return null;
  const feeCents = funded.ledger.find((e) => e.kind === 'fee')?.amountCents ?? 0;
  return { key: deposit.key, milestoneId: deposit.milestoneId, needCents: hold.amountCents, paidCents: deposit.amountCents - feeCents, feeCents };
}

/** Instead of the funding: the charge is pending; the contract records it and funds nothing yet. */
export function holdDeposit(before: ContractState, pending: PendingDeposit): Transition {
  const t = new Builder(clone(before));
  t.s.pendingDeposit = pending;
  return t.finish(true);
}

/**
 * The provider confirmed or failed the pending deposit `key`; null when it is not this contract's pending
 * one (a duplicate or late event). A confirmed deposit funds its milestone as the funding would have (the
 * deposit entry keeps the charge's key); if that milestone can no longer take it (released or refunded
 * meanwhile), the money is the contract's project funds (R23), refundable.
 */
export function settleDeposit(s: ContractState, key: string, succeeded: boolean): Transition | null {
  const pd = s.pendingDeposit;
  if (!pd || pd.key !== key) return null;
  const t = new Builder(clone(s));
  delete t.s.pendingDeposit;
  const m = t.s.milestones.find((x) => x.id === pd.milestoneId);
  if (!succeeded) {
    t.notify('client', 'deposit_failed', { ...(m ? { milestone: m } : {}), amountCents: pd.paidCents + pd.feeCents });
    return t.finish(true);
  }
  const b = t.s.balances;
  const fromFunds = pd.needCents - pd.paidCents;
  const current = currentMilestone(t.s);
  const fundable = m && b.projectFundsCents >= fromFunds
    && (current ? current === m : m === t.s.milestones.find((x) => x.state === 'pending'));
  t.ledgerEntries.push({ key: pd.key, kind: 'deposit', amountCents: pd.paidCents + pd.feeCents, milestoneId: pd.milestoneId });
  if (pd.feeCents > 0) t.ledger('fee', pd.feeCents, null);
  b.depositsCents += pd.paidCents + pd.feeCents;
  b.feesCents += pd.feeCents;
  t.s.feeCharged = true;
  if (fundable) {
    t.ledger('escrow_hold', pd.needCents, m.id);
    if (m.state === 'pending') m.state = 'active';
    b.projectFundsCents -= fromFunds;
    b.escrowCents += pd.needCents;
    m.fundedCents += pd.needCents;
    t.s.endPrompt = false;
    t.notify('freelancer', 'milestone_funded', { milestone: m, amountCents: pd.needCents });
  } else {
    b.projectFundsCents += pd.paidCents;
  }
  return t.finish(true);
}

/** A payout (to the freelancer) or refund (to the client) waits at the provider: the party is told. */
export function movementPending(s: ContractState, what: { type: 'transfer' | 'refund'; milestoneId: string | null; amountCents: number }): Transition {
  const t = new Builder(clone(s));
  const m = what.milestoneId ? t.s.milestones.find((x) => x.id === what.milestoneId) : undefined;
  const d = { ...(m ? { milestone: m } : {}), amountCents: what.amountCents };
  if (what.type === 'transfer') t.notify('freelancer', 'payout_pending', d);
  else t.notify('client', 'refund_pending', d);
  return t.finish(true);
}
