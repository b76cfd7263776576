// deleteExpiredAnswers: one bounded statement of the answer sweep. The row of each key stays (a key belongs
// to its first request for good); its stored answer is deleted and the key marked expired. Times are the
// database's own clock, the one that wrote created_at.
import type { Db } from '../db/client.js';
import type { AnswerSweepActivities } from './types.js';

export function createAnswerSweep(db: Db): AnswerSweepActivities {
  return {
    async deleteExpiredAnswers({ olderThanMs, limit }) {
      const age = `${Math.round(olderThanMs / 1000)} seconds`;
      // SKIP LOCKED: a key an API request is writing right now is left for the next statement.
      return db.$executeRaw`
        UPDATE idempotency_keys SET state = 'expired', response_status = NULL, response_body = NULL
        WHERE (user_id, key) IN (
          SELECT user_id, key FROM idempotency_keys
          WHERE state IN ('done', 'retry', 'in_progress') AND created_at < now() - ${age}::interval
          ORDER BY created_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;
    },
  };
}
