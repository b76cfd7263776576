// Announced outages: the suite marks when it breaks something and when it put it back. A 5xx answered
// to a request that overlapped an outage (or the API's deadline after it) was announced; any other is
// a defect.
import { COMMAND_TIMEOUT_MS } from './profile.js';

/** After an outage ends, commands queued behind it may still time out: one deadline plus a margin. */
const GRACE_MS = COMMAND_TIMEOUT_MS + 15_000;

export class Outages {
  private readonly windows: { kind: string; from: number; to: number }[] = [];
  readonly counts: Record<string, number> = {};

  begin(kind: string): number {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    this.windows.push({ kind, from: performance.now(), to: Infinity });
    return this.windows.length - 1;
  }

  end(index: number): void {
    this.windows[index]!.to = performance.now();
  }

  /** Whether an outage of this kind was going on at `at` (performance.now()). */
  during(kind: string, at: number): boolean {
    return this.windows.some((w) => w.kind === kind && at >= w.from && at <= w.to);
  }

  /** Whether a request sent at `from` and answered at `to` overlapped an outage or its grace period. */
  announced(from: number, to: number): boolean {
    return this.windows.some((w) => from <= w.to + GRACE_MS && to >= w.from);
  }
}
