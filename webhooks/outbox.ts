// R29's transactional outbox: a transition's events, and one delivery row per subscribed endpoint, are
// written in the transition's own transaction (persistTransition); after it commits, one delivery workflow
// per row is started. A retried persistence derives the same event ids and starts nothing twice.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Prisma } from '../generated/prisma/client.js';
import { webhookDeliveryWorkflowId } from '../domain/names.js';
import { webhookEvents } from '../domain/webhook-events.js';
import type { TransitionRecord } from '../activities/types.js';
import type { Db } from '../db/client.js';
import type { webhookDeliveryWorkflow, WebhookDeliveryInput } from '../workflows/webhook-delivery.js';
import type { WebhookSettings } from './settings.js';

type Tx = Prisma.TransactionClient;

/**
 * One statement: the events, and a pending delivery for each enabled (or failing) endpoint subscribed to one.
 * Returns the deliveries written: none (most transitions, with no endpoint) spares the dispatcher's query.
 */
export async function writeWebhookEvents(tx: Tx, record: TransitionRecord): Promise<number> {
  const s = record.contract;
  const events = webhookEvents({
    contractId: record.contractId,
    seq: record.seq,
    actorId: record.actorId,
    at: record.at,
    ledger: record.ledger,
    notices: record.notices,
    contract: {
      id: s.id,
      title: s.title,
      status: s.status,
      clientId: s.clientId,
      freelancerId: s.freelancerId,
      balances: s.balances,
    },
  });
  if (!events.length) return 0;
  return await tx.$executeRaw`
    WITH ev AS (
      INSERT INTO webhook_events (id, contract_id, seq, idx, type, payload)
      SELECT t.id, ${record.contractId}, ${record.seq}, t.idx, t.type, t.payload::jsonb
      FROM unnest(${events.map((e) => e.id)}::text[], ${events.map((e) => e.index)}::int[], ${events.map((e) => e.type)}::text[],
                  ${events.map((e) => JSON.stringify(e))}::text[]) AS t(id, idx, type, payload)
      ON CONFLICT (id) DO NOTHING
      RETURNING id, type
    )
    INSERT INTO webhook_deliveries (endpoint_id, event_id)
    SELECT w.id, ev.id FROM ev JOIN webhook_endpoints w
      ON w.status <> 'disabled'
     AND (w.contract_id = ${record.contractId} OR (w.contract_id IS NULL AND w.owner_id IN (${s.clientId}, ${s.freelancerId})))
     AND ('*' = ANY(w.event_types) OR ev.type = ANY(w.event_types))
    ON CONFLICT DO NOTHING`;
}

export interface WebhookDispatcher {
  /** Starts the delivery workflows of a stored transition's pending deliveries; throws when Temporal cannot be reached. */
  dispatch(contractId: string, seq: number): Promise<void>;
}

export function createWebhookDispatcher(
  db: Db,
  temporal: Client,
  taskQueue: string,
  settings: WebhookSettings,
): WebhookDispatcher {
  return {
    async dispatch(contractId, seq) {
      const rows = await db.webhookDelivery.findMany({
        where: { status: 'pending', event: { contractId, seq } },
        select: { endpointId: true, eventId: true, endpoint: { select: { ownerId: true, circuitOpenUntil: true } } },
      });
      // An endpoint whose circuit is open gets no new delivery workflow: its deliveries wait, pending, and
      // start when a probe lands (resumeHeldDeliveries). A receiver that hangs then costs nothing per event.
      const now = new Date();
      const held = rows.filter((r) => r.endpoint.circuitOpenUntil && r.endpoint.circuitOpenUntil > now);
      for (const endpointId of new Set(held.map((r) => r.endpointId))) {
        const until = held.find((r) => r.endpointId === endpointId)!.endpoint.circuitOpenUntil;
        await db.webhookDelivery.updateMany({
          where: { endpointId, eventId: { in: held.filter((r) => r.endpointId === endpointId).map((r) => r.eventId) } },
          data: { nextRetryAt: until, lastError: 'waiting: the endpoint kept failing, its circuit is open' },
        });
      }
      await Promise.all(rows.filter((r) => !held.includes(r)).map((r) =>
        startDelivery(temporal, taskQueue, settings, { endpointId: r.endpointId, eventId: r.eventId }, false, false, r.endpoint.ownerId)));
    },
  };
}

