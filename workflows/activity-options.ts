// Activity options, each value with its reason. Imported by workflow code only.
import type { ActivityOptions } from '@temporalio/workflow';

/** Persistence: one short PostgreSQL transaction. */
export const persistenceOptions: ActivityOptions = {
  // A transaction that takes longer than this is stuck (lock wait, lost connection): retry it.
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    // Database outages are waited out rather than failing a contract; idempotent keys make retries safe.
    // A constraint violation means the workflow is wrong: it is non-retryable and surfaces at once.
    nonRetryableErrorTypes: ['PERSISTENCE_BUG'],
  },
};

/** Notification delivery: one email (and one in-app row) per attempt. */
export const deliveryOptions: ActivityOptions = {
  // The provider answers in well under this; a hung connection is retried.
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    // A day of retries covers a provider outage; Resend honours an idempotency key for 24 h.
    maximumAttempts: 150,
    // 4xx from the provider (bad address, bad payload) will not get better by retrying.
    nonRetryableErrorTypes: ['EMAIL_REJECTED'],
  },
};
