// A decision (approve, reject, withdraw, accept, decline) is taken by the request's own workflow; the
// contract's Update fails with DECISION_PENDING when the outcome has not arrived in time.
// Temporal then keeps that failure as the answer to the update id, so a retry with the same key reads
// the real outcome where it is recorded, in PostgreSQL, and answers with it once the contract's workflow
// has adopted it too; never a success not seen, nor one the next command would contradict.
import { type WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/client.js';
import type { RequestOutcome } from '../domain/change-request.js';
import type { CommandType } from '../domain/commands.js';
import { isRequestPending } from '../domain/contract.js';
import { contractStateQuery } from '../workflows/messages.js';
import type { Deadline } from './deadline.js';
import { HttpProblem } from './problem.js';

/** The outcome each decision asks for. */
export const EXPECTED_OUTCOME: Partial<Record<CommandType, RequestOutcome>> = {
  approveChangeRequest: 'approved',
  rejectChangeRequest: 'rejected',
  withdrawChangeRequest: 'withdrawn',
  acceptProposal: 'approved',
  declineProposal: 'rejected',
  withdrawProposal: 'withdrawn',
};

/** The Update's failure type, if the contract refused it. */
const failureType = (err: unknown): string | undefined =>
  err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure ? err.cause.type ?? undefined : undefined;

const NOT_PENDING = new Set(['NO_PENDING_CHANGE_REQUEST', 'NO_PENDING_PROPOSAL']);

/** R19: the answer to a decision on a request that ended before it came, e.g. one that expired. */
function alreadyResolved(row: { state: string; expiresAt: Date | null; resolvedAt: Date | null }): HttpProblem {
  const detail = row.state === 'expired'
    ? `the request expired at ${(row.expiresAt ?? row.resolvedAt)?.toISOString() ?? 'its deadline'} (seven days without an answer) `
      + 'before this decision reached it; nothing was applied'
    : `the request was ${row.state} before this decision reached it`;
  return new HttpProblem(409, 'REQUEST_ALREADY_RESOLVED', row.state === 'expired' ? 'Request expired' : 'Request already resolved', detail,
    row.state === 'expired' ? 'R19' : 'R18');
}

/** The request a DECISION_PENDING failure waits for, or undefined for any other error. */
function pendingRequestOf(err: unknown): string | undefined {
  if (!(err instanceof WorkflowUpdateFailedError) || !(err.cause instanceof ApplicationFailure)) return undefined;
  if (err.cause.type !== 'DECISION_PENDING') return undefined;
  return (err.cause.details?.[0] as { requestId?: string } | undefined)?.requestId;
}

/**
 * Turns a DECISION_PENDING failure into the real answer once the outcome is recorded: nothing (the
 * command succeeded as asked), a 409 when the request ended otherwise, or the failure itself (503).
 */
export async function settleDecision(
  db: Db, contract: WorkflowHandle, deadline: Deadline, type: CommandType, err: unknown, asked?: { contractId: string; requestId?: string },
): Promise<void> {
  if (asked?.requestId && EXPECTED_OUTCOME[type] && NOT_PENDING.has(failureType(err) ?? '')) {
    // The contract no longer holds the request. One it has settled is named with its outcome (an expired
    // one as expired, R19); an id it never had stays NO_PENDING_… .
    const row = await db.changeRequest.findFirst({
      where: { id: asked.requestId, contractId: asked.contractId }, select: { state: true, expiresAt: true, resolvedAt: true },
    });
    if (row && row.state !== 'pending') throw alreadyResolved(row);
    throw err;
  }
  const requestId = pendingRequestOf(err);
  const expected = EXPECTED_OUTCOME[type];
  if (!requestId || !expected) throw err;
  const row = await db.changeRequest.findUnique({ where: { id: requestId }, select: { state: true, expiresAt: true, resolvedAt: true } });
  if (!row || row.state === 'pending') throw err;
  // The outcome is committed before the workflow adopts it (a workflow task later; longer if its worker
  // died). Until then the contract still refuses what the decision allows (PROPOSAL_PENDING, a shortfall
  // not yet there), so the answer waits for it: found by the fault suite.
  // A query its worker cannot answer in time leaves it unknown: the same 503, retried later.
  const state = await deadline(() => contract.query(contractStateQuery)).catch(() => { throw err; });
  if (isRequestPending(state, requestId)) throw err;
  if (row.state !== expected) throw alreadyResolved(row);
}
