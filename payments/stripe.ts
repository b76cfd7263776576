// The Stripe adapter: Stripe Connect's separate charges and transfers through the official SDK. A deposit
// is a PaymentIntent confirmed off-session on the client's saved payment method; every object of a
// contract carries `transfer_group` = the contract id; a release is a Transfer to the freelancer's connected
// account; a refund is one Refund per PaymentIntent its stored split draws on. Every request carries an
// idempotency key derived from its ledger entry, so the SDK's retries and the activity's are one request.
import Stripe from 'stripe';
import {
  type Charge, type PaymentOutcome, type PaymentsPort, type ProviderMovement, type Refund, type Transfer, idempotencyKey,
} from '../domain/payments.js';

export interface StripeOptions {
  secretKey: string;
  /** Another API host (stripe-mock, or the tests' recording proxy in front of it). */
  apiBase?: string;
  /** Per request; the activity's own timeout bounds the whole call. */
  timeoutMs?: number;
  /** Retries inside the SDK (same idempotency key); the activity retries on top, boundedly. */
  maxNetworkRetries?: number;
}

/** Bounded list walks: a contract has a handful of movements; more than this is reported, not walked. */
const LIST_LIMIT = 100;

export function stripeClient(o: StripeOptions): Stripe {
  const base = o.apiBase ? new URL(o.apiBase) : undefined;
  return new Stripe(o.secretKey, {
    timeout: o.timeoutMs ?? 20_000,
    maxNetworkRetries: o.maxNetworkRetries ?? 1,
    appInfo: { name: 'milestone-contracts' },
    ...(base ? {
      host: base.hostname,
      port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
      protocol: base.protocol === 'https:' ? 'https' as const : 'http' as const,
    } : {}),
  });
}

export function stripePayments(o: StripeOptions, client: Stripe = stripeClient(o)): PaymentsPort {
  return {
    provider: 'stripe',

    async charge(c: Charge): Promise<PaymentOutcome> {
      if (!c.paymentMethodId) {
        return { status: 'declined', code: 'payment_method_missing', reason: 'the client has no saved payment method' };
      }
      return attempt(async () => {
        // A saved method belongs to a customer, and Stripe charges it off-session only with that customer:
        // read from the method itself, so a user stores one id. A method Stripe does not know is declined.
        const pm = await client.paymentMethods.retrieve(c.paymentMethodId!);
        const customer = typeof pm.customer === 'string' ? pm.customer : pm.customer?.id;
        const pi = await client.paymentIntents.create({
          amount: c.amountCents, currency: 'usd', payment_method: c.paymentMethodId!, confirm: true, off_session: true,
          ...(customer ? { customer } : {}),
          transfer_group: c.contractId,
          metadata: { ledger_key: c.key, contract_id: c.contractId, milestone_id: c.milestoneId ?? '', fee_cents: String(c.feeCents) },
        }, { idempotencyKey: idempotencyKey(c.key, c.attempt) });
        return intentOutcome(pi);
      });
    },

    async transfer(t: Transfer): Promise<PaymentOutcome> {
      if (!t.payoutAccountId) {
        return { status: 'declined', code: 'payout_account_missing', reason: 'the freelancer has no payout account yet' };
      }
      return attempt(async () => {
        const tr = await client.transfers.create({
          amount: t.amountCents, currency: 'usd', destination: t.payoutAccountId!, transfer_group: t.contractId,
          metadata: { ledger_key: t.key, contract_id: t.contractId, milestone_id: t.milestoneId ?? '' },
        }, { idempotencyKey: idempotencyKey(t.key, t.attempt) });
        return { status: 'succeeded', reference: tr.id };
      });
    },

    async refund(r: Refund): Promise<PaymentOutcome> {
      return attempt(async () => {
        const re = await client.refunds.create({
          payment_intent: r.charge, amount: r.amountCents,
          metadata: { ledger_key: r.key, contract_id: r.contractId, milestone_id: r.milestoneId ?? '' },
        }, { idempotencyKey: idempotencyKey(r.key, r.attempt, r.part) });
        if (re.status === 'failed' || re.status === 'canceled') {
          return { status: 'declined', code: `refund_${re.status}`, reason: re.failure_reason ?? `the refund ${re.id} ${re.status}`, reference: re.id };
        }
        return { status: 'succeeded', reference: re.id };
      });
    },

    async movements(contractId: string): Promise<ProviderMovement[]> {
      const [charges, transfers] = await Promise.all([
        client.charges.list({ transfer_group: contractId, limit: LIST_LIMIT }),
        client.transfers.list({ transfer_group: contractId, limit: LIST_LIMIT }),
      ]);
      const out: ProviderMovement[] = [];
      for (const ch of charges.data) {
        if (ch.status !== 'succeeded') continue;
        const pi = typeof ch.payment_intent === 'string' ? ch.payment_intent : ch.payment_intent?.id ?? ch.id;
        out.push({ type: 'charge', reference: pi, amountCents: ch.amount, ...keyOf(ch.metadata) });
        if (ch.amount_refunded > 0) out.push({ type: 'refund', reference: pi, amountCents: ch.amount_refunded });
      }
      for (const tr of transfers.data) {
        out.push({ type: 'transfer', reference: tr.id, amountCents: tr.amount - tr.amount_reversed, ...keyOf(tr.metadata) });
      }
      return out;
    },
  };
}

const keyOf = (m: Stripe.Metadata | null | undefined) => (m?.ledger_key ? { key: m.ledger_key } : {});

/** A confirmed PaymentIntent in the port's words. */
function intentOutcome(pi: Stripe.PaymentIntent): PaymentOutcome {
  switch (pi.status) {
    case 'succeeded':
      return { status: 'succeeded', reference: pi.id };
    case 'processing':
      return { status: 'pending', reference: pi.id };
    case 'requires_action': // off-session: the client has to come back and authenticate
      return { status: 'declined', code: 'authentication_required', reason: 'the bank asks the client to authenticate this payment', reference: pi.id };
    default: {
      const e = pi.last_payment_error;
      return { status: 'declined', code: e?.decline_code ?? e?.code ?? pi.status, reason: e?.message ?? `the payment is ${pi.status.replaceAll('_', ' ')}`, reference: pi.id };
    }
  }
}

/** Stripe's errors in the port's words: a refusal is declined; an outage or a lost answer is worth retrying. */
async function attempt(fn: () => Promise<PaymentOutcome>): Promise<PaymentOutcome> {
  try {
    return await fn();
  } catch (err) {
    return errorOutcome(err);
  }
}

export function errorOutcome(err: unknown): PaymentOutcome {
  if (!(err instanceof Stripe.errors.StripeError)) throw err;
  const reason = err.message;
  if (err instanceof Stripe.errors.StripeCardError) {
    return { status: 'declined', code: err.decline_code ?? err.code ?? 'card_declined', reason };
  }
  if (err instanceof Stripe.errors.StripeInvalidRequestError) {
    // A payment method or an account the provider will not use (e.g. one that cannot receive transfers).
    return { status: 'declined', code: err.code ?? 'invalid_request', reason };
  }
  if (err instanceof Stripe.errors.StripeIdempotencyError || err instanceof Stripe.errors.StripeAuthenticationError
    || err instanceof Stripe.errors.StripePermissionError) {
    return { status: 'failed', retryable: false, reason: `${err.type}: ${reason}` };
  }
  // API errors (5xx), rate limits, connection errors and timeouts: the same key is safe to send again.
  return { status: 'failed', retryable: true, reason: `${err.type}: ${reason}` };
}
