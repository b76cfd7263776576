// R31 through the real contract workflow, real activities and PostgreSQL, with Stripe's adapter talking to
// stripe-mock through the recording proxy: one charge per deposit and one transfer per release however the
// provider fails; a declined card refuses the funding and holds nothing; a freelancer without a payout
// account is paid once they add one; a refused payout is paid once an operator retries it; operators see
// what waits; reconciliation finds a planted difference; Stripe's signed webhook settles a deposit that
// confirmed later.
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentActivities } from '../../activities/payments.js';
import { issueUser, type IssuedUser } from '../../api/users.js';
import { stripePayments } from '../../payments/stripe.js';
import { ContractDriver, expectRefused } from '../support/contract-driver.js';
import { http } from '../support/http.js';
import { startStack, type Stack } from '../support/stack.js';
import { startStripeMock } from '../support/stripe-mock.js';
import { type StripeProxy, startStripeProxy } from '../support/stripe-proxy.js';

const WEBHOOK_SECRET = 'whsec_test_r31';
let mock: Awaited<ReturnType<typeof startStripeMock>>;
let proxy: StripeProxy;
let stack: Stack;
let port: ReturnType<typeof stripePayments>;

beforeAll(async () => {
  mock = await startStripeMock();
  proxy = await startStripeProxy(mock.url);
  // No retries inside the SDK: every retry here is the activity's, the one Temporal makes after a crash too.
  port = stripePayments({ secretKey: 'sk_test_123', apiBase: proxy.url, timeoutMs: 5_000, maxNetworkRetries: 0 });
  stack = await startStack({ payments: port, stripeWebhookSecret: WEBHOOK_SECRET });
});
afterEach(() => expect(proxy.pendingFaults()).toBe(0));
afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
  await mock?.stop();
});

async function parties(opts: { payoutAccount?: boolean } = {}): Promise<{ client: IssuedUser; freelancer: IssuedUser }> {
  const [client, freelancer] = await Promise.all([stack.newUser('Client'), stack.newUser('Freelancer')]);
  await stack.db.user.update({ where: { id: client.id }, data: { paymentMethodId: 'pm_card_visa' } });
  if (opts.payoutAccount !== false) await stack.db.user.update({ where: { id: freelancer.id }, data: { payoutAccountId: 'acct_1Free' } });
  return { client, freelancer };
}

async function contract(p: { client: IssuedUser; freelancer: IssuedUser }, amountCents = 10_000): Promise<ContractDriver> {
  const c = new ContractDriver(stack.client, stack.taskQueue, undefined, { clientId: p.client.id, freelancerId: p.freelancer.id });
  await c.create({ payments: 'stripe' });
  await c.add('Design', amountCents);
  return c;
}

/** The last ledger entry of a kind, once the projection (just behind the command's answer) has stored it. */
const ledgerKey = async (contractId: string, kind: string): Promise<string> => {
  const rows = () => stack.db.ledgerEntry.findMany({ where: { contractId, kind }, orderBy: { seq: 'asc' } });
  await expect.poll(async () => (await rows()).length, { message: `${kind} entries`, timeout: 10_000 }).toBeGreaterThan(0);
  return (await rows()).at(-1)!.key;
};
const movement = (key: string) => stack.db.paymentMovement.findUnique({ where: { key } });

