// R29's settings, read once by the worker and the API: whether loopback receivers are allowed (local
// development and tests only) and the delivery schedule (tests shorten it).
import { DELIVERY_SCHEDULE, type DeliverySchedule } from '../domain/webhook-schedule.js';

export interface WebhookSettings {
  /** WEBHOOKS_ALLOW_LOOPBACK=true: http://127.0.0.1 / localhost receivers, for development. Never in production. */
  allowLoopback: boolean;
  schedule: DeliverySchedule;
}

export const webhookSettingsFromEnv = (env: NodeJS.ProcessEnv = process.env): WebhookSettings => ({
  allowLoopback: env.WEBHOOKS_ALLOW_LOOPBACK === 'true',
  schedule: DELIVERY_SCHEDULE,
});
