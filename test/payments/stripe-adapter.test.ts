// R31 against stripe-mock, through the recording proxy: the Stripe adapter moves each ledger entry once
// however often it is retried (lost answers, 500s, timeouts, the SDK's own retries), says "declined" for a
// refusal a party can act on and "failed" for what is worth retrying, and lists a contract's movements.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentOutcome, PaymentsPort } from '../../domain/payments.js';
import { stripePayments } from '../../payments/stripe.js';
import { startStripeMock } from '../support/stripe-mock.js';
import { type StripeProxy, startStripeProxy } from '../support/stripe-proxy.js';

let mock: Awaited<ReturnType<typeof startStripeMock>>;
let proxy: StripeProxy;
let port: PaymentsPort;

beforeAll(async () => {
  mock = await startStripeMock();
  proxy = await startStripeProxy(mock.url, { holdMs: 2_000 });
  // A short client timeout, so a held request ('timeout') is given up on; one SDK retry on top.
  port = stripePayments({ secretKey: 'sk_test_123', apiBase: proxy.url, timeoutMs: 1_000, maxNetworkRetries: 1 });
});
// Every fault a test injects is met by one of its own requests, never left to the next test.
afterEach(() => expect(proxy.pendingFaults()).toBe(0));
afterAll(async () => {
  await proxy?.close();
  await mock?.stop();
});

let n = 0;
const contractId = () => `c-r31-${++n}`;
const charge = (contract: string, key = `${contract}:2:deposit:m1`) => ({
  key, contractId: contract, milestoneId: 'm1', amountCents: 10_495, feeCents: 495, paymentMethodId: 'pm_card_visa',
});

/** An activity's retries, bounded: the outcome of the first attempt that is not a retryable failure. */
async function retried(fn: () => Promise<PaymentOutcome>, attempts = 5): Promise<PaymentOutcome> {
  let last: PaymentOutcome | undefined;
  for (let i = 0; i < attempts; i++) {
    last = await fn();
    if (last.status !== 'failed' || !last.retryable) return last;
  }
  return last!;
}

describe('R31 charges: one PaymentIntent per deposit', () => {
  it('confirms off-session on the saved method, in the contract\'s transfer group, keyed by the ledger entry', async () => {
    const c = contractId();
    const out = await port.charge(charge(c));
    expect(out).toMatchObject({ status: 'succeeded', reference: expect.stringMatching(/^pi_/) });
    const sent = proxy.requests.filter((r) => r.path === '/v1/payment_intents' && r.body.transfer_group === c);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.idempotencyKey).toBe(`mc:${c}:2:deposit:m1`);
    expect(sent[0]!.body).toMatchObject({
      amount: '10495', currency: 'usd', confirm: 'true', off_session: 'true', payment_method: 'pm_card_visa',
      'metadata[ledger_key]': `${c}:2:deposit:m1`, 'metadata[fee_cents]': '495',
    });
    expect(sent[0]!.body.customer).toBeUndefined(); // a method of no customer
  });

  it('charges a method attached to a customer with that customer, as Stripe requires off-session', async () => {
    const c = contractId();
    expect(await port.charge({ ...charge(c), paymentMethodId: 'pm_attached_1' })).toMatchObject({ status: 'succeeded' });
    const sent = proxy.requests.filter((r) => r.path === '/v1/payment_intents' && r.body.transfer_group === c);
    expect(sent.map((r) => [r.body.payment_method, r.body.customer])).toEqual([['pm_attached_1', 'cus_attached']]);
  });

  it('a lost answer, a 500 and a timeout, each retried: still one PaymentIntent', async () => {
    for (const fault of ['lost', '500', 'timeout'] as const) {
      const c = contractId();
      proxy.inject(fault, '/v1/payment_intents', 2); // the SDK's retry meets it too: the activity's retry succeeds
      const out = await retried(() => port.charge(charge(c)));
      expect(out.status, fault).toBe('succeeded');
      const key = `${c}:2:deposit:m1`;
      expect(proxy.createdFor('payment_intent', key), fault).toHaveLength(1);
      expect(proxy.requests.filter((r) => r.idempotencyKey === `mc:${key}`).length, fault).toBeGreaterThan(1);
    }
  });

  it('a declined card is declined with its reason, and nothing is charged', async () => {
    const c = contractId();
    proxy.inject('decline', '/v1/payment_intents');
    const out = await port.charge(charge(c));
    expect(out).toMatchObject({ status: 'declined', code: 'generic_decline' });
    expect(proxy.createdFor('payment_intent', `${c}:2:deposit:m1`)).toHaveLength(0);
  });

  it('a client without a saved payment method is declined before anything is sent', async () => {
    const c = contractId();
    const before = proxy.requests.length;
    const out = await port.charge({ ...charge(c), paymentMethodId: null });
    expect(out).toMatchObject({ status: 'declined', code: 'payment_method_missing' });
    expect(proxy.requests.length).toBe(before);
  });

  it('a payment that confirms later (a bank debit) is pending', async () => {
    const c = contractId();
    proxy.inject('pending', '/v1/payment_intents');
    expect(await port.charge(charge(c))).toMatchObject({ status: 'pending', reference: expect.stringMatching(/^pi_/) });
  });
});

