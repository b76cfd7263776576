// The webhook sweep (R29), run every few minutes by a Schedule: deliveries held while an endpoint's circuit
// was open start when a probe lands, and a probe is an attempt of some delivery — which a quiet endpoint,
// one that sees no new event, never gets. The sweep gives each such endpoint its probe, and resumes the
// held deliveries of an endpoint whose circuit closed while their resume did not happen (Temporal was
// unreachable then). Held: pending, never attempted, waiting for a time (`next_retry_at`) that has come.
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client.js';
import { resumeHeldDeliveries, startDelivery } from './outbox.js';
import type { WebhookSettings } from './settings.js';

/**
 * Endpoints looked at per run, and pages resumed per endpoint: at most 20 × 1,000 deliveries started by one
 * run (each start bounded at 3 s, 20 at a time); the rest wait for the next run, minutes later.
 */
export const SWEEP_ENDPOINTS = 20;
const SWEEP_PAGES_PER_ENDPOINT = 2;

/** How often the Schedule runs the sweep: a quiet endpoint's probe goes at most this long after its opening ends. */
export const WEBHOOK_SWEEP_EVERY_MS = 5 * 60_000;

export interface HeldSweepResult {
  /** Endpoints past their opening that got one held delivery as their probe. */
  probed: number;
  /** Deliveries started for endpoints whose circuit is closed. */
  resumed: number;
  /** SWEEP_ENDPOINTS were found: more may be left for the next run. */
  more: boolean;
}

export async function sweepHeldDeliveries(db: Db, temporal: Client, taskQueue: string, settings: WebhookSettings,
  now = new Date()): Promise<HeldSweepResult> {
  // The oldest held delivery of each endpoint whose circuit is not open now (never a disabled one).
  const rows = await db.$queryRaw<{ endpoint_id: string; event_id: string; owner_id: string; closed: boolean }[]>`
    SELECT DISTINCT ON (d.endpoint_id) d.endpoint_id, d.event_id, w.owner_id, w.circuit_open_until IS NULL AS closed
    FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
    WHERE d.status = 'pending' AND d.attempts = 0 AND d.next_retry_at <= ${now}
      AND w.status <> 'disabled' AND (w.circuit_open_until IS NULL OR w.circuit_open_until <= ${now})
    ORDER BY d.endpoint_id, d.created_at, d.event_id
    LIMIT ${SWEEP_ENDPOINTS}`;
  let probed = 0;
  let resumed = 0;
  for (const r of rows) {
    if (r.closed) {
      resumed += await resumeHeldDeliveries(db, temporal, taskQueue, settings, r.endpoint_id, { maxPages: SWEEP_PAGES_PER_ENDPOINT });
    } else {
      // Past its opening: one delivery goes as the probe; when it lands, the attempt resumes the rest
      // (activities/webhooks.ts), and when it fails the circuit opens again and the rest keep waiting.
      await startDelivery(temporal, taskQueue, settings, { endpointId: r.endpoint_id, eventId: r.event_id }, false, false, r.owner_id);
      probed++;
    }
  }
  return { probed, resumed, more: rows.length === SWEEP_ENDPOINTS };
}
