// R29's circuit breaker and caps on the real stack, with a short schedule and short openings: a receiver
// that never answers gets at most its endpoint's share of attempts at once, its circuit opens (its owner
// sees it), deliveries wait instead of being sent, and once it answers again everything held is delivered.
// One that never recovers is disabled, with the reason on the endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookSettings } from '../../webhooks/settings.js';
import { ContractDriver } from '../support/contract-driver.js';
import { http } from '../support/http.js';
import { newParties, startStack, type Stack } from '../support/stack.js';
import { type Receiver, startReceiver } from '../support/webhook-receiver.js';

const settings: WebhookSettings = {
  allowLoopback: true,
  schedule: { firstRetryMs: 200, backoff: 2, maxRetryMs: 1_000, giveUpAfterMs: 120_000, attemptTimeoutMs: 500 },
  limits: { slots: 40, perEndpoint: 2, perOwner: 10, breakerThreshold: 3, breakerFirstOpenMs: 3_000, breakerMaxOpenMs: 6_000,
    disableAfterMs: 8_000 },
};

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

async function hungEndpoint() {
  const p = await newParties(stack);
  const c = new ContractDriver(stack.client, stack.taskQueue, undefined, { clientId: p.client.id, freelancerId: p.freelancer.id });
  await c.create();
  const r = await startReceiver();
  receivers.push(r);
  r.behave(() => 'hang');
  const res = await call('POST', '/webhook-endpoints', { token: p.client.token, body: { url: r.url, eventTypes: ['*'], contractId: c.id } });
  r.setSecrets([res.body.secret]);
  const endpoint = () => call('GET', `/webhook-endpoints/${res.body.id}`, { token: p.client.token }).then((x) => x.body);
  const log = () => call('GET', `/webhook-endpoints/${res.body.id}/deliveries?limit=100`, { token: p.client.token }).then((x) => x.body.data);
  return { c, r, endpoint, log };
}

describe('webhook circuit breaker (R29)', () => {
  it('R29: a receiver that never answers has its circuit opened, its deliveries wait, and all are delivered once it answers', async () => {
    const { c, r, endpoint, log } = await hungEndpoint();

    for (let i = 0; i < 6; i++) await c.add(`Milestone ${i}`, 5000);
    await expect.poll(async () => (await endpoint()).circuitOpenUntil, { timeout: 60_000 }).not.toBeNull();
    const opened = await endpoint();
    const sentWhenOpened = r.received.length;
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // well inside the 3 s opening
    const sentWhileOpen = r.received.length - sentWhenOpened;
    r.behave(() => 'ok');
    await expect.poll(async () => (await log()).filter((d: { status: string }) => d.status === 'delivered').length, { timeout: 90_000 })
      .toBe((await log()).length);

    expect(opened.status).toBe('failing');
    expect(opened.failingSince).not.toBeNull();
    expect(sentWhileOpen).toBeLessThanOrEqual(2); // at most attempts already on their way when it opened
    expect(await endpoint()).toMatchObject({ status: 'enabled', circuitOpenUntil: null, failingSince: null });
    expect(new Set(r.received.map((x) => x.id)).size).toBeGreaterThanOrEqual(6);
  }, 180_000);

  it('R29: an endpoint that never recovers is disabled, its owner told why', async () => {
    const { c, endpoint, log } = await hungEndpoint();

    for (let i = 0; i < 3; i++) await c.add(`Milestone ${i}`, 5000);
    await expect.poll(async () => (await endpoint()).status, { timeout: 90_000, interval: 500 }).toBe('disabled');

    expect((await endpoint()).disabledReason).toMatch(/^disabled after 8 s of failed deliveries without one success/);
    // Nothing is left pending for ever: deliveries that waited (never started) are canceled with it.
    // (an attempt in flight when it was disabled ends as canceled at its next try)
    await expect.poll(async () => (await log()).map((d: { status: string }) => d.status), { timeout: 30_000 }).not.toContain('pending');
  }, 120_000);
});