describe('R31 transfers: one Transfer per release', () => {
  const transfer = (c: string) => ({ key: `${c}:5:release:m1`, contractId: c, milestoneId: 'm1', amountCents: 10_000, payoutAccountId: 'acct_1' });

  it('pays the connected account in the contract\'s transfer group, once across lost answers and 500s', async () => {
    const c = contractId();
    proxy.inject('500', '/v1/transfers');
    proxy.inject('lost', '/v1/transfers');
    proxy.inject('lost', '/v1/transfers'); // the activity's second attempt loses its replayed answer too
    const out = await retried(() => port.transfer(transfer(c)));
    expect(out).toMatchObject({ status: 'succeeded', reference: expect.stringMatching(/^tr_/) });
    const made = proxy.createdFor('transfer', `${c}:5:release:m1`);
    expect(made).toHaveLength(1);
    expect(made[0]!.object).toMatchObject({ amount: 10_000, destination: 'acct_1', transfer_group: c });
  });

  it('an account that cannot receive transfers is declined; no account yet is declined without a request', async () => {
    const c = contractId();
    proxy.inject('account_refused', '/v1/transfers');
    expect(await port.transfer(transfer(c))).toMatchObject({ status: 'declined', code: 'account_invalid' });
    expect(await port.transfer({ ...transfer(c), payoutAccountId: null })).toMatchObject({ status: 'declined', code: 'payout_account_missing' });
    expect(proxy.createdFor('transfer', `${c}:5:release:m1`)).toHaveLength(0);
  });
});

describe('R31 refunds: one Refund per part of a refund (per charge it draws on)', () => {
  it('a part is a Refund of its charge, keyed by the ledger entry and its place, once across lost answers', async () => {
    const c = contractId();
    const key = `${c}:9:refund:-`;
    const part = (n: number, charge: string, amountCents: number) => ({ key, part: n, contractId: c, milestoneId: null, charge, amountCents });
    proxy.inject('lost', '/v1/refunds', 2); // the first part's answer, then its SDK retry's
    expect(await retried(() => port.refund(part(0, 'pi_a', 500)))).toMatchObject({ status: 'succeeded', reference: expect.stringMatching(/^re_/) });
    expect(await port.refund(part(1, 'pi_b', 200))).toMatchObject({ status: 'succeeded' });
    const made = proxy.createdFor('refund', key).map((x) => [x.object.payment_intent, x.object.amount]);
    expect(made).toEqual([['pi_a', 500], ['pi_b', 200]]);
    expect(new Set(proxy.requests.filter((x) => x.path === '/v1/refunds' && x.body['metadata[ledger_key]'] === key).map((x) => x.idempotencyKey)))
      .toEqual(new Set([`mc:${key}:0`, `mc:${key}:1`]));
    // Asked again after a refusal: a new request, numbered.
    expect(await port.refund({ ...part(1, 'pi_b', 200), attempt: 1 })).toMatchObject({ status: 'succeeded' });
    expect(proxy.requests.at(-1)!.idempotencyKey).toBe(`mc:${key}:r1:1`);
  });
});

describe('R31 the provider\'s records of a contract', () => {
  it('lists its charges, refunds and transfers by transfer group, with their ledger keys', async () => {
    const c = contractId();
    const ch = await port.charge(charge(c));
    const pi = (ch as { reference: string }).reference;
    await port.transfer({ key: `${c}:5:release:m1`, contractId: c, milestoneId: 'm1', amountCents: 9_000, payoutAccountId: 'acct_1' });
    await port.refund({ key: `${c}:6:refund:m1`, part: 0, contractId: c, milestoneId: 'm1', charge: pi, amountCents: 1_000 });
    const got = await port.movements(c);
    expect(got).toEqual(expect.arrayContaining([
      { type: 'charge', reference: pi, amountCents: 10_495, key: `${c}:2:deposit:m1` },
      { type: 'refund', reference: pi, amountCents: 1_000 },
      expect.objectContaining({ type: 'transfer', amountCents: 9_000, key: `${c}:5:release:m1` }),
    ]));
    expect(got).toHaveLength(3);
  });
});
