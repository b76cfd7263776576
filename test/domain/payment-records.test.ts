// R31's pure parts: how a refund is split over the contract's charges, how the ledger's record differs from the
// provider's, which ledger entries cross the boundary, and the idempotency keys derived from them.
import { describe, expect, it } from 'vitest';
import { compareWithProvider, refundPartsSchema, splitRefund } from '../../domain/payment-records.js';
import { type ProviderMovement, idempotencyKey, movementsOf } from '../../domain/payments.js';

describe('R31 records', () => {
  it('a refund is split over the charges oldest first, from what every other refund\'s split left', () => {
    const charges = [{ reference: 'pi_a', amountCents: 500 }, { reference: 'pi_b', amountCents: 1_000 }];
    expect(splitRefund(700, charges, [])).toEqual([{ charge: 'pi_a', amountCents: 500 }, { charge: 'pi_b', amountCents: 200 }]);
    // Another refund's split counts whether or not it is done (an unanswered one may have been carried out).
    const other = { parts: [{ charge: 'pi_a', amountCents: 300 }] };
    expect(splitRefund(700, charges, [other])).toEqual([{ charge: 'pi_a', amountCents: 200 }, { charge: 'pi_b', amountCents: 500 }]);
    expect(splitRefund(1_200, charges, [other])).toEqual([{ charge: 'pi_a', amountCents: 200 }, { charge: 'pi_b', amountCents: 1_000 }]);
    expect(splitRefund(1_201, charges, [other])).toBeNull();
    // A refund stored before splits were took from the oldest charges first.
    expect(splitRefund(800, charges, [{ amountCents: 700 }])).toEqual([{ charge: 'pi_b', amountCents: 800 }]);
    expect(splitRefund(801, charges, [{ amountCents: 700 }])).toBeNull();
    expect(splitRefund(1, [], [])).toBeNull();
  });

  it('a stored split is read back only in its own shape', () => {
    expect(refundPartsSchema.parse([{ charge: 'pi_a', amountCents: 5, refund: 're_1' }])).toEqual([{ charge: 'pi_a', amountCents: 5, refund: 're_1' }]);
    expect(refundPartsSchema.safeParse([{ charge: 'pi_a', amountCents: 0 }]).success).toBe(false);
    expect(refundPartsSchema.safeParse([]).success).toBe(false);
  });

  it('reports what one side holds and the other does not, and unequal amounts', () => {
    const ours = [
      { key: 'c:2:deposit:m1', type: 'charge' as const, reference: 'pi_a', amountCents: 10_495 },
      { key: 'c:5:release:m1', type: 'transfer' as const, reference: 'tr_a', amountCents: 10_000 },
      { key: 'c:6:release:m2', type: 'transfer' as const, reference: 'tr_b', amountCents: 300 },
      { key: 'c:7:refund:-', type: 'refund' as const, reference: 're_a', amountCents: 200 },
    ];
    const theirs = [
      { type: 'charge' as const, reference: 'pi_a', amountCents: 10_495 },
      { type: 'refund' as const, reference: 'pi_a', amountCents: 200 },
      { type: 'transfer' as const, reference: 'tr_a', amountCents: 9_000 },
      { type: 'transfer' as const, reference: 'tr_x', amountCents: 50 },
    ];
    const agreeing: ProviderMovement[] = [
      ...ours.filter((m) => m.type !== 'refund').map(({ type, reference, amountCents }) => ({ type, reference, amountCents })),
      { type: 'refund', reference: 'pi_a', amountCents: 200 },
    ];
    expect(compareWithProvider(ours, agreeing)).toEqual([]);
    expect(compareWithProvider(ours, theirs)).toEqual([
      { type: 'transfer', difference: 'amount', ledgerCents: 10_000, providerCents: 9_000, reference: 'tr_a', key: 'c:5:release:m1' },
      { type: 'transfer', difference: 'missing_at_provider', ledgerCents: 300, providerCents: 0, reference: 'tr_b', key: 'c:6:release:m2' },
      { type: 'transfer', difference: 'unknown_to_ledger', ledgerCents: 0, providerCents: 50, reference: 'tr_x' },
    ]);
  });

  it('deposits, releases and refunds cross the boundary; fees and escrow moves stay in the books', () => {
    const ledger = [
      { key: 'c:2:deposit:m1', kind: 'deposit' as const, amountCents: 10_495, milestoneId: 'm1' },
      { key: 'c:2:fee:-', kind: 'fee' as const, amountCents: 495, milestoneId: null },
      { key: 'c:2:escrow_hold:m1', kind: 'escrow_hold' as const, amountCents: 10_000, milestoneId: 'm1' },
    ];
    expect(movementsOf(ledger)).toEqual([{ entry: ledger[0], type: 'charge', feeCents: 495 }]);
    expect(idempotencyKey('c:2:deposit:m1')).toBe('mc:c:2:deposit:m1');
    expect(idempotencyKey('c:2:deposit:m1', 1)).toBe('mc:c:2:deposit:m1:r1');
    expect(idempotencyKey('c:7:refund:-', undefined, 0)).toBe('mc:c:7:refund:-:0');
  });
});
