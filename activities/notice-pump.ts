// The notice pump: sends the notices a projection just committed to the outbox, from the worker's own
// process, so the contract's history holds no activity per notice. Each send is deliverNotice's body
// (idempotent by the notice's key: one in-app row, one email with Resend's Idempotency-Key), tried a few
// times here; whatever is still pending after that, or lost with a process that died, stays `pending` in
// the outbox, where every worker's re-drive (below) takes it again within minutes, and the notice sweep
// Schedule after two hours (workflows/notice-sweep.ts).
import type { Db } from '../db/client.js';
import type { Notice } from '../domain/events.js';
import { NOTICE_POLICY } from '../domain/notice-policy.js';

export interface NoticePump {
  /** Queues the notices for sending and returns at once. */
  send(notices: Notice[]): void;
  /** Sends queued or in flight (tests and shutdown wait for zero, bounded). */
  readonly pending: number;
}

export const PUMP_POLICY = {
  /** Emails in flight at once: a burst of notices never holds more sockets than this. */
  concurrency: 16,
  /** Tries per notice here (1 s, 2 s, 4 s apart); the sweep takes over after its grace period. */
  tries: 4,
  firstRetryMs: 1_000,
  /** Queued notices beyond this are left to the sweep (logged): a provider outage never grows memory without bound. */
  maxQueued: 10_000,
} as const;

type Deliver = (notice: Notice) => Promise<void>;
type Logger = (level: 'warn' | 'error', msg: string, meta: Record<string, unknown>) => void;

const consoleLog: Logger = (level, msg, meta) => console.error(JSON.stringify({ level, msg, ...meta }));

export function createNoticePump(deliver: Deliver, opts: { policy?: Partial<Record<keyof typeof PUMP_POLICY, number>>; log?: Logger } = {}): NoticePump {
  const policy = { ...PUMP_POLICY, ...opts.policy };
  const log = opts.log ?? consoleLog;
  const queue: Notice[] = [];
  /** Keys queued or being sent: a re-drive never queues a notice this process is already sending. */
  const busy = new Set<string>();
  let running = 0;

  const finalRefusal = (err: unknown) => (err as { type?: string } | null)?.type === 'EMAIL_REJECTED' || (err as { nonRetryable?: boolean } | null)?.nonRetryable === true;

  async function sendOne(n: Notice): Promise<void> {
    let wait: number = policy.firstRetryMs;
    for (let attempt = 1; attempt <= policy.tries; attempt++, wait *= 2) {
      try {
        return await deliver(n);
      } catch (err) {
        if (finalRefusal(err)) return; // recorded as failed by deliverNotice itself
        if (attempt === policy.tries) {
          log('warn', 'notice left pending for the sweep', { key: n.key, tries: policy.tries, err: String(err) });
          return;
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  function next(): void {
    while (running < policy.concurrency && queue.length) {
      const n = queue.shift()!;
      running += 1;
      void sendOne(n).finally(() => {
        running -= 1;
        busy.delete(n.key);
        next();
      });
    }
  }

  return {
    send(notices) {
      for (const n of notices) {
        if (busy.has(n.key)) continue;
        if (queue.length >= policy.maxQueued) {
          log('warn', 'notice pump full: left pending for the sweep', { key: n.key, queued: queue.length });
          continue;
        }
        queue.push(n);
        busy.add(n.key);
      }
      next();
    },
    get pending() {
      return queue.length + running;
    },
  };
}

export const REDRIVE_POLICY = {
  /** How often each worker looks for notices left pending. */
  everyMs: 30_000,
  /** Older than this, a pending notice is no longer being sent by the pump that queued it (its tries take seconds). */
  graceMs: 90_000,
  /** Younger than this: older ones are the notice sweep Schedule's, with its own bounds (domain/notice-policy.ts). */
  horizonMs: NOTICE_POLICY.sweepGraceMs,
  /** Notices per look: a backlog drains over several looks, never all at once. */
  limit: 100,
} as const;

/**
 * Every REDRIVE_POLICY.everyMs, queues the notices left `pending` between the grace and the horizon (a
 * process killed mid-send, a provider outage longer than the pump's tries). Returns a stop function.
 */
export function redrivePendingNotices(
  db: Db, pump: NoticePump, opts: { policy?: Partial<Record<keyof typeof REDRIVE_POLICY, number>>; log?: Logger } = {},
): () => void {
  const { everyMs, graceMs, horizonMs, limit } = { ...REDRIVE_POLICY, ...opts.policy };
  const log = opts.log ?? consoleLog;
  let looking = false;
  const timer = setInterval(() => {
    if (looking) return;
    looking = true;
    const grace = `${Math.round(graceMs / 1000)} seconds`;
    const horizon = `${Math.round(horizonMs / 1000)} seconds`;
    db.$queryRaw<{ payload: Notice }[]>`
      SELECT payload FROM notifications
      WHERE email_state = 'pending' AND created_at < now() - ${grace}::interval AND created_at >= now() - ${horizon}::interval
      ORDER BY created_at LIMIT ${limit}`
      .then((rows) => pump.send(rows.map((r) => r.payload)))
      .catch((err: unknown) => log('warn', 'notice re-drive skipped a look', { err: String(err) }))
      .finally(() => (looking = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
