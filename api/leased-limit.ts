// The per-token limit shared across API processes without a write per request: each process takes the
// points it needs from PostgreSQL (the rate_limits table) in leases of `batch` points per key and spends
// them from memory. The shared count never passes the limit, so a token gets at most `points` requests per
// window across every process; a process holding unspent points can make another refuse early, by at most
// (processes − 1) × (batch − 1) requests per window (docs/decisions/rate-limit-leases.md). A key whose
// window is spent is refused from memory until the window ends. If PostgreSQL fails, the limit holds per
// process (the insurance limiter) rather than letting everything through.
import type { Pool } from 'pg';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/** How many points a lease takes: a twentieth of the limit, 1 to 100 (small limits stay exact). */
export const leaseBatch = (points: number): number => Math.max(1, Math.min(100, Math.floor(points / 20)));

/** Past this many keys, leases whose window ended are forgotten (each is a few dozen bytes). */
const MAX_KEYS = 100_000;
/** Rows whose window ended more than this ago are deleted, at most once per CLEANUP_EVERY_MS, by the process that notices. */
const CLEANUP_AFTER_MS = 3_600_000;
const CLEANUP_EVERY_MS = 300_000;

interface Lease {
  left: number;
  /** When the window ends (epoch ms, the row's `expire`). */
  endsAt: number;
  /** The shared count is spent for this window: refuse from memory until endsAt. */
  spent: boolean;
}

export interface Limiter {
  /** Resolves when the key may go on; rejects with a RateLimiterRes (msBeforeNext) when it is over its limit. */
  consume(key: string): Promise<void>;
}

export interface LeasedLimiterOptions {
  prefix: string;
  points: number;
  durationS: number;
  store: Pool;
  batch?: number;
  now?: () => number;
}

// One statement per lease: start a new window if the row's has ended, else add the batch to it. The points
// may pass the limit (demand is recorded); what this lease may spend is computed from the count it returns.
const TAKE = `
  INSERT INTO rate_limits (key, points, expire) VALUES ($1, $2, $3)
  ON CONFLICT (key) DO UPDATE SET
    points = CASE WHEN rate_limits.expire IS NULL OR rate_limits.expire <= $4 THEN EXCLUDED.points ELSE rate_limits.points + EXCLUDED.points END,
    expire = CASE WHEN rate_limits.expire IS NULL OR rate_limits.expire <= $4 THEN EXCLUDED.expire ELSE rate_limits.expire END
  RETURNING points, expire`;

export function leasedLimiter(opts: LeasedLimiterOptions): Limiter {
  const { prefix, points, durationS, store } = opts;
  const batch = opts.batch ?? leaseBatch(points);
  const now = opts.now ?? Date.now;
  const insurance = new RateLimiterMemory({ keyPrefix: prefix, points, duration: durationS });
  const leases = new Map<string, Lease>();
  const taking = new Map<string, Promise<Lease>>();
  let lastCleanup = now();

  const take = async (key: string): Promise<Lease> => {
    const t = now();
    const { rows } = await store.query<{ points: number; expire: string }>(TAKE, [`${prefix}:${key}`, batch, t + durationS * 1000, t]);
    const row = rows[0]!;
    const before = row.points - batch;
    const granted = Math.max(0, Math.min(batch, points - before));
    const lease = { left: granted, endsAt: Number(row.expire), spent: before + granted >= points };
    if (leases.size >= MAX_KEYS) for (const [k, l] of leases) if (l.endsAt <= t) leases.delete(k);
    leases.set(key, lease);
    if (t - lastCleanup > CLEANUP_EVERY_MS) {
      lastCleanup = t;
      store.query('DELETE FROM rate_limits WHERE expire < $1', [t - CLEANUP_AFTER_MS]).catch(() => {});
    }
    return lease;
  };
  /** One lease request per key at a time: requests that find the lease empty together share it. */
  const renew = (key: string): Promise<Lease> => {
    let pending = taking.get(key);
    if (!pending) {
      pending = take(key).finally(() => taking.delete(key));
      taking.set(key, pending);
    }
    return pending;
  };
  const refuse = (lease: Lease) => new RateLimiterRes(0, Math.max(0, lease.endsAt - now()), points, false);

  return {
    async consume(key) {
      // A lease shared with concurrent requests may be used up before this one's turn: take another, a
      // bounded number of times (it would take ten batches' worth of simultaneous requests for one key).
      for (let attempt = 0; attempt < 10; attempt++) {
        let lease = leases.get(key);
        if (!lease || lease.endsAt <= now() || (lease.left === 0 && !lease.spent)) {
          try {
            lease = await renew(key);
          } catch {
            // PostgreSQL is unreachable: this process's own count holds the limit meanwhile.
            await insurance.consume(key);
            return;
          }
        }
        if (lease.left > 0) {
          lease.left -= 1;
          return;
        }
        if (lease.spent) throw refuse(lease);
      }
      throw refuse(leases.get(key)!);
    },
  };
}
