// Flat in size: the same commands (fund → submit → release) on the largest contract the rules allow —
// 200 milestones, the contract's title and every milestone's title and description at their limits —
// and on 3-milestone contracts, alternating lifecycle by lifecycle, each command followed by the same
// gap (people's pace, so work done behind the answer lands before the next command). Latency is each
// command's; CPU is every serving process's over the command and its gap, less what the processes spend
// idle (pollers, the dev server's housekeeping: measured just before, over IDLE_MS) for as long.
import { LIMITS } from '../../domain/fields.js';
import { sleep } from './bounded.js';
import { cpuDelta, cpuSnapshot } from './cpu.js';
import { PLANNABLE, planOps, worstCasePlanOps, type ContractPath } from './paths.js';
import type { BenchStack } from './stack.js';
import { percentile, round } from './stats.js';

/** Milestones per batch while building the large contract: 40 × ~5.3 KB stays under the API's 256 KB body. */
const BATCH = 40;
const IDLE_MS = 3_000;

export interface SizeSide { p50Ms: number; cpuPerCommandMs: number | null; commands: number }
export interface SizeScaling {
  latencyRatio: number; cpuRatio: number | null; worstCase: SizeSide; small: SizeSide; gapMs: number; path: 'api';
  /** CPU per second of every serving process with nothing to do, subtracted from the CPU figures. */
  idleCpuMsPerS: number | null;
}

export async function sizeScaling(stack: BenchStack, api: ContractPath, lifecycles: number, gapMs: number, withCpu: boolean): Promise<SizeScaling> {
  const large = await api.create(`Largest contract: ${'x'.repeat(LIMITS.contractTitle)}`.slice(0, LIMITS.contractTitle));
  // With the offer's milestone, 200 (R2).
  for (let from = 1; from <= PLANNABLE; from += BATCH) await api.savePlan(large, worstCasePlanOps(from, Math.min(BATCH, PLANNABLE - from + 1)));
  let idlePerMs = 0;
  if (withCpu) {
    await sleep(gapMs * 4); // what the plan's batches left behind settles first
    const before = cpuSnapshot(stack.pids);
    await sleep(IDLE_MS);
    idlePerMs = cpuDelta(before, cpuSnapshot(stack.pids)).total / IDLE_MS;
  }
  const sides = { worstCase: { times: [] as number[], cpuMs: 0 }, small: { times: [] as number[], cpuMs: 0 } };
  const timed = async (side: keyof typeof sides, fn: () => Promise<void>) => {
    const before = withCpu ? cpuSnapshot(stack.pids) : undefined;
    const t = performance.now();
    await fn();
    sides[side].times.push(performance.now() - t);
    await sleep(gapMs);
    if (before) sides[side].cpuMs += cpuDelta(before, cpuSnapshot(stack.pids)).total - idlePerMs * (performance.now() - t);
  };
  const lifecycle = async (side: keyof typeof sides, id: string, m: string) => {
    await timed(side, () => api.fund(id));
    await timed(side, () => api.submit(id, m));
    await timed(side, () => api.release(id, m));
  };
  let small = '';
  for (let i = 0; i < lifecycles; i++) {
    await lifecycle('worstCase', large, `m${i + 1}`);
    if (i % 3 === 0) {
      small = await api.create(`Small contract ${i}`);
      await api.savePlan(small, planOps(3));
    }
    await lifecycle('small', small, `m${(i % 3) + 1}`);
  }
  const side = (s: { times: number[]; cpuMs: number }): SizeSide => ({
    p50Ms: round(percentile(s.times, 50), 1),
    cpuPerCommandMs: withCpu ? round(s.cpuMs / s.times.length, 2) : null,
    commands: s.times.length,
  });
  const [w, sm] = [side(sides.worstCase), side(sides.small)];
  return {
    latencyRatio: round(w.p50Ms / sm.p50Ms, 2),
    cpuRatio: w.cpuPerCommandMs !== null && sm.cpuPerCommandMs ? round(w.cpuPerCommandMs / sm.cpuPerCommandMs, 2) : null,
    worstCase: w, small: sm, gapMs, path: 'api', idleCpuMsPerS: withCpu ? round(idlePerMs * 1000, 1) : null,
  };
}
