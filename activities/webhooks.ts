// R29's delivery activities. attemptWebhookDelivery is one signed POST; its outcome is written to the
// delivery log before the activity answers, so the log shows every attempt. Temporal's retry policy (built
// from the same schedule in workflows/webhook-delivery.ts) carries the retries; settleWebhookDelivery
// records a delivery given up. Before it sends, an attempt passes the endpoint's circuit breaker and the
// worker's per-endpoint and per-owner caps (webhooks/gate.ts); one that may not send yet is retried later
// without holding a slot or writing anything.
import { ApplicationFailure } from '@temporalio/activity';
import { Webhook } from 'standardwebhooks';
import { type DeliverySchedule, retryDelayMs } from '../domain/webhook-schedule.js';
import type { Db } from '../db/client.js';
import { postJson, type PostOutcome } from '../webhooks/http.js';
import { recordFailure, recordSuccess } from '../webhooks/breaker.js';
import { createDeliveryGate, type DeliveryGate } from '../webhooks/gate.js';
import { DELIVERY_LIMITS, type WebhookSettings } from '../webhooks/settings.js';
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

export function createWebhookActivities(
  db: Db,
  settings: Pick<WebhookSettings, 'allowLoopback' | 'limits'>,
  decrypt: (stored: string) => string = (s) => s,
  /** Starts the deliveries held while an endpoint's circuit was open (the webhook worker gives it). */
  resume?: (endpointId: string) => Promise<unknown>,
): WebhookActivities {
  const limits = settings.limits ?? DELIVERY_LIMITS;
  const gate: DeliveryGate = createDeliveryGate(limits.perOwner);
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
      // The receiver's own attempts so far, from the delivery log: Temporal's attempt number also counts
      // deferrals (a full gate, an open circuit) and attempts a killed worker never finished, and backing
      // off on those would push a receiver's next try minutes out for failures that were not its own.
      const attempt = row.attempts + 1;
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
      const openFor = (endpoint.circuitOpenUntil?.getTime() ?? 0) - Date.now();
      // Open circuit: wait for its end (plus a spread, so the waiting deliveries do not all wake at once).
      // A redelivery its owner asked for goes through as the probe.
      if (openFor > 0 && !redeliver) throw deferred(`circuit open for ${Math.ceil(openFor / 1000)} s`, openFor + jitter(5_000), schedule);
      // Past an opening, one probe at a time: the rest wait for its answer.
      const halfOpen = endpoint.consecutiveFailures >= limits.breakerThreshold;
      const leave = gate.tryEnter(endpointId, endpoint.ownerId, halfOpen ? 1 : limits.perEndpoint);
      // The slots are held by attempts that take up to attemptTimeoutMs: try again once they are likely free.
      if (!leave) throw deferred('concurrency cap reached', schedule.attemptTimeoutMs + jitter(2 * schedule.attemptTimeoutMs), schedule);
      let outcome: PostOutcome;
      const body = JSON.stringify(event.payload);
      const now = new Date();
      try {
        const secrets = [decrypt(endpoint.secret)];
        if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now)
          secrets.push(decrypt(endpoint.previousSecret));
        const headers = {
          'webhook-id': event.id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': signatures(secrets, event.id, now, body),
        };
        outcome = await postJson(endpoint.url, body, headers, {
          timeoutMs: schedule.attemptTimeoutMs,
          allowLoopback: settings.allowLoopback,
        });
      } finally {
        leave();
      }

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
        ]);
        // A receiver that answers again is no longer failing, and its circuit closes.
        if ((await recordSuccess(db, endpointId)) && resume) {
          // This delivery is done whatever happens next; deliveries a failed resume leaves pending are in the
          // owner's log, and a redelivery sends any of them.
          await resume(endpointId).catch((err: unknown) => console.log(JSON.stringify({
            level: 'warn', msg: 'held webhook deliveries not started', endpointId, error: (err as Error).message })));
        }
        return 'delivered';
      }
      const verdict = classify(outcome);
      // Only an unanswered attempt counts towards the breaker: it is what holds a slot for the whole timeout.
      if (outcome.kind === 'unreachable') {
        const state = await recordFailure(db, endpointId, limits);
        if (state && state.circuitOpenUntil && state.circuitOpenUntil > now && state.status !== endpoint.status)
          console.log(JSON.stringify({ level: 'warn', msg: 'webhook endpoint circuit opened', endpointId, ownerId: endpoint.ownerId,
            status: state.status, openUntil: state.circuitOpenUntil.toISOString() }));
      }
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
        // A receiver's Retry-After (429, 503) is honoured within the schedule's longest wait; otherwise the
        // schedule's wait after this many of the receiver's own failures.
        nextRetryDelay: Math.min(verdict.retryAfterMs ?? retryDelayMs(schedule, attempt), schedule.maxRetryMs),
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

/** A retry that is not a failure of the receiver: nothing was sent, nothing is written. */
function deferred(why: string, delayMs: number, s: DeliverySchedule): ApplicationFailure {
  return ApplicationFailure.create({
    message: `not sent: ${why}`,
    type: 'WEBHOOK_DEFERRED',
    nonRetryable: false,
    nextRetryDelay: Math.max(100, Math.min(Math.round(delayMs), s.maxRetryMs)),
  });
}

const jitter = (ms: number): number => Math.random() * ms;

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
