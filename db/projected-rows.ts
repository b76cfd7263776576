// The read model's rows as the projection stores them from the workflow's values (activities/persistence.ts),
// built in memory: a command's answer (api/command-answer.ts) is the view of the rows its transition is
// about to store, so it need not wait for the write. Texts are in place of their references here.
import { Buffer } from 'node:buffer';
import type { ContractSummary, PendingRequest } from '../domain/contract.js';
import type { Milestone } from '../domain/milestone.js';
import { DEFAULT_REVIEW_WINDOW_DAYS } from '../domain/review.js';
import type { ContractRow } from './read-model.js';

type MilestoneRow = ContractRow['milestones'][number];
type RequestRow = ContractRow['changeRequests'][number];

/** The contract row's columns the projection writes from a summary (besides its id and timestamps). */
export function contractColumns(s: ContractSummary) {
  const b = s.balances;
  return {
    clientId: s.clientId, freelancerId: s.freelancerId, title: s.title, status: s.status, seq: s.seq,
    initiationFeeCents: s.initiationFeeCents, feeCharged: s.feeCharged, endPrompt: s.endPrompt,
    reviewWindowDays: s.reviewWindowDays ?? DEFAULT_REVIEW_WINDOW_DAYS,
    depositsCents: BigInt(b.depositsCents), feesCents: BigInt(b.feesCents), releasesCents: BigInt(b.releasesCents),
    refundsCents: BigInt(b.refundsCents), escrowCents: BigInt(b.escrowCents), projectFundsCents: BigInt(b.projectFundsCents),
  };
}

/** The stored contract row of a summary adopted at `at` (the projection stamps `updatedAt` with the transition's time). */
export const contractRow = (s: ContractSummary, at: string): Omit<ContractRow, 'milestones' | 'changeRequests' | 'payments'> =>
  ({ id: s.id, ...contractColumns(s), offer: s.offer ? asJsonb(s.offer) : null, createdAt: new Date(s.createdAt), updatedAt: new Date(at) });

/** A milestone's row at a 1-based position (activities/persistence.ts, writeMilestones). */
export const milestoneRow = (contractId: string, m: Milestone, position: number, at: string): MilestoneRow => ({
  contractId, id: m.id, position, title: m.title, description: m.description,
  dueDate: m.dueDate ? new Date(`${m.dueDate}T00:00:00.000Z`) : null,
  amountCents: m.amountCents, fundedCents: m.fundedCents, releasedCents: m.releasedCents, state: m.state,
  reviewEndsAt: m.reviewEndsAt ? new Date(m.reviewEndsAt) : null, revisionRounds: m.revisionRounds ?? 0, refundedCents: m.refundedCents ?? 0,
  refundRequest: m.refundRequest ? asJsonb(m.refundRequest) : null, dispute: m.dispute ? asJsonb(m.dispute) : null,
  updatedAt: new Date(at),
});

/** A pending request's row (activities/persistence.ts, writeRequest): created with its content, edits change `changes` and the version. */
export const requestRow = (contractId: string, r: PendingRequest): RequestRow => ({
  id: r.id, contractId, kind: r.kind, milestoneId: r.milestoneId, requestedBy: r.requestedBy, state: 'pending',
  changes: asJsonb(r.changes), ops: r.ops ? asJsonb(r.ops) : null, diff: r.diff ? asJsonb(r.diff) : null,
  createdAt: new Date(r.createdAt), expiresAt: r.expiresAt ? new Date(r.expiresAt) : null, resolvedAt: null, version: r.edits, decidedBy: null,
});

type Json = NonNullable<MilestoneRow['dispute']>;

/**
 * A JSON value as PostgreSQL's jsonb gives it back: object keys shorter first, then byte by byte; undefined
 * members dropped (and undefined array items null, as JSON.stringify writes them). Numbers and strings as
 * they are: the workflow's values are integers and text. Keys that look like array indexes would be
 * reordered by JavaScript itself; the workflow's values have none.
 */
export function asJsonb(value: unknown): Json {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : asJsonb(v)));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => Buffer.byteLength(a) - Buffer.byteLength(b) || Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return Object.fromEntries(entries.map(([k, v]) => [k, asJsonb(v)]));
  }
  return value as Json;
}
