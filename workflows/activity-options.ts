// Activity options, each value with its reason. Imported by workflow code only.
import type { ActivityOptions } from '@temporalio/workflow';

/** Persistence: one short PostgreSQL transaction (milliseconds; 113 ms for a 200-milestone plan). */
export const persistenceOptions: ActivityOptions = {
  // Seconds, not half a minute: a worker killed mid-attempt holds the command only this long before the
  // retry runs elsewhere. The pool's statement timeout (activities/db.ts) ends a stuck query sooner.
  startToCloseTimeout: '5 seconds',
  retry: {
    initialInterval: '200 milliseconds',
    backoffCoefficient: 2,
    // Bounded backoff: once PostgreSQL is back, the command lands within this.
    maximumInterval: '5 seconds',
    // No attempt limit, on purpose: only failures that heal are retried (connection loss, serialization,
    // deadlock, shutdown), and after one of those the write may or may not have committed; giving up
    // could leave the read model ahead of the workflow. Callers are not held: the API's deadline answers
    // 503 and a retry with the same key attaches to this command. Every other failure is final at once.
    nonRetryableErrorTypes: ['INVALID_DATA', 'PERSISTENCE_FAILED'],
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
