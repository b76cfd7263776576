// R29's circuit breaker, kept on the endpoint's row so every worker sees it: unanswered attempts in a row
// (timeouts, refused connections) open the circuit for a while (deliveries wait instead of holding a
// slot for a receiver that does not answer), one probe is let through when it ends, and each opening in a
// row lasts twice the last. An endpoint that fails for `disableAfterMs` without one success is disabled,
// with the reason on the endpoint for its owner to read (GET /webhook-endpoints/{id}).
import type { Db } from '../db/client.js';
import type { DeliveryLimits } from './settings.js';

export interface BreakerState {
  status: string;
  circuitOpenUntil: Date | null;
  circuitOpens: number;
}

/** One failed attempt, in one statement (two workers failing at once both count). */
export async function recordFailure(db: Db, endpointId: string, l: DeliveryLimits, now = new Date()): Promise<BreakerState | null> {
  const disableBefore = new Date(now.getTime() - l.disableAfterMs);
  const rows = await db.$queryRaw<{ status: string; circuit_open_until: Date | null; circuit_opens: number }[]>`
    UPDATE webhook_endpoints SET
      consecutive_failures = consecutive_failures + 1,
      circuit_opens = CASE WHEN consecutive_failures + 1 >= ${l.breakerThreshold} THEN circuit_opens + 1 ELSE circuit_opens END,
      circuit_open_until = CASE WHEN consecutive_failures + 1 >= ${l.breakerThreshold}
        THEN ${now}::timestamp(3) + LEAST(${l.breakerFirstOpenMs}::float8 * power(2, LEAST(circuit_opens, 30)), ${l.breakerMaxOpenMs}::float8)
             * interval '1 millisecond'
        ELSE circuit_open_until END,
      status = CASE
        WHEN status = 'failing' AND failing_since < ${disableBefore} THEN 'disabled'
        WHEN status = 'enabled' AND consecutive_failures + 1 >= ${l.breakerThreshold} THEN 'failing'
        ELSE status END,
      failing_since = CASE WHEN status = 'enabled' AND consecutive_failures + 1 >= ${l.breakerThreshold}
        THEN ${now}::timestamp(3) ELSE failing_since END,
      disabled_reason = CASE WHEN status = 'failing' AND failing_since < ${disableBefore}
        THEN 'disabled after ' || ${hours(l.disableAfterMs)} || ' of failed deliveries without one success; enable it to deliver again'
        ELSE disabled_reason END
    WHERE id = ${endpointId} AND status <> 'disabled'
    RETURNING status, circuit_open_until, circuit_opens`;
  const r = rows[0];
  if (r?.status === 'disabled') await cancelPending(db, endpointId);
  return r ? { status: r.status, circuitOpenUntil: r.circuit_open_until, circuitOpens: r.circuit_opens } : null;
}

/** A receiver that answered 2xx: the circuit closes and a failing endpoint is enabled again. True when it had opened. */
export async function recordSuccess(db: Db, endpointId: string): Promise<boolean> {
  const rows = await db.$queryRaw<{ reopened: boolean }[]>`
    WITH before AS (SELECT id, circuit_opens > 0 AS reopened FROM webhook_endpoints WHERE id = ${endpointId} FOR UPDATE)
    UPDATE webhook_endpoints SET consecutive_failures = 0, circuit_opens = 0, circuit_open_until = NULL,
      status = CASE WHEN status = 'failing' THEN 'enabled' ELSE status END,
      failing_since = CASE WHEN status = 'failing' THEN NULL ELSE failing_since END
    FROM before WHERE webhook_endpoints.id = before.id AND (consecutive_failures > 0 OR status = 'failing')
    RETURNING before.reopened`;
  return rows[0]?.reopened ?? false;
}

const hours = (ms: number): string => (ms >= 3_600_000 ? `${Math.round(ms / 3_600_000)} h` : `${Math.round(ms / 1000)} s`);

/**
 * A disabled endpoint's pending deliveries end as canceled now, those held while its circuit was open too
 * (no workflow runs for them to cancel themselves at their next attempt).
 */
export async function cancelPending(db: Db, endpointId: string): Promise<void> {
  await db.webhookDelivery.updateMany({
    where: { endpointId, status: 'pending' }, data: { status: 'canceled', nextRetryAt: null, updatedAt: new Date() },
  });
}
