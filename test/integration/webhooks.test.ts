// R29 on the real stack: contracts driven through their workflow, events stored with each transition,
// delivery workflows POSTing to local receivers that verify with the `standardwebhooks` package.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuedUser } from '../../api/users.js';
import type { WebhookSettings } from '../../webhooks/settings.js';
import type { WebhookEvent } from '../../domain/webhook-events.js';
import { seededRng } from '../faults/rng.js';
import { ContractDriver } from '../support/contract-driver.js';
import { http } from '../support/http.js';
import { newParties, startStack, type Stack } from '../support/stack.js';
import { type Receiver, startReceiver } from '../support/webhook-receiver.js';

/** Short waits so retries happen within a test; a hang costs one attempt timeout (1 s). */
const settings: WebhookSettings = {
  allowLoopback: true,
  schedule: { firstRetryMs: 200, backoff: 2, maxRetryMs: 1_000, giveUpAfterMs: 120_000, attemptTimeoutMs: 1_000 },
};

/** A bound for the tests that run a whole lifecycle and wait for every delivery (two busy cores: minutes, not seconds). */
const LIFECYCLE_TIMEOUT = 240_000;

let stack: Stack;
let call: ReturnType<typeof http>;
const receivers: Receiver[] = [];
beforeAll(async () => {
  stack = await startStack({ webhooks: settings });
  call = http(stack.baseUrl);
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await stack?.stop();
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

async function register(
  owner: IssuedUser,
  r: Receiver,
  body: Record<string, unknown> = {},
): Promise<{ id: string; secret: string }> {
  const res = await call('POST', '/webhook-endpoints', {
    token: owner.token,
    body: { url: r.url, eventTypes: ['*'], ...body },
  });
  expect(res.status).toBe(201);
  r.setSecrets([res.body.secret]);
  return res.body;
}

/** The seed's story (as in lifecycle.test.ts) from the offer's acceptance: partial release, a change request, a proposal, the end. */
async function lifecycle(c: ContractDriver, freelancerId: string): Promise<void> {
  await c.accept();
  await c.release('m1', 3000);
  await c.fund();
  const cr = await c.requestChange('m2', { amountCents: 9000 });
  await c.send('approveChangeRequest', { actorId: freelancerId, requestId: cr.requestId!, version: 0 });
  await c.fund();
  const pr = await c.send('proposeChanges', {
    actorId: freelancerId,
    ops: [{ op: 'add', title: 'Launch', amountCents: 1500 }],
  });
  await c.send('acceptProposal', { actorId: c.clientId, requestId: pr.requestId!, version: 0 });
  await c.submit('m2');
  await c.release('m2', 8500);
  await c.fund();
  await c.release('m3', 1000);
  await c.send('endContract', { actorId: c.clientId });
  await c.projected(stack.db); // every event is stored (the projection is just behind the answers)…
  await c.idle(); // …and its deliveries started
}

async function newContract() {
  const p = await newParties(stack);
  const c = new ContractDriver(stack.client, stack.taskQueue, undefined, {
    clientId: p.client.id,
    freelancerId: p.freelancer.id,
  });
  // R30: an offer the freelancer has not answered yet; the endpoints a test registers then see it accepted.
  await c.create({ milestones: [{ title: 'Design', amountCents: 5000 }, { title: 'Build', amountCents: 8000 }] });
  await c.projected(stack.db); // its row is written just behind the answer; endpoints name it
  return { p, c };
}

/**
 * The contract's events from its second transition on: the endpoints of these tests are registered for a
 * contract once its offer exists (R30), so the offer's own events (seq 1) were never theirs.
 */
const AFTER_OFFER = { seq: { gt: 1 } };
const storedEvents = async (contractId: string) =>
  (await stack.db.webhookEvent.findMany({ where: { contractId, ...AFTER_OFFER }, select: { id: true } })).map((e) => e.id).sort();

/** Every money movement (R10) and every notice (R24) of the contract, as the event it must have become. */
async function expectEveryEvent(contractId: string, got: Map<string, WebhookEvent>): Promise<void> {
  const ledger = await stack.db.ledgerEntry.findMany({ where: { contractId, ...AFTER_OFFER } });
  const notices = (await stack.db.notification.findMany({ where: { contractId } })).filter((n) => Number(n.id.split(':')[1]) > 1);
  const events = [...got.values()];
  expect(ledger.length).toBeGreaterThan(5);
  for (const e of ledger) {
    expect(
      events.filter((x) => x.type === `money.${e.kind}` && 'ledgerKey' in x.data && x.data.ledgerKey === e.key),
    ).toHaveLength(1);
  }
  for (const n of notices) {
    const seq = Number(n.id.split(':')[1]);
    expect(
      events.some((x) => x.type === `contract.${n.event}` && x.seq === seq),
      `${n.event} #${seq}`,
    ).toBe(true);
  }
  expect([...got.keys()].sort()).toEqual(await storedEvents(contractId));
}

/** As docs/webhooks.md says: no order between deliveries; sorted by (seq, index) they follow the history. */
async function expectDocumentedOrder(contractId: string, got: Map<string, WebhookEvent>): Promise<void> {
  const sorted = [...got.values()].sort((a, b) => a.seq - b.seq || a.index - b.index);
  const history = await stack.db.auditEvent.findMany({ where: { contractId }, orderBy: { seq: 'asc' } });
  const at = new Map(history.map((h) => [h.seq, h.at.toISOString()]));
  for (const [i, ev] of sorted.entries()) {
    expect(ev.timestamp).toBe(at.get(ev.seq)); // the transition's time, from its audit row
    if (i > 0) expect(ev.timestamp >= sorted[i - 1]!.timestamp).toBe(true);
  }
  const last = sorted.at(-1)!;
  const final = await stack.db.contract.findUniqueOrThrow({ where: { id: contractId } });
  expect(last.type).toBe('contract.contract_ended');
  expect(last.data.contract.status).toBe('ended');
  expect(last.data.contract.balances.releasesCents).toBe(Number(final.releasesCents));
}

/** Every delivered body is valid against the OpenAPI document's own WebhookEvent schema, under a documented type. */
async function expectDocumentedSchema(got: Map<string, WebhookEvent>): Promise<void> {
  const doc = (await call('GET', '/openapi.json')).body;
  const ajv = new Ajv2020({ strict: false, validateFormats: false }); // timestamps are checked below
  ajv.addSchema({ $id: 'doc', components: doc.components });
  const validate = ajv.compile({ $ref: 'doc#/components/schemas/WebhookEvent' });
  expect(Object.keys(doc.paths)).toEqual(
    expect.arrayContaining(['/webhook-endpoints', '/webhook-endpoints/{id}/deliveries']),
  );
  for (const ev of got.values()) {
    expect([ev.type, validate(ev), validate.errors]).toEqual([ev.type, true, null]);
    expect(new Date(ev.timestamp).toISOString()).toBe(ev.timestamp);
    expect(Object.keys(doc.webhooks)).toContain(ev.type);
  }
}

const deliveries = (endpointId: string) => stack.db.webhookDelivery.findMany({ where: { endpointId } });

describe('webhooks (R29)', () => {
  it('R29: a lifecycle delivers every event exactly once per endpoint, signed, as the OpenAPI webhooks schema says', async () => {
    const { p, c } = await newContract();
    const [forClient, forFreelancer] = await Promise.all([receiver(), receiver()]);
    const ec = await register(p.client, forClient, { contractId: c.id });
    const ef = await register(p.freelancer, forFreelancer); // all of the freelancer's contracts

    await lifecycle(c, p.freelancer.id);

    for (const [r, e] of [
      [forClient, ec],
      [forFreelancer, ef],
    ] as const) {
      await expect
        .poll(async () => (await deliveries(e.id)).filter((d) => d.status === 'delivered').length, { timeout: 120_000 })
        .toBe((await storedEvents(c.id)).length);
      await expectEveryEvent(c.id, r.unique());
      expect(r.received.map((x) => x.id).sort()).toEqual([...r.unique().keys()].sort()); // nothing twice
      expect(r.unverified).toBe(0);
      expect((await deliveries(e.id)).every((d) => d.attempts === 1 && d.lastStatusCode === 204)).toBe(true);
    }
    await expectDocumentedSchema(forClient.unique());
  }, LIFECYCLE_TIMEOUT);

  it('R29: at least once when the receiver fails 30% and hangs sometimes; duplicates carry the same id; order as documented', async () => {
    const { p, c } = await newContract();
    const r = await receiver();
    const rng = seededRng(29);
    r.behave(() => {
      const x = rng();
      return x < 0.2 ? 500 : x < 0.3 ? 'hang' : x < 0.35 ? 429 : 'ok';
    });
    const e = await register(p.client, r, { contractId: c.id });

    await lifecycle(c, p.freelancer.id);

    await expect
      .poll(async () => (await deliveries(e.id)).filter((d) => d.status === 'delivered').length, { timeout: 120_000 })
      .toBe((await storedEvents(c.id)).length);
    await expectEveryEvent(c.id, r.unique());
    const log = await deliveries(e.id);
    expect(r.received.length).toBeGreaterThan(r.unique().size); // failures after processing came again…
    expect(log.some((d) => d.attempts > 1)).toBe(true); // …as retries of the same delivery
    for (const x of r.received) expect(x.event.id).toBe(x.id); // the body's id is the webhook-id header
    await expectDocumentedOrder(c.id, r.unique());
  }, LIFECYCLE_TIMEOUT);

  it('R29: after a rotation both secrets verify during the overlap; with no overlap only the new one does', async () => {
    const { p, c } = await newContract();
    const r = await receiver();
    const e = await register(p.client, r, { contractId: c.id });
    const rotated = await call('POST', `/webhook-endpoints/${e.id}/rotate-secret`, {
      token: p.client.token,
      body: { overlapMinutes: 60 },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(e.secret);
    expect(rotated.body.previousSecretExpiresAt).not.toBeNull();
    r.setSecrets([e.secret, rotated.body.secret]);

    await c.accept();
    await expect.poll(() => r.received.length).toBeGreaterThan(0);
    expect(r.received[0]!.verifiedWith).toEqual([e.secret, rotated.body.secret]);
    expect(r.received[0]!.signature.split(' ')).toHaveLength(2);

    const again = await call('POST', `/webhook-endpoints/${e.id}/rotate-secret`, {
      token: p.client.token,
      body: { overlapMinutes: 0 },
    });
    r.setSecrets([e.secret, rotated.body.secret, again.body.secret]);
    await c.add('Launch', 5000);
    await expect.poll(() => r.received.filter((x) => x.event.seq === 3).length).toBeGreaterThan(0);
    for (const x of r.received.filter((y) => y.event.seq === 3)) expect(x.verifiedWith).toEqual([again.body.secret]);
  });

  it('R29: a registration or a rotation retried with its Idempotency-Key answers the same endpoint and secret once', async () => {
    const { p, c } = await newContract();
    const r = await receiver();
    const body = { url: r.url, eventTypes: ['*'], contractId: c.id };
    const first = await call('POST', '/webhook-endpoints', { token: p.client.token, body, key: 'register-1' });
    const retry = await call('POST', '/webhook-endpoints', { token: p.client.token, body, key: 'register-1' });
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(`/webhook-endpoints/${first.body.id}`);
    expect(retry.body).toEqual(first.body);
    const mine = await call('GET', '/webhook-endpoints', { token: p.client.token });
    expect(mine.body.data.map((e: { id: string }) => e.id)).toEqual([first.body.id]);

    const rotate = { token: p.client.token, body: { overlapMinutes: 5 }, key: 'rotate-1' };
    const rotated = await call('POST', `/webhook-endpoints/${first.body.id}/rotate-secret`, rotate);
    const rotatedAgain = await call('POST', `/webhook-endpoints/${first.body.id}/rotate-secret`, rotate);
    expect(rotatedAgain.body.secret).toBe(rotated.body.secret);
    r.setSecrets([first.body.secret, rotated.body.secret]);
    await c.accept();
    await expect.poll(() => r.received.length).toBeGreaterThan(0);
    // Rotated once: the secret it replaced is the one registered, so both still verify.
    expect(r.received[0]!.verifiedWith).toEqual([first.body.secret, rotated.body.secret]);
  });

  it('R29: two rotations at once (two keys) both take effect in turn: each new secret still signs afterwards', async () => {
    const { p, c } = await newContract();
    const r = await receiver();
    const e = await register(p.client, r, { contractId: c.id });
    const rotate = () => call('POST', `/webhook-endpoints/${e.id}/rotate-secret`, { token: p.client.token, body: { overlapMinutes: 5 } });
    const [a, b] = await Promise.all([rotate(), rotate()]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.secret).not.toBe(b.body.secret);
    // One rotation retired the registered secret, the other the first one's: neither new secret is lost.
    r.setSecrets([e.secret, a.body.secret, b.body.secret]);
    await c.accept();
    await expect.poll(() => r.received.length).toBeGreaterThan(0);
    expect([...r.received[0]!.verifiedWith].sort()).toEqual([a.body.secret, b.body.secret].sort());
  });

  it("R29: a stranger gets 404 registering for a contract that is not theirs, and cannot see or touch another's endpoint", async () => {
    const { p, c } = await newContract();
    const r = await receiver();
    const e = await register(p.client, r, { contractId: c.id });

    const theirs = await call('POST', '/webhook-endpoints', {
      token: p.stranger.token,
      body: { url: r.url, eventTypes: ['*'], contractId: c.id },
    });
    const nobody = await call('POST', '/webhook-endpoints', {
      token: p.stranger.token,
      body: { url: r.url, eventTypes: ['*'], contractId: 'no-such-contract' },
    });
    const read = await call('GET', `/webhook-endpoints/${e.id}`, { token: p.stranger.token });
    const log = await call('GET', `/webhook-endpoints/${e.id}/deliveries`, { token: p.stranger.token });
    const del = await call('DELETE', `/webhook-endpoints/${e.id}`, { token: p.stranger.token });

    expect([theirs.status, nobody.status, read.status, log.status, del.status]).toEqual([404, 404, 404, 404, 404]);
    expect(theirs.body).toEqual({ ...nobody.body, instance: theirs.body.instance }); // nothing tells them apart
    expect((await call('GET', '/webhook-endpoints', { token: p.stranger.token })).body.data).toEqual([]);
  });

  it('R29: the SSRF guard refuses private, link-local, unspecified and non-https targets at registration', async () => {
    const p = await newParties(stack);
    const refused = [
      'https://10.0.0.1/hook',
      'https://192.168.1.20/hook',
      'https://169.254.169.254/latest',
      'https://[fd00::1]/x',
      'https://[::ffff:172.16.0.1]/x',
      'http://example.com/hook',
      'https://user:pw@example.com/x',
      'https://0.0.0.0/x',
    ];
    for (const url of refused) {
      const res = await call('POST', '/webhook-endpoints', { token: p.client.token, body: { url, eventTypes: ['*'] } });
      expect([url, res.status, res.body.code]).toEqual([url, 422, 'WEBHOOK_TARGET_REFUSED']);
      expect(res.body.rule).toBe('R29');
    }
    expect(await stack.db.webhookEndpoint.count({ where: { ownerId: p.client.id } })).toBe(0);
  });

  it('R29: a 4xx is final (one attempt, delivery failed, endpoint not failing); the delivery log shows it and a redelivery sends it again', async () => {
    const { p, c } = await newContract();
    const r = await receiver();
    r.behave(() => 410);
    const e = await register(p.client, r, { contractId: c.id, eventTypes: ['contract.milestones_changed'] });

    await c.accept();
    await c.add('Launch', 5000);
    await expect
      .poll(
        async () =>
          (await call('GET', `/webhook-endpoints/${e.id}/deliveries`, { token: p.client.token })).body.data[0]?.status,
      )
      .toBe('failed');
    const failed = (await call('GET', `/webhook-endpoints/${e.id}/deliveries`, { token: p.client.token })).body.data;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      eventType: 'contract.milestones_changed',
      attempts: 1,
      lastStatusCode: 410,
      nextRetryAt: null,
      seq: 3,
    });
    expect((await call('GET', `/webhook-endpoints/${e.id}`, { token: p.client.token })).body.status).toBe('enabled');

    r.behave(() => 'ok');
    const again = await call('POST', `/webhook-endpoints/${e.id}/deliveries/${failed[0].eventId}/redeliver`, {
      token: p.client.token,
    });
    expect(again.status).toBe(202);
    await expect
      .poll(
        async () =>
          (await call('GET', `/webhook-endpoints/${e.id}/deliveries`, { token: p.client.token })).body.data[0]?.status,
      )
      .toBe('delivered');
    expect(r.received.map((x) => x.id)).toEqual([failed[0].eventId, failed[0].eventId]);
    const after = (await call('GET', `/webhook-endpoints/${e.id}/deliveries`, { token: p.client.token })).body.data[0];
    expect(after).toMatchObject({ attempts: 2, lastStatusCode: 204, lastError: null });
  });

  it('R29: a disabled endpoint gets nothing new; deleting one removes it; subscriptions filter by event type', async () => {
    // Registered for all of the client's contracts before the offer: sending it deposits and charges the fee (R30).
    const p = await newParties(stack);
    const c = new ContractDriver(stack.client, stack.taskQueue, undefined, { clientId: p.client.id, freelancerId: p.freelancer.id });
    const [money, off] = await Promise.all([receiver(), receiver()]);
    await register(p.client, money, { eventTypes: ['money.deposit', 'money.fee'] });
    const eo = await register(p.client, off, {});
    expect((await call('POST', `/webhook-endpoints/${eo.id}/disable`, { token: p.client.token })).body.status).toBe(
      'disabled',
    );

    await c.create({ milestones: [{ title: 'Design', amountCents: 5000 }] });
    await expect.poll(() => money.unique().size).toBe(2);

    expect([...money.unique().values()].map((x) => x.type).sort()).toEqual(['money.deposit', 'money.fee']);
    expect(off.received).toEqual([]);
    expect(await deliveries(eo.id)).toEqual([]);
    expect((await call('DELETE', `/webhook-endpoints/${eo.id}`, { token: p.client.token })).status).toBe(204);
    expect((await call('GET', `/webhook-endpoints/${eo.id}`, { token: p.client.token })).status).toBe(404);
  });

  it('R29: an endpoint that hangs holds up no other: the healthy one gets every event while the slow one has none delivered', async () => {
    const { p, c } = await newContract();
    const [slow, fast] = await Promise.all([receiver(), receiver()]);
    slow.behave(() => 'hang');
    const es = await register(p.client, slow, { contractId: c.id });
    await register(p.freelancer, fast, { contractId: c.id });

    await c.accept();
    await c.submit('m1');
    await c.release('m1');
    await c.projected(stack.db); // the events are stored just behind the answers

    await expect.poll(() => fast.unique().size).toBe((await storedEvents(c.id)).length);
    expect((await deliveries(es.id)).filter((d) => d.status === 'delivered')).toEqual([]);
    expect(slow.received.length).toBeGreaterThan(0); // it was tried, and is still being retried
  });

  it('R29: delivery never runs in the contract workflow: its history has no webhook activity while a receiver hangs', async () => {
    const { p, c } = await newContract();
    const r = await receiver();
    r.behave(() => 'hang');
    await register(p.client, r, { contractId: c.id });

    await c.accept();
    await c.submit('m1');
    await expect.poll(() => r.received.length).toBeGreaterThan(0);

    const history = await c.handle.fetchHistory();
    const activities = history.events!.flatMap(
      (ev) => ev.activityTaskScheduledEventAttributes?.activityType?.name ?? [],
    );
    expect(activities).toContain('projectTransitions');
    expect(activities.filter((a) => /webhook/i.test(a))).toEqual([]);
    expect((await c.state()).milestones[0]!.state).toBe('submitted');
  });
});
