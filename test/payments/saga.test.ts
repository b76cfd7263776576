// R31 through the real contract workflow, real activities and PostgreSQL, with Stripe's adapter talking to
// stripe-mock through the recording proxy. Every contract starts as an offer (R30) whose first milestone's
// deposit is charged at the create: one charge per deposit (the offer's and a later funding's) and one
// transfer per release however the provider fails; a declined card refuses the offer or the funding and
// holds nothing; an offer's deposit that would confirm later refuses the offer; a declined, withdrawn or
// expired offer refunds its deposit once; a freelancer without a payout account is paid once they add one;
// a refused payout is paid once an operator retries it; operators see what waits; reconciliation finds a
// planted difference; Stripe's signed webhook settles a later deposit that confirmed later.
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentActivities } from '../../activities/payments.js';
import { issueUser, type IssuedUser } from '../../api/users.js';
import { stripePayments } from '../../payments/stripe.js';
import { ContractDriver, type CreateOptions, expectRefused } from '../support/contract-driver.js';
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

const parts = (amounts: number[]) => amounts.map((amountCents, n) => ({ title: `Part ${n + 1}`, amountCents }));

/** R30: the client's offer of these milestones, sent (its first milestone's deposit charged), not yet accepted. */
async function offer(p: { client: IssuedUser; freelancer: IssuedUser }, amounts = [10_000], opts: Omit<CreateOptions, 'milestones' | 'payments'> = {}) {
  const c = driver(p);
  await c.create({ ...opts, payments: 'stripe', milestones: parts(amounts) });
  return c;
}

/** An offer sent and accepted: the contract open with its first milestone funded and active. */
async function contract(p: { client: IssuedUser; freelancer: IssuedUser }, amounts = [10_000]): Promise<ContractDriver> {
  const c = driver(p);
  await c.open(parts(amounts), { payments: 'stripe' });
  return c;
}

const driver = (p: { client: IssuedUser; freelancer: IssuedUser }) =>
  new ContractDriver(stack.client, stack.taskQueue, undefined, { clientId: p.client.id, freelancerId: p.freelancer.id });

/** The first milestone done and paid, so the next one can be funded (one at a time, R6). */
async function finishFirst(c: ContractDriver): Promise<void> {
  await c.submit('m1');
  await c.release('m1');
}

/** The last ledger entry of a kind, once the projection (just behind the command's answer) has stored it. */
const ledgerKey = async (c: ContractDriver, kind: string): Promise<string> => {
  await c.projected(stack.db); // every command answered so far is stored (the projection runs just behind)
  const rows = await stack.db.ledgerEntry.findMany({ where: { contractId: c.id, kind }, orderBy: { seq: 'asc' } });
  expect(rows.length, `${kind} entries`).toBeGreaterThan(0);
  return rows.at(-1)!.key;
};
const movement = (key: string) => stack.db.paymentMovement.findUnique({ where: { key } });

const signedEvent = (type: string, reference: string, secret = WEBHOOK_SECRET, metadata: Record<string, string> = {}) => {
  const payload = JSON.stringify({
    id: `evt_${randomUUID()}`, object: 'event', type, api_version: '2026-11-18', created: 1, livemode: false, pending_webhooks: 1, request: null,
    data: { object: { id: reference, object: 'payment_intent', metadata, last_payment_error: type.endsWith('failed') ? { code: 'debit_not_authorized', message: 'the bank refused the debit' } : null } },
  });
  return { raw: payload, key: null, headers: { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret }) } };
};

