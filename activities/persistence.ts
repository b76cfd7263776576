// persistTransition: one PostgreSQL transaction writes a transition's read model, ledger entries, audit
// event and notification outbox rows. Every row is keyed by (contract, seq, …), so a retried activity
// writes nothing twice; the contract row's seq tells a retry from a new transition.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Prisma } from '../generated/prisma/client.js';
import type { ContractSummary } from '../domain/contract.js';
import type { Db } from '../db/client.js';
import { classifyPgError } from '../db/pg-errors.js';
import type { RefusalRecord, TransitionRecord } from './types.js';
import { type WebhookDispatcher, writeWebhookEvents } from '../webhooks/outbox.js';
import { loadTexts, storeTexts, withTexts } from '../db/texts.js';
import { contractColumns } from '../db/projected-rows.js';

type Tx = Prisma.TransactionClient;
const json = (v: unknown) => v as Prisma.InputJsonValue;

export function createPersistence(db: Db, webhooks?: WebhookDispatcher) {
  return {
    async recordRefusal(r: RefusalRecord): Promise<void> {
      const { workflowId, runId } = activityIds();
      try {
        await db.refusedSignal.createMany({ data: [{ ...r, at: new Date(r.at), workflowId, runId }], skipDuplicates: true });
      } catch (err) {
        const f = classifyPgError(err);
        if (f.retryable) throw err;
        throw ApplicationFailure.nonRetryable(`refusal ${r.id} not recorded (SQLSTATE ${f.sqlState ?? 'none'}): ${f.reason}`, f.code);
      }
    },

    async persistTransition(record: TransitionRecord): Promise<void> {
      const info = activityIds();
      let queued: number | undefined; // webhook deliveries this attempt wrote; unknown when a retry found the seq stored
      try {
        await db.$transaction(async (tx) => {
          const current = await tx.$queryRaw<{ seq: number }[]>`SELECT seq FROM contracts WHERE id = ${record.contractId} FOR UPDATE`;
          const stored = current[0]?.seq ?? 0;
          if (stored === record.seq) return await sameTransition(tx, record); // an earlier attempt wrote it
          if (record.seq !== stored + 1) throw new SequenceGap(record.contractId, stored, record.seq);
          queued = await writeRecord(tx, record, info);
        });
      } catch (err) {
        throw asActivityFailure(err, record);
      }
      // After the commit (and again on a retry that finds it stored): a start that fails is retried with the
      // activity; the contract's state is already stored, and a retry stores nothing twice.
      if (queued !== 0) await webhooks?.dispatch(record.contractId, record.seq);
    },
  };
}

/**
 * Writes one transition whose seq follows the stored one: the contract row, milestones, request, ledger,
 * audit event, notices' outbox rows and webhook events. Returns the webhook deliveries it queued. Shared
 * by persistTransition (one record) and projectTransitions (a batch, activities/projection.ts).
 */
export async function writeRecord(tx: Tx, record: TransitionRecord, info: ReturnType<typeof activityIds>): Promise<number> {
  await writeContract(tx, record.contract, record.at);
  const full = await readable(tx, record); // texts in place of their references
  await writeMilestones(tx, full);
  await writeRequest(tx, full);
  if (full.ledger.length) {
    await tx.ledgerEntry.createMany({
      data: full.ledger.map((e) => ({
        key: e.key, contractId: full.contractId, milestoneId: e.milestoneId, kind: e.kind, amountCents: BigInt(e.amountCents), seq: full.seq,
      })),
      skipDuplicates: true,
    });
  }
  await tx.auditEvent.createMany({
    data: [{
      contractId: full.contractId, seq: full.seq, command: full.command, actorId: full.actorId, via: full.via ?? null,
      before: json({ contract: full.before, milestones: full.milestonesBefore }),
      after: json({ contract: full.contract, milestones: full.milestones, order: full.milestoneOrder }),
      at: new Date(full.at), ...info,
    }],
    skipDuplicates: true,
  });
  if (full.notices.length) {
    await tx.notification.createMany({
      data: full.notices.map((n) => ({ id: n.key, contractId: n.contractId, recipientId: n.recipientId, event: n.event, payload: json(n) })),
      skipDuplicates: true,
    });
  }
  return await writeWebhookEvents(tx, full); // R29: the transition's events, in the same transaction
}

/**
 * The record as people read it: the workflow sends texts as references (domain/texts.ts) plus the texts
 * this command brought in; stored first, then every reference in the record is replaced by its text.
 */
