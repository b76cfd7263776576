// R29's delivery schedule: how often and for how long a delivery is retried, and how long one attempt may
// take. Plain data shared by the delivery workflow (its retry policy) and the activity (the next retry it
// shows in the delivery log); tests shorten it through the worker's settings.
export interface DeliverySchedule {
  /** The wait before the first retry; each next wait is `backoff` times longer, up to maxRetryMs. */
  firstRetryMs: number;
  backoff: number;
  maxRetryMs: number;
  /** Retries stop this long after the first attempt; the delivery is given up and its endpoint marked failing. */
  giveUpAfterMs: number;
  /** One HTTP attempt (connect, send, answer) is abandoned after this and counts as a failure to retry. */
  attemptTimeoutMs: number;
}

const SECOND = 1000;
const HOUR = 3600 * SECOND;

export const DELIVERY_SCHEDULE: DeliverySchedule = {
  // 5 s, 15 s, 45 s, 2¼ min, 6¾ min, 20 min, 1 h, then hourly: a blip heals within a minute, an outage is
  // retried hourly, and a receiver back within three days gets everything (about 75 attempts at most).
  firstRetryMs: 5 * SECOND,
  backoff: 3,
  maxRetryMs: HOUR,
  giveUpAfterMs: 72 * HOUR,
  // Standard Webhooks asks receivers to answer quickly and work asynchronously; ten seconds is generous.
  attemptTimeoutMs: 10 * SECOND,
};

/** The wait after failed attempt number `attempt` (1-based), as Temporal's retry policy computes it. */
export const retryDelayMs = (s: DeliverySchedule, attempt: number): number =>
  Math.min(s.firstRetryMs * s.backoff ** Math.max(0, attempt - 1), s.maxRetryMs);
