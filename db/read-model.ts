// The read model: the queries the API answers from and the views it sends, built from PostgreSQL rows.
// The API's response schemas (api/responses.ts) type what these return where a route sends them. Money
// columns are BIGINT (a contract's totals can pass 2^31 cents); they leave as JSON integers, exact up to
// 2^53. Json columns hold the workflow's own domain values, typed here where they are read.
import { type ContractState, type ContractSummary, shortfallOf } from '../domain/contract.js';
import type { Dispute } from '../domain/disputes.js';
import type { FieldChange, Milestone, MilestoneState } from '../domain/milestone.js';
import type { PlanDiff, PlanOp } from '../domain/plan.js';
import type { RefundRequest } from '../domain/refunds.js';
import type { Offer } from '../domain/offers.js';
import type { Db } from './client.js';
import type { Prisma } from '../generated/prisma/client.js';

const cents = (v: bigint | number): number => Number(v);

export type ContractRow = NonNullable<Awaited<ReturnType<typeof loadContract>>>;

/**
 * R31: money the provider has not carried out yet, newest first: a deposit confirming, a payout or refund
 * waiting. A refused charge is not among them: its funding was refused and said so.
 */
const PENDING_PAYMENTS = { OR: [{ status: 'pending' }, { type: { in: ['transfer', 'refund'] }, status: { not: 'succeeded' } }] } satisfies Prisma.PaymentMovementWhereInput;
const PENDING_PAYMENTS_SHOWN = 20;

/**
 * The pending payments of each contract. A movement names its contract without a relation (an offer's
 * deposit is charged before its contract's row exists), so they are read by contract id.
 */
async function withPendingPayments<C extends { id: string }>(db: Db, contracts: C[]) {
  const rows = contracts.length
    ? await db.paymentMovement.findMany({ where: { contractId: { in: contracts.map((c) => c.id) }, ...PENDING_PAYMENTS }, orderBy: { updatedAt: 'desc' } })
    : [];
  return contracts.map((c) => ({ ...c, payments: rows.filter((p) => p.contractId === c.id).slice(0, PENDING_PAYMENTS_SHOWN) }));
}

const CONTRACT_INCLUDE = {
  milestones: { orderBy: { position: 'asc' } },
  changeRequests: { where: { state: 'pending' }, orderBy: { createdAt: 'asc' } },
} as const;

export async function loadContract(db: Db, id: string, userId: string) {
  const c = await db.contract.findFirst({ where: { id, OR: [{ clientId: userId }, { freelancerId: userId }] }, include: CONTRACT_INCLUDE });
  return c ? (await withPendingPayments(db, [c]))[0]! : null;
}

/** R28: an operator reads any contract (never as a party); the same view. */
export async function loadContractForOperator(db: Db, id: string) {
  const c = await db.contract.findUnique({ where: { id }, include: CONTRACT_INCLUDE });
  return c ? (await withPendingPayments(db, [c]))[0]! : null;
}

type RequestRow = ContractRow['changeRequests'][number];
type MilestoneRow = ContractRow['milestones'][number];

/** R17: the domain's one shortfall formula over a stored milestone (0 unless it is the funded one). */
const shortfallOfRow = (m: MilestoneRow): number => shortfallOf({ ...m, state: stored<MilestoneState>(m.state) });

/** Json columns the workflow wrote from domain values (activities/persistence.ts), read back as those types. */
const stored = <T>(value: unknown): T => value as T;

type RequestState = 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'canceled' | 'expired';

/** A pending change request or proposal; `version` is what an answer must name (R16). */
export function requestView(r: RequestRow) {
  return {
    object: r.kind === 'proposal' ? 'proposal' as const : 'change_request' as const,
    id: r.id,
    kind: r.kind === 'proposal' ? 'proposal' as const : 'change' as const,
    state: r.state as RequestState,
    version: r.version,
    milestoneId: r.milestoneId,
    requestedBy: r.requestedBy,
    changes: Array.isArray(r.changes) ? stored<FieldChange[]>(r.changes) : [],
    ops: stored<PlanOp[] | null>(r.ops),
    diff: stored<PlanDiff | null>(r.diff),
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt?.toISOString() ?? null,
  };
}

