// The answer sweep, run every hour by a Temporal Schedule: the stored answers of Idempotency-Keys past
// their 24 hours are deleted in bounded batches (the keys stay, refused for good). Ends after one pass of
// at most ANSWER_POLICY.maxBatches statements; what is left waits for the next run.
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { AnswerSweepActivities } from '../activities/types.js';
import { ANSWER_POLICY } from '../domain/answer-policy.js';
import { sweepQueryOptions } from './activity-options.js';

export interface AnswerSweepResult {
  /** Answers deleted by this pass. */
  deleted: number;
  /** The last batch was full: more expired answers may be left for the next run. */
  more: boolean;
}

export async function answerSweepWorkflow(): Promise<AnswerSweepResult> {
  const { deleteExpiredAnswers } = proxyActivities<AnswerSweepActivities>(sweepQueryOptions);
  let deleted = 0;
  let last = 0;
  for (let batch = 1; batch <= ANSWER_POLICY.maxBatches; batch++) {
    last = await deleteExpiredAnswers.executeWithOptions(
      { ...sweepQueryOptions, summary: `Delete stored answers older than 24 hours (batch ${batch})` },
      [{ olderThanMs: ANSWER_POLICY.ttlMs, limit: ANSWER_POLICY.batch }],
    );
    deleted += last;
    if (last < ANSWER_POLICY.batch) break;
  }
  const result = { deleted, more: last === ANSWER_POLICY.batch };
  setCurrentDetails(`Deleted **${deleted}** stored answer(s) past 24 hours${result.more ? '; more are left for the next run' : ''}.`);
  return result;
}
