// "Last used" for tokens and platform keys without a write per request: each process writes a credential's
// time at most once a minute, and the write itself is conditional (a row written by another process in the
// last minute is left alone), so a busy key costs one UPDATE a minute per API process, never one per call.
import type { Db } from '../db/client.js';

/** How stale a listed `lastUsedAt` may be. */
export const LAST_USE_RESOLUTION_MS = 60_000;
/** Bounds the memory of the throttle: past this many credentials, the oldest is forgotten (one extra write). */
const REMEMBERED = 10_000;

export class LastUse {
  private readonly written = new Map<string, number>();
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  touch(kind: 'token' | 'platformKey', id: string): void {
    const key = `${kind}:${id}`;
    const at = this.now();
    const last = this.written.get(key);
    if (last !== undefined && at - last < LAST_USE_RESOLUTION_MS) return;
    this.written.delete(key);
    this.written.set(key, at);
    if (this.written.size > REMEMBERED) this.written.delete(this.written.keys().next().value!);
    const when = new Date(at);
    const where = { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(at - LAST_USE_RESOLUTION_MS) } }] };
    const write = kind === 'token'
      ? this.db.apiToken.updateMany({ where, data: { lastUsedAt: when } })
      : this.db.platformKey.updateMany({ where, data: { lastUsedAt: when } });
    // Off the request's path: a failed write only leaves the time a minute older; the next use retries it.
    write.catch(() => this.written.delete(key));
  }
}
