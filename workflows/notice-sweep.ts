// The notice sweep, run every 15 minutes by a Temporal Schedule: notices still `pending` after
// their contract's own two hours of delivery are re-driven on the notices queue, each for at most an hour;
// those older than 20 hours are marked failed instead, so no attempt ever ends past 21 hours (Resend keeps
// an Idempotency-Key 24 hours: a resend inside that window never sends twice). Ends after one pass.
import { ActivityFailure, ApplicationFailure, proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { ContractActivities, NoticeSweepActivities } from '../activities/types.js';
import { noticeTaskQueue } from '../domain/names.js';
import { NOTICE_POLICY } from '../domain/notice-policy.js';
import { redeliveryOptions, sweepQueryOptions } from './activity-options.js';

export interface NoticeSweepResult {
  /** Notices re-driven by this pass, and how many of those were delivered (sent, skipped or refused for good). */
  redriven: number;
  settled: number;
  /** Re-drives whose hour of retries ran out: the next pass (15 minutes on) takes them again, until 20 h. */
  stillPending: string[];
  /** Notices past the 20-hour horizon, marked failed by this pass. */
  gaveUp: number;
}

export async function noticeSweepWorkflow(): Promise<NoticeSweepResult> {
  const taskQueue = noticeTaskQueue(workflowInfo().taskQueue);
  const { findStaleNotices } = proxyActivities<NoticeSweepActivities>({ ...sweepQueryOptions, taskQueue });
  const { deliverNotice } = proxyActivities<ContractActivities>({ ...redeliveryOptions, taskQueue });

  const { notices, gaveUp } = await findStaleNotices.executeWithOptions(
    { ...sweepQueryOptions, taskQueue, summary: 'Find notices left pending past two hours' },
    [{ graceMs: NOTICE_POLICY.sweepGraceMs, horizonMs: NOTICE_POLICY.redriveHorizonMs, limit: NOTICE_POLICY.sweepBatch }],
  );
  const results = await Promise.allSettled(notices.map((n) =>
    deliverNotice.executeWithOptions({ ...redeliveryOptions, taskQueue, summary: `Re-drive notice ${n.key}` }, [n])));
  // A final refusal (4xx, a reused key) is recorded as failed by the activity itself: settled, not pending.
  const stillPending = notices.filter((_, i) => {
    const r = results[i]!;
    return r.status === 'rejected' && !refusedForGood(r.reason);
  }).map((n) => n.key);
  const result = { redriven: notices.length, settled: notices.length - stillPending.length, stillPending, gaveUp };
  setCurrentDetails(`Re-drove **${result.redriven}** notice(s): ${result.settled} settled, ${stillPending.length} still pending; ` +
    `${gaveUp} past 20 h marked failed.`);
  return result;
}

const refusedForGood = (err: unknown): boolean =>
  err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'EMAIL_REJECTED';
