// The books of one contract as PostgreSQL holds them: the ledger's sums per kind must equal the balances
// on the contract row, and those balance (R10: deposits = fees + releases + refunds + escrow + project funds).
// A fee returned with a closed offer (R30) leaves the fees and joins the refunds.
import { expect } from 'vitest';
import type { Db } from '../../db/client.js';

export interface Books {
  deposits: number;
  fees: number;
  releases: number;
  refunds: number;
  escrow: number;
  projectFunds: number;
}

export async function expectBooksBalanced(db: Db, contractId: string): Promise<Books> {
  const [sums] = await db.$queryRaw<Record<string, bigint>[]>`
    SELECT COALESCE(SUM(amount_cents) FILTER (WHERE kind = 'deposit'), 0) AS deposits,
           COALESCE(SUM(amount_cents) FILTER (WHERE kind = 'fee'), 0)
             - COALESCE(SUM(amount_cents) FILTER (WHERE kind = 'fee_refund'), 0) AS fees,
           COALESCE(SUM(amount_cents) FILTER (WHERE kind = 'release'), 0) AS releases,
           COALESCE(SUM(amount_cents) FILTER (WHERE kind IN ('refund', 'fee_refund')), 0) AS refunds,
           COALESCE(SUM(amount_cents) FILTER (WHERE kind = 'escrow_hold'), 0)
             - COALESCE(SUM(amount_cents) FILTER (WHERE kind IN ('release', 'escrow_return')
                                                  OR (kind = 'refund' AND milestone_id IS NOT NULL)), 0) AS escrow
    FROM ledger_entries WHERE contract_id = ${contractId}`;
  const n = Object.fromEntries(Object.entries(sums!).map(([k, v]) => [k, Number(v)]));
  const row = await db.contract.findUniqueOrThrow({ where: { id: contractId } });
  const b = {
    deposits: Number(row.depositsCents), fees: Number(row.feesCents), releases: Number(row.releasesCents),
    refunds: Number(row.refundsCents), escrow: Number(row.escrowCents),
  };
  expect(n).toEqual(b);
  expect(b.deposits).toBe(b.fees + b.releases + b.refunds + b.escrow + Number(row.projectFundsCents));
  return { ...b, projectFunds: Number(row.projectFundsCents) };
}
