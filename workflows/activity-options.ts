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
