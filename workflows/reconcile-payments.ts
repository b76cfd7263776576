// Reconciliation (R31), run by a Schedule: each contract with movements in the last day is compared with
// the provider's records of its transfer group; every difference is logged and counted by the activity
// (metric payments_reconciliation_differences) and returned here, so the Schedule's recent runs show them.
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { PaymentActivities } from '../activities/payments.js';
import type { LedgerDifference } from '../domain/payment-records.js';
import { reconciliationOptions } from './activity-options.js';

/** A pass looks at movements this recent (the Schedule runs hourly: each is seen many times). */
export const RECONCILE_WINDOW_MS = 24 * 60 * 60_000;
/** Contracts per pass: a bounded batch; the rest are seen by the next passes as the window moves. */
export const RECONCILE_BATCH = 200;

export async function reconcilePaymentsWorkflow(
  input: { sinceMs?: number; limit?: number } = {},
): Promise<{ contracts: number; differences: (LedgerDifference & { contractId: string })[] }> {
  const { contractsWithMovements, reconcileContract } = proxyActivities<PaymentActivities>(reconciliationOptions);
  const ids = await contractsWithMovements({ sinceMs: input.sinceMs ?? RECONCILE_WINDOW_MS, limit: input.limit ?? RECONCILE_BATCH });
  const differences: (LedgerDifference & { contractId: string })[] = [];
  for (const id of ids) {
    for (const d of await reconcileContract.executeWithOptions({ ...reconciliationOptions, summary: `Reconcile ${id}` }, [id])) {
      differences.push({ contractId: id, ...d });
    }
  }
  setCurrentDetails(`Compared **${ids.length}** contract(s) with the provider: ${differences.length} difference(s).`);
  return { contracts: ids.length, differences };
}
