// The payments port in the contract's words (R31): money that crosses the platform's boundary is a charge
// (the client pays a deposit, fee included), a transfer (a release pays the freelancer) or a refund (money
// goes back to the client). Each movement is named by the ledger entry it carries out, so a retried call
// is the same call. Adapters (payments/) say what the provider did in four words: succeeded, pending
// (confirms later), declined (refused for a reason a party can act on) or failed (try again later).
import type { LedgerEntry, LedgerKind } from './events.js';

export type Provider = 'ledger' | 'stripe';

/** Asked again after the provider refused it: a new request (a refusal moved nothing), numbered. */
interface Retried {
  attempt?: number;
}

export interface Charge extends Retried {
  /** The deposit's ledger key: the idempotency key is derived from it. */
  key: string;
  contractId: string;
  milestoneId: string | null;
  /** What the client pays: the deposit, the initiation fee included (R9). */
  amountCents: number;
  /** The platform's part of it, kept when the rest is transferred on. */
  feeCents: number;
  /** The client's saved payment method (a provider id); none in ledger mode. */
  paymentMethodId: string | null;
}

export interface Transfer extends Retried {
  /** The release's ledger key. */
  key: string;
  contractId: string;
  milestoneId: string | null;
  amountCents: number;
  /** The freelancer's payout account (a provider id); none yet means the payout waits for one. */
  payoutAccountId: string | null;
}

/** One part of a refund: what one of the contract's charges gives back (activities/payments.ts splits it). */
export interface Refund extends Retried {
  /** The refund's ledger key. */
  key: string;
  /** The part's place in the refund's stored split: the idempotency key names it. */
  part: number;
  contractId: string;
  milestoneId: string | null;
  /** The charge this part is taken from (the provider's reference). */
  charge: string;
  amountCents: number;
}

export type PaymentOutcome =
  | { status: 'succeeded'; reference: string }
  /** Accepted, confirmed later (a bank debit): the provider's webhook says how it ended. */
  | { status: 'pending'; reference: string }
  /** Refused for good (a declined card, an account that cannot be paid): never recorded as done. */
  | { status: 'declined'; reason: string; code: string; reference?: string }
  /** Not carried out this time (the provider erred or did not answer); `retryable` says whether to try again. */
  | { status: 'failed'; reason: string; retryable: boolean };

/** One movement as the provider records it, for reconciliation. */
export interface ProviderMovement {
  type: 'charge' | 'transfer' | 'refund';
  reference: string;
  amountCents: number;
  /** The ledger key it carries out, when the provider kept it (metadata). */
  key?: string;
}

export interface PaymentsPort {
  readonly provider: Provider;
  charge(c: Charge): Promise<PaymentOutcome>;
  transfer(t: Transfer): Promise<PaymentOutcome>;
  refund(r: Refund): Promise<PaymentOutcome>;
  /** What the provider recorded for one contract (its transfer group). */
  movements(contractId: string): Promise<ProviderMovement[]>;
}

/** One ledger entry the provider is asked to carry out (activities/payments.ts moveMoney). */
export interface MoneyMovement {
  type: 'charge' | 'transfer' | 'refund';
  /** The ledger entry's key. */
  key: string;
  contractId: string;
  milestoneId: string | null;
  amountCents: number;
  /** The initiation fee inside a charge (R9). */
  feeCents?: number;
  /** Who pays (charge) or is paid back (refund): the client; who is paid (transfer): the freelancer. */
  partyId: string;
}

/** What a movement came to: done, or accepted and confirmed later. */
export interface MoneyResult {
  status: 'succeeded' | 'pending';
  reference: string;
}

/** The failure types the workflows tell apart; none of them is retried by Temporal. */
export const PAYMENT_FAILURES = {
  charge: 'PAYMENT_DECLINED',
  transfer: 'PAYOUT_DECLINED',
  refund: 'REFUND_DECLINED',
  /** The provider refused the request itself (configuration, a reused key): an operator must look. */
  broken: 'PAYMENT_PROVIDER_ERROR',
} as const;

/** Which ledger entries cross the boundary, and as what; escrow moves and fees stay inside the books. */
export const CROSSES_BOUNDARY: Partial<Record<LedgerKind, ProviderMovement['type']>> = {
  deposit: 'charge',
  release: 'transfer',
  refund: 'refund',
};

/** The movements one transition's ledger asks of the provider, in order (charges first). */
export function movementsOf(ledger: LedgerEntry[]): { entry: LedgerEntry; type: ProviderMovement['type']; feeCents: number }[] {
  const fee = ledger.find((e) => e.kind === 'fee')?.amountCents ?? 0;
  return ledger.flatMap((entry) => {
    const type = CROSSES_BOUNDARY[entry.kind];
    return type ? [{ entry, type, feeCents: type === 'charge' ? fee : 0 }] : [];
  });
}

/**
 * The idempotency key of a movement: the ledger key itself (contract, seq, kind, milestone), never a run id
 * or an activity attempt, so every retry of an activity and every retry inside the SDK is the same request.
 * Asking again after a refusal is a new request (`attempt`; the provider would replay the refusal); a
 * refund's part adds its place in the refund's stored split (the same split on every attempt).
 */
export const idempotencyKey = (ledgerKey: string, attempt?: number, part?: number): string =>
  `mc:${ledgerKey}${attempt ? `:r${attempt}` : ''}${part === undefined ? '' : `:${part}`}`;
