// The embedded default: no provider. The ledger is the record of every movement, as it always was, so a
// development stack needs no account anywhere; each movement succeeds at once and names its ledger entry.
import type { PaymentOutcome, PaymentsPort } from '../domain/payments.js';

const recorded = (key: string): PaymentOutcome => ({ status: 'succeeded', reference: `ledger:${key}` });

export function ledgerPayments(): PaymentsPort {
  return {
    provider: 'ledger',
    charge: async (c) => recorded(c.key),
    transfer: async (t) => recorded(t.key),
    refund: async (r) => recorded(`${r.key}:${r.part}`),
    // The ledger is the provider here: there is nothing else to compare it with.
    movements: async () => [],
  };
}