/** Who the parties are and whether the contract is open: one row, no milestones. */
export function loadParties(db: Db, id: string, userId: string) {
  return db.contract.findFirst({
    where: { id, OR: [{ clientId: userId }, { freelancerId: userId }] },
    select: { clientId: true, freelancerId: true, status: true },
  });
}

export function contractView(c: ContractRow) {
  const pending = (kind: string) => c.changeRequests.find((r) => r.kind === kind);
  const request = (kind: string) => {
    const r = pending(kind);
    return r ? requestView(r) : null;
  };
  return {
    object: 'contract' as const,
    id: c.id,
    title: c.title,
    status: c.status === 'ended' ? 'ended' as const : c.status === 'offered' ? 'offered' as const : 'open' as const,
    /** R30: the offer it started as, null on contracts from before offers. */
    offer: stored<Offer | null>(c.offer),
    clientId: c.clientId,
    freelancerId: c.freelancerId,
    initiationFeeCents: c.initiationFeeCents,
    /** R25: days the client has to review submitted work before it is released automatically. */
    reviewWindowDays: c.reviewWindowDays,
    balances: {
      depositsCents: cents(c.depositsCents),
      feesCents: cents(c.feesCents),
      releasesCents: cents(c.releasesCents),
      refundsCents: cents(c.refundsCents),
      escrowCents: cents(c.escrowCents),
      projectFundsCents: cents(c.projectFundsCents),
    },
    milestones: c.milestones.map((m) => ({
      object: 'milestone' as const,
      id: m.id,
      position: m.position,
      title: m.title,
      description: m.description,
      dueDate: m.dueDate ? m.dueDate.toISOString().slice(0, 10) : null,
      amountCents: m.amountCents,
      fundedCents: m.fundedCents,
      releasedCents: m.releasedCents,
      state: m.state as MilestoneState,
      shortfallCents: shortfallOfRow(m),
      reviewEndsAt: m.reviewEndsAt ? m.reviewEndsAt.toISOString() : null,
      revisionRounds: m.revisionRounds,
      refundedCents: m.refundedCents,
      pendingRefundRequest: stored<RefundRequest | null>(m.refundRequest),
      openDispute: stored<Dispute | null>(m.dispute),
    })),
    /** R28: open disputes, one per frozen milestone. */
    openDisputes: c.milestones.flatMap((m) => {
      const dispute = stored<Dispute | null>(m.dispute);
      return dispute ? [{ milestoneId: m.id, ...dispute }] : [];
    }),
    /** R17: the client is asked to fund this (POST /contracts/{id}/fund tops it up). */
    shortfallCents: c.milestones.reduce((sum, m) => sum + shortfallOfRow(m), 0),
    pendingChangeRequest: request('change'),
    pendingProposal: request('proposal'),
    endPrompt: c.endPrompt,
    /** R31: what the payment provider has not carried out yet. */
    pendingPayments: c.payments.map((p) => ({
      key: p.key, type: p.type as 'charge' | 'transfer' | 'refund', milestoneId: p.milestoneId, amountCents: cents(p.amountCents),
      status: p.status as 'pending' | 'declined' | 'failed', code: p.code, reason: p.reason, updatedAt: p.updatedAt.toISOString(),
    })),
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

/** My contracts, newest first, after the cursor (a contract id of mine); null when the cursor is not one. */
export async function listContracts(db: Db, me: string, limit: number, startingAfter?: string) {
  const mine = { OR: [{ clientId: me }, { freelancerId: me }] };
  const after = startingAfter ? await db.contract.findFirst({ where: { id: startingAfter, ...mine } }) : null;
  if (startingAfter && !after) return null;
  const rows = await db.contract.findMany({
    where: after
      ? { AND: [mine, { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }] }
      : mine,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit + 1,
    include: { milestones: { orderBy: { position: 'asc' } }, changeRequests: { where: { state: 'pending' } } },
  });
  return withPendingPayments(db, rows);
}

export const listHistory = (db: Db, contractId: string, afterSeq: number, limit: number) =>
  db.auditEvent.findMany({ where: { contractId, seq: { gt: afterSeq } }, orderBy: { seq: 'asc' }, take: limit + 1 });

type Snapshot = Record<string, unknown>;
const snapshot = (v: unknown): Snapshot | null => (v && typeof v === 'object' && !Array.isArray(v) ? { ...v } : null);

export function historyEntryView(e: Awaited<ReturnType<typeof listHistory>>[number]) {
  return {
    object: 'event' as const, seq: e.seq, command: e.command, actorId: e.actorId, actor: e.via ? `${e.via} for ${e.actorId}` : e.actorId, at: e.at.toISOString(),
    before: snapshot(e.before), after: snapshot(e.after) ?? {}, workflowId: e.workflowId, runId: e.runId,
  };
}

export const listMessages = (db: Db, recipientId: string, limit: number, opts: { before?: bigint; unread?: boolean }) =>
  db.inAppMessage.findMany({
    where: { recipientId, ...(opts.before ? { id: { lt: opts.before } } : {}), ...(opts.unread ? { readAt: null } : {}) },
    orderBy: { id: 'desc' },
    take: limit + 1,
  });

/** Marks my message as read (reading twice changes nothing); null when it is not mine. */
export async function markMessageRead(db: Db, recipientId: string, id: bigint) {
  await db.inAppMessage.updateMany({ where: { id, recipientId, readAt: null }, data: { readAt: new Date() } });
  return db.inAppMessage.findFirst({ where: { id, recipientId } });
}

export function messageView(m: Awaited<ReturnType<typeof listMessages>>[number]) {
  return {
    object: 'message' as const,
    id: String(m.id),
    contractId: m.contractId,
    notificationId: m.notificationId,
    subject: m.subject,
    body: m.body,
    readAt: m.readAt?.toISOString() ?? null,
    createdAt: m.createdAt.toISOString(),
  };
}

/** R14: the client's flag row, or the marketplace's default without one. */
export async function changeRequestsEnabled(db: Db, clientId: string, flag: string, byDefault: boolean): Promise<boolean> {
  const row = await db.featureFlag.findUnique({ where: { userId_name: { userId: clientId, name: flag } } });
  return row?.enabled ?? byDefault;
}

/**
 * The contract's state as the domain sees it, from the read model: the last accepted transition's
 * contract (its audit row holds the whole summary, counters included) and the milestones table. What
 * read-only commands ("Show changes", R11) decide on, without a workflow round trip.
 */
export async function loadContractState(db: Db, id: string): Promise<ContractState | null> {
  const [last, milestones] = await Promise.all([
    db.auditEvent.findFirst({ where: { contractId: id }, orderBy: { seq: 'desc' }, select: { after: true } }),
    db.milestone.findMany({ where: { contractId: id }, orderBy: { position: 'asc' } }),
  ]);
  const summary = stored<ContractSummary | null>(snapshot(last?.after)?.contract ?? null);
  if (!summary) return null;
  const { milestoneCount: _count, ...state } = summary;
  return { ...state, milestones: milestones.map(toMilestone) };
}

const toMilestone = (m: MilestoneRow): Milestone => ({
  id: m.id, title: m.title, description: m.description, dueDate: m.dueDate ? m.dueDate.toISOString().slice(0, 10) : null,
  amountCents: m.amountCents, fundedCents: m.fundedCents, releasedCents: m.releasedCents, state: m.state as MilestoneState,
  reviewEndsAt: m.reviewEndsAt ? m.reviewEndsAt.toISOString() : null, revisionRounds: m.revisionRounds, refundedCents: m.refundedCents,
  refundRequest: stored<RefundRequest | null>(m.refundRequest), dispute: stored<Dispute | null>(m.dispute),
});