async function readable(tx: Tx, lean: TransitionRecord): Promise<TransitionRecord> {
  const { texts, ...rest } = lean;
  await storeTexts(tx, lean.contractId, texts);
  const s = lean.contract;
  const found = await loadTexts(tx, lean.contractId, rest.milestones, rest.milestonesBefore, rest.notices,
    s.changeRequest, s.proposal, lean.before?.changeRequest, lean.before?.proposal);
  return withTexts(rest, found);
}

export function activityIds() {
  try {
    const { workflowExecution, activityId } = Context.current().info;
    return { workflowId: workflowExecution?.workflowId ?? 'unknown', runId: workflowExecution?.runId ?? 'unknown', activityId };
  } catch {
    return { workflowId: 'direct', runId: 'direct', activityId: 'direct' }; // called outside a worker (tests)
  }
}

/** The contract row; `updatedAt` is the transition's time, so a command's answer built before the write shows the same. */
async function writeContract(tx: Tx, s: ContractSummary, at: string) {
  const row = {
    ...contractColumns(s), updatedAt: new Date(at),
    ...(s.offer ? { offer: json(s.offer) } : {}), // R30; rows of contracts from before offers stay NULL
  };
  await tx.contract.upsert({ where: { id: s.id }, create: { id: s.id, createdAt: new Date(s.createdAt), ...row }, update: row });
}

/** Set-based, four statements whatever the plan's size (delete, park positions, upsert changed, reorder); one when the order is unchanged. */
async function writeMilestones(tx: Tx, record: TransitionRecord) {
  const id = record.contractId;
  const order = record.milestoneOrder;
  const positions = order.map((_, i) => i + 1);
  const ms = record.milestones;
  const at = (mid: string) => order.indexOf(mid) + 1;
  // Most commands (fund, submit, release, a change) keep every milestone in its place: one statement.
  const reorder = record.orderChanged !== false;
  if (reorder) await tx.$executeRaw`DELETE FROM milestones WHERE contract_id = ${id} AND NOT (id = ANY(${order}::text[]))`;
  if (!order.length) return;
  // Park every position below zero first, so the new order never collides with the old one (unique per contract).
  if (reorder) await tx.$executeRaw`UPDATE milestones SET position = -position WHERE contract_id = ${id} AND position > 0`;
  if (ms.length) {
    await tx.$executeRaw`
      INSERT INTO milestones (contract_id, id, position, title, description, due_date, amount_cents, funded_cents, released_cents, state,
        review_ends_at, revision_rounds, refunded_cents, refund_request, dispute, updated_at)
      SELECT ${id}, t.id, t.position, t.title, t.description, t.due_date, t.amount, t.funded, t.released, t.state,
        t.review_ends_at::timestamptz AT TIME ZONE 'UTC', t.rounds, t.refunded, t.refund_request::jsonb, t.dispute::jsonb, now()
      FROM unnest(${ms.map((m) => m.id)}::text[], ${ms.map((m) => at(m.id))}::int[], ${ms.map((m) => m.title)}::text[],
                  ${ms.map((m) => m.description)}::text[], ${ms.map((m) => m.dueDate)}::date[], ${ms.map((m) => m.amountCents)}::int[],
                  ${ms.map((m) => m.fundedCents)}::int[], ${ms.map((m) => m.releasedCents)}::int[], ${ms.map((m) => m.state)}::text[],
                  ${ms.map((m) => m.reviewEndsAt ?? null)}::text[], ${ms.map((m) => m.revisionRounds ?? 0)}::int[],
                  ${ms.map((m) => m.refundedCents ?? 0)}::int[], ${ms.map((m) => jsonOrNull(m.refundRequest))}::text[],
                  ${ms.map((m) => jsonOrNull(m.dispute))}::text[])
        AS t(id, position, title, description, due_date, amount, funded, released, state, review_ends_at, rounds, refunded, refund_request, dispute)
      ON CONFLICT (contract_id, id) DO UPDATE SET position = EXCLUDED.position, title = EXCLUDED.title, description = EXCLUDED.description,
        due_date = EXCLUDED.due_date, amount_cents = EXCLUDED.amount_cents, funded_cents = EXCLUDED.funded_cents,
        released_cents = EXCLUDED.released_cents, state = EXCLUDED.state, review_ends_at = EXCLUDED.review_ends_at,
        revision_rounds = EXCLUDED.revision_rounds, refunded_cents = EXCLUDED.refunded_cents, refund_request = EXCLUDED.refund_request,
        dispute = EXCLUDED.dispute, updated_at = now()`;
  }
  if (!reorder) return;
  await tx.$executeRaw`
    UPDATE milestones m SET position = t.position
    FROM unnest(${order}::text[], ${positions}::int[]) AS t(id, position)
    WHERE m.contract_id = ${id} AND m.id = t.id AND m.position <> t.position`;
}

