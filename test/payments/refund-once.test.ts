// R31: a refund is carried out once at the provider, however its attempts interleave with the contract's
// other refunds and whatever the provider answers. Its split over the contract's charges (oldest first) is
// decided once, before the first request, against every other refund's split, so a retry sends the same
// parts under the same keys and no charge gives back more than it took; a part carried out is never asked
// again when a later one was refused; a refund already done asks the provider nothing. The real activity,
// PostgreSQL, and stripe-mock behind the recording proxy; the contract's row comes from the real workflow.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type PaymentActivities, createPaymentActivities } from '../../activities/payments.js';
import type { IssuedUser } from '../../api/users.js';
import type { MoneyMovement } from '../../domain/payments.js';
import { stripePayments } from '../../payments/stripe.js';
import { ContractDriver } from '../support/contract-driver.js';
import { startStack, type Stack } from '../support/stack.js';
import { startStripeMock } from '../support/stripe-mock.js';
import { type StripeProxy, startStripeProxy } from '../support/stripe-proxy.js';

let mock: Awaited<ReturnType<typeof startStripeMock>>;
let proxy: StripeProxy;
let stack: Stack;
let activities: PaymentActivities;

beforeAll(async () => {
  mock = await startStripeMock();
  proxy = await startStripeProxy(mock.url);
  // No retries inside the SDK: every retry here is the activity's, as Temporal makes it.
  const port = stripePayments({ secretKey: 'sk_test_123', apiBase: proxy.url, timeoutMs: 5_000, maxNetworkRetries: 0 });
  stack = await startStack({ payments: port });
  activities = createPaymentActivities(stack.db, port);
});
afterEach(() => expect(proxy.pendingFaults()).toBe(0));
afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
  await mock?.stop();
});

/** A contract (its row stored) whose client has a saved card, and charges of these amounts, in order. */
async function charged(amounts: number[]): Promise<{ id: string; client: IssuedUser; charges: string[] }> {
  const [client, freelancer] = await Promise.all([stack.newUser('Client'), stack.newUser('Freelancer')]);
  await stack.db.user.update({ where: { id: client.id }, data: { paymentMethodId: 'pm_card_visa' } });
  const c = new ContractDriver(stack.client, stack.taskQueue, undefined, { clientId: client.id, freelancerId: freelancer.id });
  await c.create({ payments: 'stripe' });
  await expect.poll(() => stack.db.contract.count({ where: { id: c.id } }), { timeout: 10_000 }).toBe(1);
  const charges: string[] = [];
  for (const [i, amountCents] of amounts.entries()) {
    const out = await activities.moveMoney({
      type: 'charge', key: `${c.id}:${i + 2}:deposit:m${i + 1}`, contractId: c.id, milestoneId: `m${i + 1}`, amountCents, partyId: client.id,
    });
    charges.push(out.reference);
  }
  return { id: c.id, client, charges };
}

const refund = (id: string, clientId: string, seq: number, amountCents: number): MoneyMovement =>
  ({ type: 'refund', key: `${id}:${seq}:refund:-`, contractId: id, milestoneId: null, amountCents, partyId: clientId });

/** What the provider carried out for a ledger key: [charge, amount] per Refund. */
const refunded = (key: string) => proxy.createdFor('refund', key).map((r) => [r.object.payment_intent, r.object.amount]);
/** What the provider has refunded of each charge, all refunds together. */
const refundedOf = (charge: string) => proxy.created.filter((r) => r.type === 'refund' && r.object.payment_intent === charge)
  .reduce((sum, r) => sum + Number(r.object.amount), 0);
const requestsFor = (key: string) => proxy.requests.filter((r) => r.path === '/v1/refunds' && r.body['metadata[ledger_key]'] === key);

describe('R31 a refund is carried out once', () => {
  it('retried after another refund of the contract succeeded meanwhile, it sends the same parts; no charge gives back more than it took', async () => {
    const { id, client, charges: [a, b] } = await charged([1_000, 1_000]);
    const first = refund(id, client.id, 6, 600);
    const second = refund(id, client.id, 7, 700);
    proxy.inject('lost', '/v1/refunds', 2); // carried out, no answer to it nor to the SDK's retry: the activity will retry
    await expect(activities.moveMoney(first)).rejects.toMatchObject({ type: 'PAYMENT_PROVIDER_UNAVAILABLE' });
    expect(refunded(first.key)).toEqual([[a, 600]]);

    expect(await activities.moveMoney(second)).toMatchObject({ status: 'succeeded' });
    expect(await activities.moveMoney(first)).toMatchObject({ status: 'succeeded' });

    expect(refunded(first.key)).toEqual([[a, 600]]);
    expect(refunded(second.key)).toEqual([[a, 400], [b, 300]]);
    expect([refundedOf(a!), refundedOf(b!)]).toEqual([1_000, 300]);
    expect(await stack.db.paymentMovement.findUnique({ where: { key: first.key } })).toMatchObject({ status: 'succeeded' });
  });

  it('a part refused after the one before it was carried out: asking again refunds only the rest', async () => {
    const { id, client, charges: [a, b] } = await charged([500, 1_000]);
    const r = refund(id, client.id, 6, 800);
    proxy.inject('none', '/v1/refunds'); // the first part is carried out ...
    proxy.inject('decline', '/v1/refunds'); // ... the second refused
    await expect(activities.moveMoney(r)).rejects.toMatchObject({ type: 'REFUND_DECLINED' });
    expect(refunded(r.key)).toEqual([[a, 500]]);

    expect(await activities.moveMoney(r)).toMatchObject({ status: 'succeeded' }); // an operator's retry
    expect(refunded(r.key)).toEqual([[a, 500], [b, 300]]);
    // The refused part is a new request after the refusal; the part carried out is not asked again.
    expect(requestsFor(r.key).map((q) => q.idempotencyKey)).toEqual([`mc:${r.key}:0`, `mc:${r.key}:1`, `mc:${r.key}:r1:1`]);
  });

  it('a refund already done asks the provider nothing when its activity runs again', async () => {
    const { id, client } = await charged([1_000]);
    const r = refund(id, client.id, 6, 250);
    const done = await activities.moveMoney(r);
    expect(await activities.moveMoney(r)).toEqual(done);
    expect(requestsFor(r.key)).toHaveLength(1);
  });
});