describe('R31 the saga against stripe-mock', () => {
  it('a deposit charges once and a release pays once, across lost answers and 500s', async () => {
    const p = await parties();
    const c = await contract(p);
    proxy.inject('lost', '/v1/payment_intents');
    proxy.inject('500', '/v1/payment_intents');
    const funded = await c.fund();
    expect(funded.contract.milestones[0]!.state).toBe('active');
    const deposit = await ledgerKey(c.id, 'deposit');
    const charges = proxy.createdFor('payment_intent', deposit);
    expect(charges).toHaveLength(1);
    expect(charges[0]!.object).toMatchObject({ amount: 10_495, transfer_group: c.id });
    expect(await movement(deposit)).toMatchObject({ status: 'succeeded', type: 'charge', reference: charges[0]!.object.id, provider: 'stripe' });

    await c.submit('m1');
    proxy.inject('lost', '/v1/transfers', 2);
    await c.release('m1');
    const release = await ledgerKey(c.id, 'release');
    await expect.poll(async () => (await movement(release))?.status, { timeout: 30_000 }).toBe('succeeded');
    const transfers = proxy.createdFor('transfer', release);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]!.object).toMatchObject({ amount: 10_000, destination: 'acct_1Free', transfer_group: c.id });

    // Reconciliation: the ledger and the provider agree; then a transfer the ledger never made is planted.
    const activities = createPaymentActivities(stack.db, port);
    expect(await activities.reconcileContract(c.id)).toEqual([]);
    const stripe = new Stripe('sk_test_123', { host: '127.0.0.1', port: Number(new URL(proxy.url).port), protocol: 'http' });
    await stripe.transfers.create({ amount: 777, currency: 'usd', destination: 'acct_1Free', transfer_group: c.id });
    expect(await activities.reconcileContract(c.id)).toEqual([
      expect.objectContaining({ type: 'transfer', difference: 'unknown_to_ledger', ledgerCents: 0, providerCents: 777 }),
    ]);
  });

  it('withdrawn project funds are refunded once, from the deposit they came from, across 500s and lost answers', async () => {
    const p = await parties();
    const c = await contract(p);
    await c.fund();
    const deposit = await ledgerKey(c.id, 'deposit');
    const charge = await movement(deposit);
    await c.submit('m1');
    await c.release('m1', 4_000); // the 6,000 left become project funds (R8)
    proxy.inject('500', '/v1/refunds');
    proxy.inject('lost', '/v1/refunds');
    await c.send('withdrawFunds', { actorId: p.client.id });
    const refund = await ledgerKey(c.id, 'refund');
    await expect.poll(async () => (await movement(refund))?.status, { timeout: 60_000 }).toBe('succeeded');
    const refunds = proxy.createdFor('refund', refund);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]!.object).toMatchObject({ amount: 6_000, payment_intent: charge!.reference });
    expect(proxy.createdFor('transfer', await ledgerKey(c.id, 'release'))).toHaveLength(1);
  });

  it('a declined card refuses the funding with PAYMENT_DECLINED and holds nothing; funding again charges once', async () => {
    const p = await parties();
    const c = await contract(p);
    proxy.inject('decline', '/v1/payment_intents');
    await expectRefused(c.fund(), 'PAYMENT_DECLINED', 'R31');
    const after = await c.state();
    expect(after.milestones[0]!.state).toBe('pending');
    expect(after.balances).toMatchObject({ escrowCents: 0, depositsCents: 0 });
    expect(await stack.db.ledgerEntry.count({ where: { contractId: c.id } })).toBe(0);
    const refused = await stack.db.paymentMovement.findFirst({ where: { contractId: c.id, type: 'charge' } });
    expect(refused).toMatchObject({ status: 'declined', code: 'generic_decline' });
    expect(proxy.createdFor('payment_intent', refused!.key)).toHaveLength(0);

    // The same transition again (same ledger key): a new request to the provider, not the replayed decline.
    await c.fund();
    expect(proxy.createdFor('payment_intent', refused!.key)).toHaveLength(1);
    expect(await movement(refused!.key)).toMatchObject({ status: 'succeeded' });
  });

  it('a freelancer without a payout account: the payout waits, operators see it, adding an account pays it once', async () => {
    const p = await parties({ payoutAccount: false });
    const c = await contract(p, 6_000);
    await c.fund();
    await c.submit('m1');
    await c.release('m1');
    const release = await ledgerKey(c.id, 'release');
    await expect.poll(async () => (await movement(release))?.code, { timeout: 30_000 }).toBe('payout_account_missing');

    const operator = await issueUser(stack.db, { email: `${randomUUID()}@example.test`, name: 'Ops', role: 'operator' });
    const call = http(stack.baseUrl);
    const listed = await call('GET', '/operator/payouts', { token: operator.token });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual(expect.arrayContaining([expect.objectContaining({ key: release, type: 'transfer', status: 'declined', amountCents: 6_000 })]));
    expect((await call('GET', '/operator/payouts', { token: p.client.token })).status).toBe(403);

    // Shown on the contract to its parties, and told to the freelancer.
    const shown = await call('GET', `/contracts/${c.id}`, { token: p.freelancer.token });
    expect(shown.body.pendingPayments).toEqual([expect.objectContaining({ key: release, type: 'transfer', status: 'declined', code: 'payout_account_missing' })]);
    await expect.poll(async () => (await stack.db.notification.findMany({ where: { recipientId: p.freelancer.id, event: 'payout_pending' } })).length,
      { timeout: 30_000 }).toBe(1);

    const set = await call('POST', `/users/${p.freelancer.id}`, { token: operator.token, body: { payoutAccountId: 'acct_1Later' }, key: null });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ payoutAccountId: 'acct_1Later' });
    await expect.poll(async () => (await movement(release))?.status, { timeout: 30_000 }).toBe('succeeded');
    const transfers = proxy.createdFor('transfer', release);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]!.object).toMatchObject({ destination: 'acct_1Later', amount: 6_000 });
  });

  it('a payout the provider refuses waits; once the account is fixed an operator retries it and it is paid once', async () => {
    const p = await parties();
    const c = await contract(p, 7_000);
    await c.fund();
    await c.submit('m1');
    proxy.inject('account_refused', '/v1/transfers'); // the connected account cannot receive transfers yet
    await c.release('m1');
    const release = await ledgerKey(c.id, 'release');
    await expect.poll(async () => (await movement(release))?.status, { timeout: 30_000 }).toBe('declined');
    expect(await movement(release)).toMatchObject({ code: 'account_invalid', attempts: 1 });
    expect(proxy.createdFor('transfer', release)).toHaveLength(0);

    const operator = await issueUser(stack.db, { email: `${randomUUID()}@example.test`, name: 'Ops', role: 'operator' });
    const call = http(stack.baseUrl);
    const listed = await call('GET', '/operator/payouts', { token: operator.token });
    expect(listed.body.data).toEqual(expect.arrayContaining([
      expect.objectContaining({ key: release, type: 'transfer', status: 'declined', code: 'account_invalid', attempts: 1, amountCents: 7_000 }),
    ]));
    // Only operators retry, and only what waits.
    expect((await call('POST', `/operator/payouts/${release}/retry`, { token: p.client.token })).status).toBe(403);
    expect((await call('POST', `/operator/payouts/${c.id}:99:release:m1/retry`, { token: operator.token })).status).toBe(404);

    // The account is fixed at the provider (onboarding finished): same account id, nothing to change on the user.
    const retried = await call('POST', `/operator/payouts/${release}/retry`, { token: operator.token });
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual({ retrying: true });
    await expect.poll(async () => (await movement(release))?.status, { timeout: 30_000 }).toBe('succeeded');
    const transfers = proxy.createdFor('transfer', release);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]!.object).toMatchObject({ amount: 7_000, destination: 'acct_1Free', transfer_group: c.id });
    // The retry was a new request (the provider would replay its refusal under the first key).
    expect(proxy.requests.filter((r) => r.path === '/v1/transfers' && r.body['metadata[ledger_key]'] === release).map((r) => r.idempotencyKey))
      .toEqual([`mc:${release}`, `mc:${release}:r1`]);
    // Done: nothing waits under the key any more, so a second retry finds nothing and pays nothing.
    expect((await call('POST', `/operator/payouts/${release}/retry`, { token: operator.token })).status).toBe(404);
    const after = await call('GET', '/operator/payouts', { token: operator.token });
    expect(after.body.data.map((d: { key: string }) => d.key)).not.toContain(release);
    expect(proxy.createdFor('transfer', release)).toHaveLength(1);
  });

  const signedEvent = (type: string, reference: string, secret = WEBHOOK_SECRET, metadata: Record<string, string> = {}) => {
    const payload = JSON.stringify({
      id: `evt_${randomUUID()}`, object: 'event', type, api_version: '2026-11-18', created: 1, livemode: false, pending_webhooks: 1, request: null,
      data: { object: { id: reference, object: 'payment_intent', metadata, last_payment_error: type.endsWith('failed') ? { code: 'debit_not_authorized', message: 'the bank refused the debit' } : null } },
    });
    return { raw: payload, key: null, headers: { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret }) } };
  };

  it('a deposit that confirms later holds the milestone pending until Stripe\'s signed webhook confirms it; then it is funded once', async () => {
    const p = await parties();
    const c = await contract(p);
    proxy.inject('pending', '/v1/payment_intents');
    const held = (await c.fund()).contract;
    expect(held.milestones[0]!.state).toBe('pending');
    expect(held.pendingDeposit).toMatchObject({ milestoneId: held.milestones[0]!.id, needCents: 10_000, paidCents: 10_000, feeCents: 495 });
    expect(held.balances).toMatchObject({ depositsCents: 0, escrowCents: 0 });
    const row = await stack.db.paymentMovement.findFirst({ where: { contractId: c.id, type: 'charge' } });
    expect(row).toMatchObject({ status: 'pending', key: held.pendingDeposit!.key });
    expect(await stack.db.ledgerEntry.count({ where: { contractId: c.id } })).toBe(0);
    // Money and plan changes wait; the contract shows the deposit as pending.
    await expectRefused(c.fund(), 'DEPOSIT_PENDING', 'R31');
    const call = http(stack.baseUrl);
    const shown = await call('GET', `/contracts/${c.id}`, { token: p.client.token });
    expect(shown.body.pendingPayments).toEqual([expect.objectContaining({ type: 'charge', status: 'pending', amountCents: 10_495 })]);

    const forged = await call('POST', '/payments/stripe/webhook', { ...signedEvent('payment_intent.succeeded', row!.reference!, 'whsec_wrong') });
    expect(forged.status).toBe(400);
    expect((await movement(row!.key))?.status).toBe('pending');
    const ok = await call('POST', '/payments/stripe/webhook', signedEvent('payment_intent.succeeded', row!.reference!));
    expect(ok.status).toBe(200);
    expect((await movement(row!.key))?.status).toBe('succeeded');
    await expect.poll(async () => (await c.state()).milestones[0]!.state, { timeout: 30_000 }).toBe('active');
    const after = await c.state();
    expect(after.pendingDeposit).toBeUndefined();
    expect(after.balances).toMatchObject({ depositsCents: 10_495, feesCents: 495, escrowCents: 10_000 });
    // Stripe sends events again: a second delivery changes nothing.
    expect((await call('POST', '/payments/stripe/webhook', signedEvent('payment_intent.succeeded', row!.reference!))).status).toBe(200);
    await expect.poll(() => stack.db.ledgerEntry.count({ where: { contractId: c.id, kind: 'deposit' } }), { timeout: 30_000 }).toBe(1);
    const deposit = await stack.db.ledgerEntry.findFirst({ where: { contractId: c.id, kind: 'deposit' } });
    expect(deposit?.key).toBe(row!.key); // the ledger's deposit is the charge the provider carried out
    expect(proxy.createdFor('payment_intent', row!.key)).toHaveLength(1);
    expect((await c.state()).seq).toBe(after.seq);
  });

  it('an event naming a payment not recorded yet is refused, so Stripe sends it again; another product\'s is acknowledged', async () => {
    const call = http(stack.baseUrl);
    const early = await call('POST', '/payments/stripe/webhook', signedEvent('payment_intent.succeeded', 'pi_unrecorded', WEBHOOK_SECRET, { ledger_key: 'c:2:deposit:m1' }));
    expect(early.status).toBe(503);
    expect(early.body).toMatchObject({ code: 'PAYMENT_NOT_RECORDED_YET' });
    const other = await call('POST', '/payments/stripe/webhook', signedEvent('payment_intent.succeeded', 'pi_other_product'));
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ handled: false });
  });

  it('a deposit that fails later is refused: nothing held, the client is told, funding again charges anew', async () => {
    const p = await parties();
    const c = await contract(p);
    proxy.inject('pending', '/v1/payment_intents');
    await c.fund();
    const row = await stack.db.paymentMovement.findFirst({ where: { contractId: c.id, type: 'charge' } });
    const call = http(stack.baseUrl);
    expect((await call('POST', '/payments/stripe/webhook', signedEvent('payment_intent.payment_failed', row!.reference!))).status).toBe(200);
    expect(await movement(row!.key)).toMatchObject({ status: 'declined', code: 'debit_not_authorized' });
    await expect.poll(async () => (await c.state()).pendingDeposit, { timeout: 30_000 }).toBeUndefined();
    const after = await c.state();
    expect(after.milestones[0]!.state).toBe('pending');
    expect(after.balances).toMatchObject({ depositsCents: 0, escrowCents: 0 });
    await expect.poll(async () => (await stack.db.notification.findMany({ where: { recipientId: p.client.id, event: 'deposit_failed' } })).length,
      { timeout: 30_000 }).toBe(1);
    const funded = await c.fund();
    expect(funded.contract.milestones[0]!.state).toBe('active');
    expect(await stack.db.paymentMovement.count({ where: { contractId: c.id, type: 'charge', status: 'succeeded' } })).toBe(1);
  });
});
