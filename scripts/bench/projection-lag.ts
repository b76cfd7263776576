// Projection lag: how long after a command's answer the read model holds the answer's `seq` (the
// contracts row's seq column), with `concurrency` contracts driven through the API. Meaningful once
// answers carry the contract's seq (the projection is written behind the answer); before that the read
// model is written before the answer and the bench reports the figure as not applicable.
import { sleep } from './bounded.js';
import { lifecycleLoad, type Window } from './load.js';
import { apiPath, type Answered } from './paths.js';
import type { BenchStack } from './stack.js';
import { percentile, round } from './stats.js';

/** A sample that has not caught up within this counts as a timeout (and is reported), not as a wait forever. */
const CATCH_UP_TIMEOUT_MS = 10_000;
const POLL_MS = 2;

export interface LagMeasured {
  p50: number;
  p99: number;
  max: number;
  n: number;
  /** Samples whose seq the read model did not reach within CATCH_UP_TIMEOUT_MS. */
  timeouts: number;
}

export async function projectionLag(stack: BenchStack, concurrency: number, milestones: number, w: Window, sampleEvery: number): Promise<LagMeasured> {
  const lags: number[] = [];
  const polls: Promise<void>[] = [];
  let timeouts = 0;
  let answers = 0;
  const measuredFrom = performance.now() + w.warmUpS * 1000;
  const watch = async (a: Answered) => {
    const until = a.at + CATCH_UP_TIMEOUT_MS;
    while (performance.now() < until) {
      const rows = await stack.db.$queryRaw<{ seq: number }[]>`SELECT seq FROM contracts WHERE id = ${a.contractId}`;
      if ((rows[0]?.seq ?? -1) >= a.seq!) {
        lags.push(performance.now() - a.at);
        return;
      }
      await sleep(POLL_MS);
    }
    timeouts++;
  };
  const path = apiPath(stack, (a) => {
    if (a.seq === null || a.at < measuredFrom || answers++ % sampleEvery !== 0) return;
    polls.push(watch(a));
  });
  await lifecycleLoad(stack, path, concurrency, milestones, w);
  await Promise.all(polls);
  return { p50: round(percentile(lags, 50), 1), p99: round(percentile(lags, 99), 1), max: round(Math.max(0, ...lags), 1), n: lags.length, timeouts };
}
