// One webhook delivery (R29): `webhook-delivery-<endpoint>-<event>`, started after the event's transition
// is stored. It tries until the receiver takes the event or the schedule runs out (then the delivery is
// given up and the endpoint marked failing), and ends. It never talks to the contract's workflow.
import { RetryState } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, TimeoutFailure, proxyActivities } from '@temporalio/workflow';
import type { AttemptResult, WebhookActivities } from '../activities/webhooks.js';
import type { DeliverySchedule } from '../domain/webhook-schedule.js';
import { attemptOptions, settleOptions } from './webhook-options.js';

export interface WebhookDeliveryInput {
  endpointId: string;
  eventId: string;
  redeliver: boolean;
  schedule: DeliverySchedule;
}

export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<AttemptResult | 'failed'> {
  const { attemptWebhookDelivery } = proxyActivities<WebhookActivities>(attemptOptions(input.schedule));
  const { settleWebhookDelivery } = proxyActivities<WebhookActivities>(settleOptions);
  const { endpointId, eventId } = input;
  try {
    return await attemptWebhookDelivery.executeWithOptions(
      { ...attemptOptions(input.schedule), summary: `POST ${eventId} to endpoint ${endpointId}` },
      [{ endpointId, eventId, redeliver: input.redeliver, schedule: input.schedule }],
    );
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    // The schedule running out (its schedule-to-close timeout fired, or the next retry would pass it) marks
    // the endpoint failing; a final answer (4xx, a refused target) fails only this delivery.
    const exhausted =
      (err instanceof ActivityFailure && err.retryState === RetryState.TIMEOUT) || cause instanceof TimeoutFailure;
    const what =
      cause instanceof ApplicationFailure
        ? `${cause.type}: ${cause.message}`
        : cause instanceof Error
          ? cause.message
          : String(cause);
    // The last attempt's own error is in the delivery log; the settle activity keeps it beside this reason.
    const reason = exhausted ? `given up after ${hours(input.schedule.giveUpAfterMs)} of retries` : what;
    await settleWebhookDelivery.executeWithOptions(
      { ...settleOptions, summary: `Give up ${eventId} to endpoint ${endpointId}` },
      [{ endpointId, eventId, reason, exhausted }],
    );
    return 'failed';
  }
}

const hours = (ms: number): string =>
  ms >= 3_600_000 ? `${Math.round(ms / 3_600_000)} h` : `${Math.round(ms / 1000)} s`;