describe('R31 the saga against stripe-mock', () => {
  it('an offer\'s deposit and a later funding charge once, and a release pays once, across lost answers and 500s', async () => {
    const p = await parties();
    proxy.inject('lost', '/v1/payment_intents');
    proxy.inject('500', '/v1/payment_intents');
    const c = await offer(p, [10_000, 5_000]);
    const sent = await c.state();
    expect(sent).toMatchObject({ status: 'offered', balances: { depositsCents: 10_495, feesCents: 495, escrowCents: 10_000 } });
    expect(sent.milestones[0]!.state).toBe('active');
    const deposit = await ledgerKey(c, 'deposit');
    const charges = proxy.createdFor('payment_intent', deposit);
    expect(charges).toHaveLength(1);
    expect(charges[0]!.object).toMatchObject({ amount: 10_495, transfer_group: c.id });
    expect(await movement(deposit)).toMatchObject({ status: 'succeeded', type: 'charge', reference: charges[0]!.object.id, provider: 'stripe', contractId: c.id });
    // Before acceptance the plan is the offer's: nothing else is added or funded.
    await expectRefused(c.add('More', 1_000), 'OFFER_NOT_ACCEPTED', 'R30');
    await expectRefused(c.fund(), 'OFFER_NOT_ACCEPTED', 'R30');
    expect((await c.accept()).contract.status).toBe('open');
    expect(proxy.createdFor('payment_intent', deposit)).toHaveLength(1); // accepting charges nothing

    await c.submit('m1');
    proxy.inject('lost', '/v1/transfers', 2);
    await c.release('m1');
    const release = await ledgerKey(c, 'release');
    await expect.poll(async () => (await movement(release))?.status, { timeout: 30_000 }).toBe('succeeded');
    const transfers = proxy.createdFor('transfer', release);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]!.object).toMatchObject({ amount: 10_000, destination: 'acct_1Free', transfer_group: c.id });

    // The second milestone's funding: its own charge, once, without the fee (charged with the offer, R9).
    proxy.inject('lost', '/v1/payment_intents');
    proxy.inject('500', '/v1/payment_intents');
    expect((await c.fund()).contract.milestones[1]!.state).toBe('active');
    const second = await ledgerKey(c, 'deposit');
    expect(second).not.toBe(deposit);
    expect(proxy.createdFor('payment_intent', second)).toHaveLength(1);
    expect(proxy.createdFor('payment_intent', second)[0]!.object).toMatchObject({ amount: 5_000, transfer_group: c.id });
    expect(proxy.createdFor('payment_intent', deposit)).toHaveLength(1);

    // Reconciliation: the ledger and the provider agree; then a transfer the ledger never made is planted.
    const activities = createPaymentActivities(stack.db, port);
    expect(await activities.reconcileContract(c.id)).toEqual([]);
    const stripe = new Stripe('sk_test_123', { host: '127.0.0.1', port: Number(new URL(proxy.url).port), protocol: 'http' });
    await stripe.transfers.create({ amount: 777, currency: 'usd', destination: 'acct_1Free', transfer_group: c.id });
    expect(await activities.reconcileContract(c.id)).toEqual([
      expect.objectContaining({ type: 'transfer', difference: 'unknown_to_ledger', ledgerCents: 0, providerCents: 777 }),
    ]);
  });

  it('withdrawn project funds are refunded once, from the offer\'s deposit they came from, across 500s and lost answers', async () => {
    const p = await parties();
    const c = await contract(p);
    const deposit = await ledgerKey(c, 'deposit');
    const charge = await movement(deposit);
    await c.submit('m1');
    await c.release('m1', 4_000); // the 6,000 left become project funds (R8)
    proxy.inject('500', '/v1/refunds');
    proxy.inject('lost', '/v1/refunds');
    await c.send('withdrawFunds', { actorId: p.client.id });
    const refund = await ledgerKey(c, 'refund');
    await expect.poll(async () => (await movement(refund))?.status, { timeout: 60_000 }).toBe('succeeded');
    const refunds = proxy.createdFor('refund', refund);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]!.object).toMatchObject({ amount: 6_000, payment_intent: charge!.reference });
    expect(proxy.createdFor('transfer', await ledgerKey(c, 'release'))).toHaveLength(1);
    expect(proxy.createdFor('payment_intent', deposit)).toHaveLength(1);
  });

  it('a declined, a withdrawn and an expired offer each refund the charged deposit and fee through the provider once', async () => {
    const p = await parties();
    const [declined, withdrawn, expired] = await Promise.all([
      offer(p), offer(p),
      // A test-only short day: the offer expires after one of them (2 s), by the contract's own timer.
      offer(p, [10_000], { input: { dayMs: 2_000 }, offer: { expiresInDays: 1 } }),
    ]);
    proxy.inject('500', '/v1/refunds');
    proxy.inject('lost', '/v1/refunds');
    await declined.send('declineOffer', { actorId: p.freelancer.id, version: 1 });
    await withdrawn.send('withdrawOffer', { actorId: p.client.id });
    for (const [c, state] of [[declined, 'declined'], [withdrawn, 'withdrawn'], [expired, 'expired']] as const) {
      await expect.poll(async () => (await stack.db.contract.findUnique({ where: { id: c.id } }))?.offer, { timeout: 30_000 })
        .toMatchObject({ state });
      const deposit = await ledgerKey(c, 'deposit');
      const charge = await movement(deposit);
      expect(proxy.createdFor('payment_intent', deposit)).toHaveLength(1);
      const returns = await stack.db.ledgerEntry.findMany({ where: { contractId: c.id, kind: { in: ['refund', 'fee_refund'] } } });
      expect(returns.map((e) => [e.kind, Number(e.amountCents)]).sort(), state).toEqual([['fee_refund', 495], ['refund', 10_000]]);
      for (const e of returns) {
        await expect.poll(async () => (await movement(e.key))?.status, { timeout: 60_000 }).toBe('succeeded');
        const made = proxy.createdFor('refund', e.key);
        expect(made, `${state} ${e.kind}`).toHaveLength(1);
        expect(made[0]!.object).toMatchObject({ amount: Number(e.amountCents), payment_intent: charge!.reference });
      }
      const row = await stack.db.contract.findUniqueOrThrow({ where: { id: c.id } });
      expect(row).toMatchObject({ status: 'ended' });
      expect(Number(row.refundsCents)).toBe(10_495);
    }
  });

  it('a declined card refuses the offer with PAYMENT_DECLINED and stores nothing; sending it again charges once', async () => {
    const p = await parties();
    const c = driver(p);
    proxy.inject('decline', '/v1/payment_intents');
    await expectRefused(c.create({ payments: 'stripe', milestones: parts([10_000]) }), 'PAYMENT_DECLINED', 'R31');
    expect(await stack.db.contract.findUnique({ where: { id: c.id } })).toBeNull();
    expect(await stack.db.ledgerEntry.count({ where: { contractId: c.id } })).toBe(0);
    const refused = await stack.db.paymentMovement.findFirst({ where: { contractId: c.id, type: 'charge' } });
    expect(refused).toMatchObject({ status: 'declined', code: 'generic_decline' });
    expect(proxy.createdFor('payment_intent', refused!.key)).toHaveLength(0);

    // The same offer again (the same ledger key): a new request to the provider, not the replayed decline.
    await c.create({ payments: 'stripe', milestones: parts([10_000]) });
    expect(await c.state()).toMatchObject({ status: 'offered', balances: { depositsCents: 10_495, escrowCents: 10_000 } });
    expect(proxy.createdFor('payment_intent', refused!.key)).toHaveLength(1);
    expect(await movement(refused!.key)).toMatchObject({ status: 'succeeded' });
    expect(await ledgerKey(c, 'deposit')).toBe(refused!.key);
  });

  it('a declined card refuses a later funding with PAYMENT_DECLINED and holds nothing; funding again charges once', async () => {
    const p = await parties();
    const c = await contract(p, [10_000, 5_000]);
    await finishFirst(c);
    const before = await c.state();
    proxy.inject('decline', '/v1/payment_intents');
    await expectRefused(c.fund(), 'PAYMENT_DECLINED', 'R31');
    const after = await c.state();
    expect(after.milestones[1]!.state).toBe('pending');
    expect(after.balances).toEqual(before.balances);
    expect(await stack.db.ledgerEntry.count({ where: { contractId: c.id, kind: 'deposit' } })).toBe(1);
    const refused = await stack.db.paymentMovement.findFirst({ where: { contractId: c.id, type: 'charge', status: 'declined' } });
    expect(refused).toMatchObject({ status: 'declined', code: 'generic_decline', milestoneId: 'm2' });
    expect(proxy.createdFor('payment_intent', refused!.key)).toHaveLength(0);

    await c.fund();
    expect(proxy.createdFor('payment_intent', refused!.key)).toHaveLength(1);
    expect(await movement(refused!.key)).toMatchObject({ status: 'succeeded' });
  });

  it('an offer\'s deposit that would confirm later refuses the offer with PAYMENT_NOT_SETTLED; nothing is stored and it is never asked again', async () => {
    const p = await parties();
    const c = driver(p);
    proxy.inject('pending', '/v1/payment_intents');
    await expectRefused(c.create({ payments: 'stripe', milestones: parts([10_000]) }), 'PAYMENT_NOT_SETTLED', 'R30');
    expect(await stack.db.contract.findUnique({ where: { id: c.id } })).toBeNull();
    expect(await stack.db.ledgerEntry.count({ where: { contractId: c.id } })).toBe(0);
    const row = await stack.db.paymentMovement.findFirst({ where: { contractId: c.id, type: 'charge' } });
    expect(row).toMatchObject({ status: 'declined', code: 'offer_not_sent' });
    expect(row!.reference).toMatch(/^pi_/);
    expect(proxy.createdFor('payment_intent', row!.key)).toHaveLength(1);
    // Not on any contract's pending payments: there is no contract.
    const call = http(stack.baseUrl);
    expect((await call('GET', `/contracts/${c.id}`, { token: p.client.token })).status).toBe(404);

    // The same offer again is refused without a second charge.
    await expectRefused(c.create({ payments: 'stripe', milestones: parts([10_000]) }), 'PAYMENT_NOT_SETTLED', 'R30');
    expect(proxy.createdFor('payment_intent', row!.key)).toHaveLength(1);

    // The bank debit goes through after all: the record says so (recent again, for reconciliation); no contract.
    expect((await call('POST', '/payments/stripe/webhook', signedEvent('payment_intent.succeeded', row!.reference!))).status).toBe(200);
    const paid = await movement(row!.key);
    expect(paid).toMatchObject({ status: 'declined', code: 'offer_not_sent' });
    expect(paid!.reason).toMatch(/refund it/);
    expect(paid!.updatedAt.getTime()).toBeGreaterThan(row!.updatedAt.getTime());
    expect(await stack.db.contract.findUnique({ where: { id: c.id } })).toBeNull();
  });

  it('a freelancer without a payout account: the payout waits, operators see it, adding an account pays it once', async () => {
    const p = await parties({ payoutAccount: false });
    const c = await contract(p, [6_000]);
    await c.submit('m1');
    await c.release('m1');
    const release = await ledgerKey(c, 'release');
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
    const c = await contract(p, [7_000]); // the offer's deposit funds m1
    await c.submit('m1');
    proxy.inject('account_refused', '/v1/transfers'); // the connected account cannot receive transfers yet
    await c.release('m1');
    const release = await ledgerKey(c, 'release');
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

  it('a later deposit that confirms later holds the milestone pending until Stripe\'s signed webhook confirms it; then it is funded once', async () => {
    const p = await parties();
    const c = await contract(p, [10_000, 5_000]);
    await finishFirst(c);
    const before = (await c.state()).balances;
    proxy.inject('pending', '/v1/payment_intents');
    const held = (await c.fund()).contract;
    expect(held.milestones[1]!.state).toBe('pending');
    expect(held.pendingDeposit).toMatchObject({ milestoneId: held.milestones[1]!.id, needCents: 5_000, paidCents: 5_000, feeCents: 0 });
    expect(held.balances).toEqual(before);
    const row = await stack.db.paymentMovement.findFirst({ where: { contractId: c.id, type: 'charge', status: 'pending' } });
    expect(row).toMatchObject({ status: 'pending', key: held.pendingDeposit!.key });
    expect(await stack.db.ledgerEntry.count({ where: { contractId: c.id, kind: 'deposit' } })).toBe(1);
    // Money and plan changes wait; the contract shows the deposit as pending.
    await expectRefused(c.fund(), 'DEPOSIT_PENDING', 'R31');
    const call = http(stack.baseUrl);
    const shown = await call('GET', `/contracts/${c.id}`, { token: p.client.token });
    expect(shown.body.pendingPayments).toEqual([expect.objectContaining({ type: 'charge', status: 'pending', amountCents: 5_000 })]);

    const forged = await call('POST', '/payments/stripe/webhook', { ...signedEvent('payment_intent.succeeded', row!.reference!, 'whsec_wrong') });
    expect(forged.status).toBe(400);
    expect((await movement(row!.key))?.status).toBe('pending');
    const ok = await call('POST', '/payments/stripe/webhook', signedEvent('payment_intent.succeeded', row!.reference!));
    expect(ok.status).toBe(200);
    expect((await movement(row!.key))?.status).toBe('succeeded');
    await expect.poll(async () => (await c.state()).milestones[1]!.state, { timeout: 30_000 }).toBe('active');
    const after = await c.state();
    expect(after.pendingDeposit).toBeUndefined();
    expect(after.balances).toMatchObject({ depositsCents: 15_495, feesCents: 495, escrowCents: 5_000 });
    // Stripe sends events again: a second delivery changes nothing.
    expect((await call('POST', '/payments/stripe/webhook', signedEvent('payment_intent.succeeded', row!.reference!))).status).toBe(200);
    await expect.poll(() => stack.db.ledgerEntry.count({ where: { contractId: c.id, kind: 'deposit' } }), { timeout: 30_000 }).toBe(2);
    // The ledger's deposit is the charge the provider carried out.
    expect(await stack.db.ledgerEntry.count({ where: { contractId: c.id, kind: 'deposit', key: row!.key } })).toBe(1);
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

  it('a later deposit that fails later is refused: nothing held, the client is told, funding again charges anew', async () => {
    const p = await parties();
    const c = await contract(p, [10_000, 5_000]);
    await finishFirst(c);
    const before = (await c.state()).balances;
    proxy.inject('pending', '/v1/payment_intents');
    await c.fund();
    const row = await stack.db.paymentMovement.findFirst({ where: { contractId: c.id, type: 'charge', status: 'pending' } });
    const call = http(stack.baseUrl);
    expect((await call('POST', '/payments/stripe/webhook', signedEvent('payment_intent.payment_failed', row!.reference!))).status).toBe(200);
    expect(await movement(row!.key)).toMatchObject({ status: 'declined', code: 'debit_not_authorized' });
    await expect.poll(async () => (await c.state()).pendingDeposit, { timeout: 30_000 }).toBeUndefined();
    const after = await c.state();
    expect(after.milestones[1]!.state).toBe('pending');
    expect(after.balances).toEqual(before);
    await expect.poll(async () => (await stack.db.notification.findMany({ where: { recipientId: p.client.id, event: 'deposit_failed' } })).length,
      { timeout: 30_000 }).toBe(1);
    const funded = await c.fund();
    expect(funded.contract.milestones[1]!.state).toBe('active');
    // The offer's charge and this one, each once.
    expect(await stack.db.paymentMovement.count({ where: { contractId: c.id, type: 'charge', status: 'succeeded' } })).toBe(2);
  });
});