/** Deliveries read per page when an endpoint recovers, and started 20 at a time. */
const RESUME_PAGE = 500;
/**
 * Pages per resume: up to 10,000 deliveries of one endpoint started in one go. A longer backlog is left
 * pending and held; the webhook sweep (webhooks/held-sweep.ts) resumes it at its next run.
 */
export const RESUME_MAX_PAGES = 20;

/**
 * Starts the pending deliveries of an endpoint whose circuit closed (those held while it was open), oldest
 * first, page by page until none is left or RESUME_MAX_PAGES are done. A delivery still running is
 * joined, one already closed is left alone, so starting them all is safe. Returns how many were started.
 */
export async function resumeHeldDeliveries(db: Db, temporal: Client, taskQueue: string, settings: WebhookSettings,
  endpointId: string, { pageSize = RESUME_PAGE, maxPages = RESUME_MAX_PAGES } = {}): Promise<number> {
  let started = 0;
  let after: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    // Keyset paging: the started rows stay pending while their workflows run, so an offset would re-read them.
    const rows = await db.webhookDelivery.findMany({
      where: { endpointId, status: 'pending' }, select: { eventId: true, endpoint: { select: { ownerId: true } } },
      orderBy: [{ createdAt: 'asc' }, { eventId: 'asc' }], take: pageSize,
      ...(after ? { cursor: { endpointId_eventId: { endpointId, eventId: after } }, skip: 1 } : {}),
    });
    for (let i = 0; i < rows.length; i += 20) {
      await Promise.all(rows.slice(i, i + 20).map((r) =>
        startDelivery(temporal, taskQueue, settings, { endpointId, eventId: r.eventId }, false, false, r.endpoint.ownerId)));
    }
    started += rows.length;
    if (rows.length < pageSize) break;
    after = rows[rows.length - 1]!.eventId;
  }
  return started;
}

/** Bounds one start call: a Temporal that does not answer fails the attempt, which is retried. */
const START_DEADLINE_MS = 3_000;

/**
 * First deliveries never run twice (REJECT_DUPLICATE: a closed delivery is not started again by a retried
 * persistence); a redelivery may follow a closed one. Either joins a delivery still running.
 */
export async function startDelivery(
  temporal: Client,
  taskQueue: string,
  settings: WebhookSettings,
  target: { endpointId: string; eventId: string },
  redeliver = false,
  /** The delivery's row was final (delivered or failed) when the redelivery was asked for. */
  settled = false,
  /** The endpoint's owner: the fairness key, so a Temporal server with task-queue fairness shares between owners. */
  ownerId?: string,
): Promise<void> {
  const input: WebhookDeliveryInput = { ...target, redeliver, schedule: settings.schedule };
  const workflowId = webhookDeliveryWorkflowId(target.endpointId, target.eventId);
  if (redeliver && settled) {
    // A delivery that has just settled (its row said delivered or failed) may not have closed yet; joining
    // it would send nothing more. Wait for it to close, briefly (seen under load).
    const handle = temporal.workflow.getHandle(workflowId);
    await temporal.withDeadline(Date.now() + START_DEADLINE_MS, () => handle.result()).catch(() => undefined);
  }
  try {
    await temporal.withDeadline(Date.now() + START_DEADLINE_MS, () =>
      temporal.workflow.start<typeof webhookDeliveryWorkflow>('webhookDeliveryWorkflow', {
        workflowId,
        taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: redeliver ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
        ...(ownerId ? { priority: { fairnessKey: ownerId } } : {}),
        staticSummary: `${redeliver ? 'Redeliver' : 'Deliver'} ${target.eventId} to webhook endpoint ${target.endpointId}`,
      }),
    );
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return; // delivered or given up already
    throw err;
  }
}
