// Pure arithmetic over what the provider did (R31): which charges a refund can still draw on, and how the
// ledger's record of a contract differs from the provider's.
import type { ProviderMovement } from './payments.js';

export interface RecordedMovement {
  type: string;
  reference: string;
  amountCents: number;
}

/**
 * The contract's charges and what each can still refund, oldest first. Every refund draws on the oldest
 * charges first, so the refunds so far are allocated the same way: nothing per charge has to be stored.
 */
export function refundableCharges(rows: RecordedMovement[]): { reference: string; refundableCents: number }[] {
  let refunded = rows.filter((r) => r.type === 'refund').reduce((sum, r) => sum + r.amountCents, 0);
  return rows.filter((r) => r.type === 'charge').map((c) => {
    const used = Math.min(c.amountCents, refunded);
    refunded -= used;
    return { reference: c.reference, refundableCents: c.amountCents - used };
  });
}

export interface LedgerDifference {
  type: ProviderMovement['type'];
  /** missing_at_provider: recorded as done here, absent there; unknown_to_ledger: the reverse; amount: both, unequal. */
  difference: 'missing_at_provider' | 'unknown_to_ledger' | 'amount';
  ledgerCents: number;
  providerCents: number;
  reference?: string;
  key?: string;
}

/**
 * Per kind of movement: charges and transfers object by object (their reference), refunds as totals per
 * charge (the provider reports what a charge has refunded, not each refund).
 */
export function compareWithProvider(ours: (RecordedMovement & { key: string; type: ProviderMovement['type'] })[], theirs: ProviderMovement[]): LedgerDifference[] {
  const out: LedgerDifference[] = [];
  for (const type of ['charge', 'transfer'] as const) {
    const mine = new Map(ours.filter((o) => o.type === type).map((o) => [o.reference, o]));
    const there = new Map(theirs.filter((t) => t.type === type).map((t) => [t.reference, t]));
    for (const [ref, o] of mine) {
      const t = there.get(ref);
      if (!t) out.push({ type, difference: 'missing_at_provider', ledgerCents: o.amountCents, providerCents: 0, reference: ref, key: o.key });
      else if (t.amountCents !== o.amountCents) out.push({ type, difference: 'amount', ledgerCents: o.amountCents, providerCents: t.amountCents, reference: ref, key: o.key });
    }
    for (const [ref, t] of there) {
      if (!mine.has(ref)) out.push({ type, difference: 'unknown_to_ledger', ledgerCents: 0, providerCents: t.amountCents, reference: ref, ...(t.key ? { key: t.key } : {}) });
    }
  }
  const ourRefunds = ours.filter((o) => o.type === 'refund').reduce((s, o) => s + o.amountCents, 0);
  const theirRefunds = theirs.filter((t) => t.type === 'refund').reduce((s, t) => s + t.amountCents, 0);
  if (ourRefunds !== theirRefunds) {
    out.push({ type: 'refund', difference: ourRefunds > theirRefunds ? 'missing_at_provider' : 'unknown_to_ledger', ledgerCents: ourRefunds, providerCents: theirRefunds });
  }
  return out;
}
