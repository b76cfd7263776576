// R29's retry schedule counts the receiver's own failures, not every time Temporal ran the attempt: a
// delivery held back while its endpoint's circuit was open (nothing sent, nothing written) and then
// refused by the receiver is retried after the schedule's first wait, not after a backoff inflated by
// the deferrals. Otherwise a few deferrals push a receiver's next try minutes out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookDeliveryWorkflowId } from '../../domain/names.js';
import type { WebhookSettings } from '../../webhooks/settings.js';
import { http } from '../support/http.js';
import { startStack, type Stack } from '../support/stack.js';
import { closeReceivers, contractEndpoint } from '../support/webhook-endpoint.js';

/** A steep backoff, so one wait inflated by a deferral (6 s) is thirty times the first wait (200 ms). */
const settings: WebhookSettings = {
  allowLoopback: true,
  schedule: { firstRetryMs: 200, backoff: 30, maxRetryMs: 60_000, giveUpAfterMs: 600_000, attemptTimeoutMs: 1_000 },
  limits: { slots: 40, perEndpoint: 1, perOwner: 10, breakerThreshold: 3, breakerFirstOpenMs: 1_000, breakerMaxOpenMs: 2_000,
    disableAfterMs: 600_000 },
};

let stack: Stack;
let call: ReturnType<typeof http>;
beforeAll(async () => {
  stack = await startStack({ webhooks: settings });
  call = http(stack.baseUrl);
});
afterAll(async () => {
  await stack?.client.schedule.getHandle(`webhook-sweep-${stack.taskQueue}`).delete().catch(() => undefined);
  await closeReceivers();
  await stack?.stop();
});

describe('webhook retry spacing (R29)', () => {
  it('R29: a delivery deferred by its endpoint\'s cap and then refused is retried after the first wait, not a backoff the deferral inflated', async () => {
    const { c, r, id } = await contractEndpoint(stack, call);
    // The first request hangs (holding the endpoint's one slot for the attempt's 1 s); every later one is refused.
    r.behave((n) => (n === 1 ? 'hang' : 503));
    await c.add('Milestone 1', 5000);
    await c.add('Milestone 2', 5000);
    type Row = Awaited<ReturnType<typeof stack.db.webhookDelivery.findFirst>>;
    let refused = null as Row;
    // Caught at its first refusal (the next one comes 200 ms later and would move the row on).
    await expect.poll(async () => {
      refused = await stack.db.webhookDelivery.findFirst({ where: { endpointId: id, lastStatusCode: 503, attempts: 1 } });
      return refused?.attempts;
    }, { timeout: 30_000, interval: 20 }).toBeDefined();
    const row = refused as NonNullable<Row>;
    // The premise: Temporal ran this delivery's attempt before, deferred by the cap (nothing sent or written).
    const pending = (await stack.client.workflow.getHandle(webhookDeliveryWorkflowId(id, row.eventId)).describe()).raw.pendingActivities?.[0];
    expect(Number(pending?.attempt ?? 0)).toBeGreaterThanOrEqual(3); // a deferral, the refusal, and the retry now waiting
    // The log's next retry is the first wait after the receiver's first failure, whatever Temporal's count.
    const wait = row.nextRetryAt!.getTime() - row.updatedAt.getTime();
    expect(wait).toBeGreaterThanOrEqual(150);
    expect(wait).toBeLessThan(1_000);
    // And Temporal keeps to it: the second refusal arrives well before an inflated wait (6 s) would end.
    await expect.poll(async () => (await stack.db.webhookDelivery.findFirstOrThrow({ where: { endpointId: id, eventId: row.eventId } })).attempts,
      { timeout: 3_000, interval: 50 }).toBeGreaterThanOrEqual(2);
  });
});
