// The notice pump: sends the notices a projection just committed to the outbox, from the worker's own
// process, so the contract's history holds no activity per notice. Each send is deliverNotice's body
// (idempotent by the notice's key: one in-app row, one email with Resend's Idempotency-Key), tried a few
// times here; whatever is still pending after that, or lost with the process, stays `pending` in the
// outbox, where the notice sweep re-drives it (workflows/notice-sweep.ts).
import type { Notice } from '../domain/events.js';

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

export function createNoticePump(deliver: Deliver, opts: { policy?: Partial<typeof PUMP_POLICY>; log?: Logger } = {}): NoticePump {
  const policy = { ...PUMP_POLICY, ...opts.policy };
  const log = opts.log ?? consoleLog;
  const queue: Notice[] = [];
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
        next();
      });
    }
  }

  return {
    send(notices) {
      for (const n of notices) {
        if (queue.length >= policy.maxQueued) {
          log('warn', 'notice pump full: left pending for the sweep', { key: n.key, queued: queue.length });
          continue;
        }
        queue.push(n);
      }
      next();
    },
    get pending() {
      return queue.length + running;
    },
  };
}
