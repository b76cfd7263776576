// Commands spaced as people act: several lanes (a contract at a time through the API, one through the
// Temporal client, a floor workflow) take turns, one command at a time across all of them, so a command
// never queues behind another; a lane's next command starts at least `gapMs` after its previous one ended
// (the scheduler waits when the rotation comes round sooner). What one contract sees is a person's pace;
// what the servers see is commands interleaved across contracts.
import { sleep } from './bounded.js';

/** One command: what it is (for the samples) and the call, timed by the scheduler. */
export type Step = readonly [label: string, run: () => Promise<unknown>];
/** A lane yields its commands one by one; untimed preparation runs between yields. */
export type Lane = AsyncGenerator<Step, void, void>;

export async function runSpaced(
  lanes: { lane: Lane; endless?: boolean }[], gapMs: number, record: (label: string, ms: number) => void,
  onStep: () => void = () => {},
): Promise<void> {
  const active = lanes.map((l) => ({ ...l, lastEnd: 0 }));
  try {
    // Ends when every finite lane has ended; endless ones (the floor) are closed then.
    for (let i = 0; active.some((l) => !l.endless); i++) {
      const l = active[i % active.length]!;
      const next = await l.lane.next();
      if (next.done) {
        active.splice(active.indexOf(l), 1);
        continue;
      }
      const wait = l.lastEnd + gapMs - performance.now();
      if (wait > 0) await sleep(wait);
      const [label, run] = next.value;
      const t = performance.now();
      await run();
      l.lastEnd = performance.now();
      record(label, l.lastEnd - t);
      onStep();
    }
  } finally {
    await Promise.all(active.map((l) => l.lane.return()));
  }
}
