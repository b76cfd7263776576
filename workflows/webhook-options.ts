// Activity options of webhook deliveries (R29), each value with its reason. Kept beside
// activity-options.ts rather than in it so the contract's options and these change independently.
import type { ActivityOptions } from '@temporalio/workflow';
import type { DeliverySchedule } from '../domain/webhook-schedule.js';

/** One POST per attempt; Temporal retries it on the delivery schedule (domain/webhook-schedule.ts). */
export const attemptOptions = (s: DeliverySchedule): ActivityOptions => ({
  // The HTTP deadline plus a margin for the two delivery-log writes around it.
  startToCloseTimeout: s.attemptTimeoutMs + 5_000,
  // The stated period of retries (72 h by default): past it the delivery is given up.
  scheduleToCloseTimeout: s.giveUpAfterMs,
  retry: {
    initialInterval: s.firstRetryMs,
    backoffCoefficient: s.backoff,
    maximumInterval: s.maxRetryMs,
    // A 4xx (other than 408/429) or a refused target will not get better by retrying.
    nonRetryableErrorTypes: ['WEBHOOK_REJECTED', 'WEBHOOK_TARGET_REFUSED'],
  },
});

/** Two row updates: seconds. Retried for a day (PostgreSQL down), then the workflow fails visibly. */
export const settleOptions: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
};

/**
 * The webhook sweep's one activity: at most 20 endpoints, up to 1,000 starts each, 20 at a time and each
 * bounded at 3 s (webhooks/held-sweep.ts): minutes at worst. A failed run is tried twice more; past that
 * the next scheduled run, five minutes later, finds the same deliveries.
 */
export const webhookSweepOptions: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 3 },
};
