// R29: a delivery the receiver never takes is given up when its schedule runs out and its endpoint is
// marked failing; a later success clears the mark. Its own stack: a five-second schedule for this file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractDriver } from '../support/contract-driver.js';
import { http } from '../support/http.js';
import { newParties, startStack, type Stack } from '../support/stack.js';
import { type Receiver, startReceiver } from '../support/webhook-receiver.js';

let stack: Stack;
let r: Receiver;
beforeAll(async () => {
  stack = await startStack({
    webhooks: {
      allowLoopback: true,
      schedule: { firstRetryMs: 200, backoff: 2, maxRetryMs: 500, giveUpAfterMs: 5_000, attemptTimeoutMs: 1_000 },
    },
  });
  r = await startReceiver();
});
afterAll(async () => {
  await r?.close();
  await stack?.stop();
});

describe('webhooks: giving up (R29)', () => {
  it('R29: 5xx until the schedule runs out → delivery failed, endpoint failing; a redelivery that lands clears it', async () => {
    const call = http(stack.baseUrl);
    const p = await newParties(stack);
    const c = new ContractDriver(stack.client, stack.taskQueue, undefined, {
      clientId: p.client.id,
      freelancerId: p.freelancer.id,
    });
    await c.open([{ title: 'Kick-off', amountCents: 1000 }]); // an accepted offer (R30)
    r.behave(() => 503);
    const e = (
      await call('POST', '/webhook-endpoints', {
        token: p.client.token,
        body: { url: r.url, eventTypes: ['*'], contractId: c.id },
      })
    ).body;
    r.setSecrets([e.secret]);
    const endpoint = () => call('GET', `/webhook-endpoints/${e.id}`, { token: p.client.token }).then((x) => x.body);
    const log = () =>
      call('GET', `/webhook-endpoints/${e.id}/deliveries`, { token: p.client.token }).then((x) => x.body.data);

    await c.add('Design', 5000);

    await expect.poll(async () => (await endpoint()).status, { timeout: 30_000 }).toBe('failing');
    // The endpoint turns failing when its first delivery is given up; the command's other events follow.
    await expect.poll(async () => (await log()).every((d: { status: string }) => d.status === 'failed'), { timeout: 30_000 }).toBe(true);
    const [given] = await log();
    expect(given).toMatchObject({ status: 'failed', lastStatusCode: 503, nextRetryAt: null });
    expect(given.attempts).toBeGreaterThanOrEqual(2); // retried (how often depends on the machine's load)
    expect(given.lastError).toBe('given up after 5 s of retries (last: answered 503)');
    expect((await endpoint()).failingSince).not.toBeNull();

    r.behave(() => 'ok');
    expect(
      (
        await call('POST', `/webhook-endpoints/${e.id}/deliveries/${given.eventId}/redeliver`, {
          token: p.client.token,
        })
      ).status,
    ).toBe(202);
    await expect.poll(async () => (await log())[0].status).toBe('delivered');
    expect(await endpoint()).toMatchObject({ status: 'enabled', failingSince: null });
  });
});
