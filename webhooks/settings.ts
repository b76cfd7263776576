// R29's settings, read once by the worker and the API: whether loopback receivers are allowed (local
// development and tests only), the delivery schedule and the limits that keep one member's receivers
// from holding everyone's delivery slots (tests shorten both).
import { DELIVERY_SCHEDULE, type DeliverySchedule } from '../domain/webhook-schedule.js';

export interface DeliveryLimits {
  /** Delivery attempts in flight at once on one worker process (its activity slots). */
  slots: number;
  /** Attempts in flight at once to one endpoint: a slow receiver holds at most this many slots. */
  perEndpoint: number;
  /** Attempts in flight at once to one owner's endpoints together: the fair share of an account. */
  perOwner: number;
  /**
   * Unanswered attempts in a row (timeouts, refused connections) that open an endpoint's circuit. Answers
   * (5xx, 429) do not count: they cost a slot milliseconds, and the retry schedule spaces them already.
   */
  breakerThreshold: number;
  /** The first opening's length; each next opening in a row doubles it, up to breakerMaxOpenMs. */
  breakerFirstOpenMs: number;
  breakerMaxOpenMs: number;
  /** An endpoint failing for this long without one success is disabled (its owner re-enables it). */
  disableAfterMs: number;
}

const MINUTE = 60_000;

export const DELIVERY_LIMITS: DeliveryLimits = {
  // Each attempt is one socket waiting at most 10 s: 40 keep a worker's memory and sockets small.
  slots: 40,
  // Standard Webhooks receivers answer fast; two at once is plenty for one, and bounds a hung one.
  perEndpoint: 2,
  // An account with 20 endpoints (the most it may have) still gets a quarter of a worker, not all of it.
  perOwner: 10,
  // Three attempts in a row left unanswered (up to 30 s of slots held for nothing) is no blip: stop
  // sending, probe again after a minute, then less often. A false alarm costs a minute's delay.
  breakerThreshold: 3,
  breakerFirstOpenMs: MINUTE,
  breakerMaxOpenMs: 60 * MINUTE,
  // The delivery schedule's own 72 h: an endpoint that fails all of it receives nothing more until told.
  disableAfterMs: 72 * 60 * MINUTE,
};

export interface WebhookSettings {
  /** WEBHOOKS_ALLOW_LOOPBACK=true: http://127.0.0.1 / localhost receivers, for development. Never in production. */
  allowLoopback: boolean;
  schedule: DeliverySchedule;
  /** Concurrency caps and the circuit breaker (default DELIVERY_LIMITS). */
  limits?: DeliveryLimits;
}

export const webhookSettingsFromEnv = (env: NodeJS.ProcessEnv = process.env): WebhookSettings => ({
  allowLoopback: env.WEBHOOKS_ALLOW_LOOPBACK === 'true',
  schedule: DELIVERY_SCHEDULE,
  limits: DELIVERY_LIMITS,
});