/** R27, R28: a pending refund request or open dispute as jsonb text; none is NULL. */
const jsonOrNull = (v: object | null | undefined): string | null => (v ? JSON.stringify(v) : null);

async function writeRequest(tx: Tx, record: TransitionRecord) {
  const r = record.request;
  const s = record.contract;
  // The request's content lives in the state while it is pending, and in `before` once it closed.
  const source = [s.changeRequest, s.proposal, record.before?.changeRequest, record.before?.proposal].find((p) => p?.id === r?.id);
  if (r && r.state === 'pending' && source) {
    await tx.changeRequest.upsert({
      where: { id: r.id },
      create: {
        id: r.id, contractId: s.id, kind: r.kind, milestoneId: source.milestoneId, requestedBy: source.requestedBy, state: 'pending',
        changes: json(source.changes), ops: source.ops ? json(source.ops) : undefined, diff: source.diff ? json(source.diff) : undefined,
        createdAt: new Date(r.createdAt), expiresAt: r.expiresAt ? new Date(r.expiresAt) : null, version: source.edits,
      },
      update: {},
    });
  } else if (r) {
    await tx.changeRequest.updateMany({
      where: { id: r.id, state: 'pending' },
      data: { state: r.state, resolvedAt: new Date(record.at), decidedBy: record.actorId },
    });
  }
  // An edit (R16) changes a pending request's content without opening or closing it.
  if (s.changeRequest && s.changeRequest.id !== r?.id) {
    await tx.changeRequest.updateMany({
      where: { id: s.changeRequest.id, state: 'pending' },
      data: { changes: json(s.changeRequest.changes), version: s.changeRequest.edits },
    });
  }
}

/**
 * A record whose seq is already stored is a retry, unless the stored transition is another command: a
 * workflow task that persisted as a local activity and then died can be redone differently (a signal that
 * arrived meanwhile goes first). That is refused loudly rather than adopted over the stored one.
 */
export async function sameTransition(tx: Tx, record: TransitionRecord): Promise<void> {
  const stored = await tx.auditEvent.findUnique({
    where: { contractId_seq: { contractId: record.contractId, seq: record.seq } }, select: { command: true, actorId: true },
  });
  if (stored && (stored.command !== record.command || stored.actorId !== record.actorId)) {
    throw new SequenceGap(record.contractId, record.seq, record.seq,
      `holds ${stored.command} by ${stored.actorId}, not ${record.command} by ${record.actorId}`);
  }
}

/** The workflow adopts transitions one at a time: a record that skips a seq means the two disagree. */
export class SequenceGap extends Error {
  constructor(contractId: string, stored: number, got: number, why = 'does not follow it') {
    super(`contract ${contractId} is at seq ${stored} in PostgreSQL; a record for seq ${got} ${why}`);
  }
}

/**
 * Retryable failures are rethrown as they are (Temporal retries them with the options' backoff); the
 * rest become non-retryable ApplicationFailures whose type the workflow turns into the command's answer.
 */
export function asActivityFailure(err: unknown, record: TransitionRecord): Error {
  const where = { contractId: record.contractId, seq: record.seq, command: record.command };
  if (err instanceof SequenceGap) {
    log('error', { msg: 'persistence refused a sequence gap', ...where, err: err.message });
    return ApplicationFailure.nonRetryable(err.message, 'PERSISTENCE_FAILED', { ...where, sqlState: null });
  }
  const f = classifyPgError(err);
  log(f.retryable ? 'warn' : 'error', { msg: 'persistence failed', ...where, sqlState: f.sqlState ?? null, retryable: f.retryable, err: f.reason });
  if (f.retryable) return err instanceof Error ? err : new Error(f.reason);
  const what = f.code === 'INVALID_DATA' ? 'a value the database refuses' : 'a write the database refused';
  return ApplicationFailure.nonRetryable(`transition ${record.contractId}#${record.seq} holds ${what} (SQLSTATE ${f.sqlState ?? 'none'}): ${f.reason}`,
    f.code, { ...where, sqlState: f.sqlState ?? null });
}

function log(level: 'warn' | 'error', line: Record<string, unknown>) {
  try {
    Context.current().log[level](String(line.msg), line);
  } catch {
    console.error(JSON.stringify({ level, ...line })); // called outside a worker (tests)
  }
}
