// findStaleNotices: the outbox rows the sweep re-drives (still `pending` after the grace period) and the
// ones it gives up on (older than the horizon: marked failed, keeping the last error). Times are the
// database's own clock, the one that wrote created_at.
import type { Notice } from '../domain/events.js';
import type { Db } from '../db/client.js';
import type { NoticeSweepActivities } from './types.js';

export function createNoticeSweep(db: Db): NoticeSweepActivities {
  return {
    async findStaleNotices({ graceMs, horizonMs, limit }) {
      const horizon = `${Math.round(horizonMs / 1000)} seconds`;
      const grace = `${Math.round(graceMs / 1000)} seconds`;
      const hours = Math.round(horizonMs / 3_600_000);
      const why = `gave up after ${hours} h (past this, Resend's 24-hour idempotency window could no longer prevent a second email); last error: `;
      const gaveUp = await db.$executeRaw`
        UPDATE notifications SET email_state = 'failed', last_error = ${why} || coalesce(last_error, 'none')
        WHERE email_state = 'pending' AND created_at < now() - ${horizon}::interval`;
      const rows = await db.$queryRaw<{ payload: Notice }[]>`
        SELECT payload FROM notifications
        WHERE email_state = 'pending' AND created_at < now() - ${grace}::interval AND created_at >= now() - ${horizon}::interval
        ORDER BY created_at LIMIT ${limit}`;
      return { notices: rows.map((r) => r.payload), gaveUp };
    },
  };
}
