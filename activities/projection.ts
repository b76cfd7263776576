// projectTransitions: the contract workflow's projection, written behind its answers. One activity writes
// every record that accumulated since the last one, in seq order, in ONE PostgreSQL transaction: read
// model, ledger, audit trail, the notices' outbox rows and the webhook events. Idempotent by the contract
// row's seq: a retried batch skips what an earlier attempt stored, and never skips a seq itself. After the
// commit, the outbox is sent from this process (the notice pump, webhook delivery workflows), not from the
// contract's history.
import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/client.js';
import type { WebhookDispatcher } from '../webhooks/outbox.js';
import type { NoticePump } from './notice-pump.js';
import { SequenceGap, activityIds, asActivityFailure, writeRecord } from './persistence.js';
import type { ProjectionResult, TransitionRecord } from './types.js';

/**
 * One transaction writes a whole burst (the workflow bounds a batch at 50 records and 512 KB, so a few
 * 200-milestone records at most, ~0.1 s each); the activity's own timeout (workflows/activity-options.ts) is longer.
 */
const TRANSACTION_TIMEOUT_MS = 8_000;

export function createProjection(db: Db, deps: { webhooks?: WebhookDispatcher | undefined; notices?: NoticePump | undefined } = {}) {
  return {
    async projectTransitions(records: TransitionRecord[]): Promise<ProjectionResult> {
      const first = records[0];
      if (!first) return { projectedSeq: 0, written: 0, skipped: 0 };
      records.forEach((r, i) => {
        if (r.contractId !== first.contractId || (i > 0 && r.seq !== records[i - 1]!.seq + 1)) {
          throw ApplicationFailure.nonRetryable(`a projection batch must be one contract's consecutive seqs; #${i} is ${r.contractId}#${r.seq}`,
            'PERSISTENCE_FAILED');
        }
      });
      const info = activityIds();
      const queued = new Map<number, number>(); // seq → webhook deliveries written by this attempt
      let stored = 0;
      let writing: TransitionRecord = first;
      try {
        await db.$transaction(async (tx) => {
          queued.clear();
          const current = await tx.$queryRaw<{ seq: number }[]>`SELECT seq FROM contracts WHERE id = ${first.contractId} FOR UPDATE`;
          stored = current[0]?.seq ?? 0;
          for (const r of records) {
            if (r.seq <= stored) continue; // an earlier attempt (or batch) stored it
            writing = r;
            if (r.seq !== stored + 1) throw new SequenceGap(r.contractId, stored, r.seq);
            queued.set(r.seq, await writeRecord(tx, r, info));
            stored = r.seq;
          }
        }, { timeout: TRANSACTION_TIMEOUT_MS });
      } catch (err) {
        throw asActivityFailure(err, writing);
      }
      // After the commit. Records a retry found stored are dispatched again: the earlier attempt may have
      // died between its commit and its starts (both are idempotent by event id and notice key).
      for (const r of records) if (queued.get(r.seq) !== 0) await deps.webhooks?.dispatch(r.contractId, r.seq);
      deps.notices?.send(records.flatMap((r) => r.notices));
      return { projectedSeq: stored, written: queued.size, skipped: records.length - queued.size };
    },
  };
}
