// R29's delivery activities. attemptWebhookDelivery is one signed POST; its outcome is written to the
// delivery log before the activity answers, so the log shows every attempt. Temporal's retry policy (built
// from the same schedule in workflows/webhook-delivery.ts) carries the retries; settleWebhookDelivery
// records a delivery given up.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { Webhook } from 'standardwebhooks';
import { type DeliverySchedule, retryDelayMs } from '../domain/webhook-schedule.js';
import type { Db } from '../db/client.js';
import { postJson, type PostOutcome } from '../webhooks/http.js';
import type { WebhookSettings } from '../webhooks/settings.js';
import { targetRefusal } from '../webhooks/target.js';

export interface AttemptInput {
  endpointId: string;
  eventId: string;
  /** A redelivery asked for by the endpoint's owner: sent even if an earlier delivery succeeded. */
  redeliver: boolean;
  schedule: DeliverySchedule;
}

export type AttemptResult = 'delivered' | 'already-delivered' | 'canceled';

export interface SettleInput {
  endpointId: string;
  eventId: string;
  reason: string;
  /** The schedule ran out (not a final answer): the endpoint is marked failing. */
  exhausted: boolean;
}

export interface WebhookActivities {
  attemptWebhookDelivery(input: AttemptInput): Promise<AttemptResult>;
  settleWebhookDelivery(input: SettleInput): Promise<void>;
}

/** The signature header: one `v1,<base64>` per secret in force (Standard Webhooks allows several, space-separated). */
export function signatures(secrets: string[], id: string, at: Date, body: string): string {
  return secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' ');
}

export function createWebhookActivities(db: Db, settings: Pick<WebhookSettings, 'allowLoopback'>): WebhookActivities {
  return {
    async attemptWebhookDelivery({ endpointId, eventId, redeliver, schedule }) {
      const where = { endpointId_eventId: { endpointId, eventId } };
      const row = await db.webhookDelivery.findUnique({ where, include: { endpoint: true, event: true } });
      if (!row) return 'canceled'; // the endpoint was deleted (its deliveries with it)
      if (row.status === 'delivered' && !redeliver) return 'already-delivered';
      if (row.endpoint.status === 'disabled') {
        await db.webhookDelivery.updateMany({
          where: { endpointId, eventId, status: 'pending' },
          data: { status: 'canceled', nextRetryAt: null, updatedAt: new Date() },
        });
        return 'canceled';
      }
      const { endpoint, event } = row;
      const attempt = Context.current().info.attempt;
      const fail = async (outcome: string, data: { lastStatusCode?: number | null }, retry: boolean) => {
        const nextRetryAt = retry ? nextRetry(schedule, attempt, row.createdAt) : null;
        await db.webhookDelivery.update({
          where,
          data: {
            attempts: { increment: 1 },
            lastError: outcome,
            nextRetryAt,
            status: retry ? 'pending' : 'failed',
            updatedAt: new Date(),
            ...data,
          },
        });
      };

      const refusal = targetRefusal(endpoint.url, settings.allowLoopback);
      if (refusal) {
        await fail(`target refused: ${refusal}`, { lastStatusCode: null }, false);
        throw ApplicationFailure.nonRetryable(`webhook target refused: ${refusal}`, 'WEBHOOK_TARGET_REFUSED');
      }
      const body = JSON.stringify(event.payload);
      const now = new Date();
      const secrets = [endpoint.secret];
      if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now)
        secrets.push(endpoint.previousSecret);
      const headers = {
        'webhook-id': event.id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signatures(secrets, event.id, now, body),
      };
      const outcome = await postJson(endpoint.url, body, headers, {
        timeoutMs: schedule.attemptTimeoutMs,
        allowLoopback: settings.allowLoopback,
      });

      if (outcome.kind === 'answered' && outcome.status >= 200 && outcome.status < 300) {
        await db.$transaction([
          db.webhookDelivery.update({
            where,
            data: {
              status: 'delivered',
              attempts: { increment: 1 },
              lastStatusCode: outcome.status,
              lastError: null,
              nextRetryAt: null,
              deliveredAt: now,
              updatedAt: now,
            },
          }),
          // A receiver that answers again is no longer failing.
          db.webhookEndpoint.updateMany({
            where: { id: endpointId, status: 'failing' },
            data: { status: 'enabled', failingSince: null },
          }),
        ]);
        return 'delivered';
      }
      const verdict = classify(outcome);
      await fail(
        verdict.message,
        { lastStatusCode: outcome.kind === 'answered' ? outcome.status : null },
        verdict.retry,
      );
      if (!verdict.retry) throw ApplicationFailure.nonRetryable(verdict.message, verdict.type);
      throw ApplicationFailure.create({
        message: verdict.message,
        type: verdict.type,
        nonRetryable: false,
        // A receiver's Retry-After (429, 503) is honoured within the schedule's longest wait.
        ...(verdict.retryAfterMs === null
          ? {}
          : { nextRetryDelay: Math.min(verdict.retryAfterMs, schedule.maxRetryMs) }),
      });
    },

    async settleWebhookDelivery({ endpointId, eventId, reason, exhausted }) {
      const now = new Date();
      const last = (
        await db.webhookDelivery.findUnique({
          where: { endpointId_eventId: { endpointId, eventId } },
          select: { lastError: true },
        })
      )?.lastError;
      await db.webhookDelivery.updateMany({
        where: { endpointId, eventId, status: 'pending' },
        data: {
          status: 'failed',
          lastError: last ? `${reason} (last: ${last})` : reason,
          nextRetryAt: null,
          updatedAt: now,
        },
      });
      if (exhausted) {
        await db.webhookEndpoint.updateMany({
          where: { id: endpointId, status: 'enabled' },
          data: { status: 'failing', failingSince: now },
        });
      }
    },
  };
}

/** 408, 429, 5xx, timeouts and network errors heal; any other answer (4xx, 3xx) and a refused target do not. */
function classify(o: PostOutcome): { retry: boolean; type: string; message: string; retryAfterMs: number | null } {
  if (o.kind === 'refused')
    return { retry: false, type: 'WEBHOOK_TARGET_REFUSED', message: `target refused: ${o.error}`, retryAfterMs: null };
  if (o.kind === 'unreachable')
    return { retry: true, type: 'WEBHOOK_UNAVAILABLE', message: o.error, retryAfterMs: null };
  const retry = o.status === 408 || o.status === 429 || o.status >= 500;
  return {
    retry,
    type: retry ? 'WEBHOOK_UNAVAILABLE' : 'WEBHOOK_REJECTED',
    message: `answered ${o.status}`,
    retryAfterMs: o.retryAfterMs,
  };
}

/** When Temporal will try again, or null when the schedule has run out by then. */
function nextRetry(s: DeliverySchedule, attempt: number, firstQueuedAt: Date): Date | null {
  const at = Date.now() + retryDelayMs(s, attempt);
  return at - firstQueuedAt.getTime() > s.giveUpAfterMs ? null : new Date(at);
}
