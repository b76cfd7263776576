// How long the product keeps trying to email a notice (R24). Resend honours an Idempotency-Key
// for 24 hours: a resend within that window can never create a second email, one after it could. So every
// attempt ends well inside it, and what is still undelivered then is marked failed for an operator.
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const NOTICE_POLICY = {
  /** The contract's own delivery retries for at most this long (workflows/activity-options.ts). */
  deliveryBoundMs: 2 * HOUR,
  /** The sweep leaves a notice alone this long after it was written, so it never races the first delivery. */
  sweepGraceMs: 2 * HOUR + 15 * MINUTE,
  /** The sweep re-drives a notice only while it is younger than this… */
  redriveHorizonMs: 20 * HOUR,
  /** …and each re-drive retries for at most this long: the last attempt ends 21 h after the notice was written. */
  redriveBoundMs: 1 * HOUR,
  /** How often the Schedule runs the sweep. */
  sweepEveryMs: 15 * MINUTE,
  /** Notices re-driven per sweep (a sweep's activities run in parallel on the notices queue). */
  sweepBatch: 100,
} as const;

/** Where a re-driven notice's last attempt ends at the latest, after the notice was written: 21 h (< 24 h). */
export const lastAttemptWithinMs = NOTICE_POLICY.redriveHorizonMs + NOTICE_POLICY.redriveBoundMs;
