// Pure arithmetic over what the provider did (R31): how a refund is split over the contract's charges, and
// how the ledger's record of a contract differs from the provider's.
import { z } from 'zod';
import type { ProviderMovement } from './payments.js';

export interface RecordedMovement {
  type: string;
  reference: string;
  amountCents: number;
}

/** One part of a refund: what one charge gives back; `refund` names the provider's Refund once carried out. */
export interface RefundPart {
  charge: string;
  amountCents: number;
  refund?: string;
}

/** A split as stored with its refund's row (JSON): read back through this, never trusted as it comes. */
export const refundPartsSchema = z.array(z.object({
  charge: z.string().min(1).max(255),
  amountCents: z.number().int().positive(),
  refund: z.string().min(1).max(2_000).optional(),
}).strict()).min(1).max(100);

/** Another refund of the same contract: its stored split, or, for one stored before splits were, its amount. */
export type OtherRefund = { parts: RefundPart[] } | { amountCents: number };

/**
 * A refund's split over the contract's charges (oldest first), from what each charge has left once every
 * other refund's split is taken off — done or not, since one whose answer was lost may have been carried
 * out. Decided once, before the first request, and stored: a retry never splits again, so it sends the
 * same parts under the same keys, and two refunds never count on the same money. Null when the charges
 * cannot cover it.
 */
export function splitRefund(amountCents: number, charges: { reference: string; amountCents: number }[], others: OtherRefund[]): RefundPart[] | null {
  const left = new Map(charges.map((c) => [c.reference, c.amountCents]));
  const take = (charge: string, cents: number) => left.set(charge, (left.get(charge) ?? 0) - cents);
  for (const o of others) if ('parts' in o) for (const p of o.parts) take(p.charge, p.amountCents);
  // A refund stored without a split took from the oldest charges first.
  let unsplit = others.reduce((sum, o) => ('parts' in o ? sum : sum + o.amountCents), 0);
  for (const c of charges) {
    const used = Math.min(Math.max(left.get(c.reference)!, 0), unsplit);
    take(c.reference, used);
    unsplit -= used;
  }
  let wanted = amountCents;
  const parts: RefundPart[] = [];
  for (const c of charges) {
    if (wanted === 0) break;
    const cents = Math.min(wanted, Math.max(left.get(c.reference)!, 0));
    if (cents > 0) parts.push({ charge: c.reference, amountCents: cents });
    wanted -= cents;
  }
  return wanted === 0 && parts.length ? parts : null;
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
