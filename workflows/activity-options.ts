// Activity options, each value with its reason. Imported by workflow code only.
import type { ActivityOptions } from '@temporalio/workflow';
import { NOTICE_POLICY } from '../domain/notice-policy.js';

/** Persistence: one short PostgreSQL transaction (milliseconds; 113 ms for a 200-milestone plan). */
export const persistenceOptions: ActivityOptions = {
  // Seconds, not half a minute: a worker killed mid-attempt holds the command only this long before the
  // retry runs elsewhere. The pool's statement timeout (activities/db.ts) ends a stuck query sooner.
  startToCloseTimeout: '5 seconds',
  // The worker that accepted the Update gets the write in the reply to its task completion, without a
  // poll round trip, where the server allows it (system.enableActivityEagerExecution: scripts/lib/temporal-dev.ts).
  allowEagerDispatch: true,
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

/**
 * Notification delivery: one email (and one in-app row) per attempt, on the notices task queue. Bounded at
 * two hours (NOTICE_POLICY): what is still pending then is re-driven by the sweep Schedule, which ends every
 * attempt within 21 h of the notice, inside Resend's 24-hour idempotency window (domain/notice-policy.ts).
 */
export const deliveryOptions: ActivityOptions = {
  // The email client gives up after 15 s (activities/mail.ts); this adds a margin. An attempt whose result
  // was lost (a worker killed, the server restarted) is retried after this, not after a minute.
  startToCloseTimeout: '20 seconds',
  // The hard bound on all attempts together; the sweep's grace period starts after it.
  scheduleToCloseTimeout: NOTICE_POLICY.deliveryBoundMs,
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    // 5 s doubling to 10 min: about 18 attempts fit in the two hours; the bound above ends them anyway.
    maximumInterval: '10 minutes',
    maximumAttempts: 20,
    // 4xx from the provider (bad address, bad payload, a key reused with another payload) will not get
    // better by retrying.
    nonRetryableErrorTypes: ['EMAIL_REJECTED'],
  },
};

/** A re-drive by the sweep: the same attempts, bounded at an hour (it starts at most 20 h after the notice). */
export const redeliveryOptions: ActivityOptions = {
  ...deliveryOptions,
  scheduleToCloseTimeout: NOTICE_POLICY.redriveBoundMs,
  retry: { ...deliveryOptions.retry, maximumAttempts: 12 },
};

/** The sweep's query: one short statement per call. */
export const sweepQueryOptions: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  // A database outage outlasting this skips one sweep; the Schedule runs the next 15 minutes later.
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 10 },
};

/** describeRequest: one DescribeWorkflowExecution call. */
export const requestWatchOptions: ActivityOptions = {
  // A describe answers in milliseconds; seconds cover a busy server.
  startToCloseTimeout: '10 seconds',
  // A few tries, then the watch asks again at its next interval (workflows/request-watch.ts).
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 5 },
};

/** isOperator: one indexed read of the users table. */
export const operatorCheckOptions: ActivityOptions = {
  // Milliseconds normally; seconds cover a busy database.
  startToCloseTimeout: '5 seconds',
  // A few tries: a check that cannot be made counts as "not an operator" (refused or recorded unnamed).
  retry: { initialInterval: '500 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 5 },
};

/**
 * A money movement (R31): one provider request per attempt, the same idempotency key every time. Bounded:
 * about a quarter of an hour of outage is ridden out; past it the movement shows as pending for an
 * operator, well inside Stripe's 24 hours of idempotency. Refusals (declines) are never retried here.
 */
export const paymentOptions: ActivityOptions = {
  // The SDK's own timeout (20 s) and one network retry fit in this.
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: 10,
    nonRetryableErrorTypes: ['PAYMENT_DECLINED', 'PAYOUT_DECLINED', 'REFUND_DECLINED', 'PAYMENT_PROVIDER_ERROR'],
  },
};

/** Reconciliation's reads: PostgreSQL and the provider's lists, a few seconds each. */
export const reconciliationOptions: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
};
