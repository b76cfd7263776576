// Steady load at a given concurrency: contracts driven in parallel through the API (fund → submit →
// release, over and over) or floor workflows taking no-op Updates, counted in a window after a warm-up,
// with the CPU every serving process spent in that window (scripts/bench/cpu.ts).
import { randomUUID } from 'node:crypto';
import { cpuDelta, cpuSnapshot, type CpuSnapshot } from './cpu.js';
import { within } from './bounded.js';
import { noopUpdate, floorWorkflow, stopSignal } from './floor-workflows.js';
import { planOps, type ContractPath } from './paths.js';
import type { BenchStack } from './stack.js';

const SETUP_PARALLEL = 4;

export interface Window {
  warmUpS: number;
  windowS: number;
}

export interface LoadMeasured {
  /** Commands (or Updates) completed inside the window. */
  done: number;
  perSecond: number;
  /** CPU of every serving process in the window, per role and in total (null where /proc is not readable). */
  cpu: (CpuSnapshot & { total: number }) | null;
}

/** Runs `loop` on `concurrency` lanes; counts `count()` calls that land in the window. */
async function windowed(stack: BenchStack, w: Window, withCpu: boolean,
  lanes: ((inWindow: () => void, until: number) => Promise<void>)[]): Promise<LoadMeasured> {
  const from = performance.now() + w.warmUpS * 1000;
  const to = from + w.windowS * 1000;
  let done = 0;
  let before: CpuSnapshot | undefined;
  let after: CpuSnapshot | undefined;
  const timers = withCpu
    ? [setTimeout(() => (before = cpuSnapshot(stack.pids)), from - performance.now()),
      setTimeout(() => (after = cpuSnapshot(stack.pids)), to - performance.now())]
    : [];
  const inWindow = () => {
    const t = performance.now();
    if (t >= from && t <= to) done++;
  };
  try {
    await Promise.all(lanes.map((lane) => lane(inWindow, to)));
  } finally {
    timers.forEach(clearTimeout);
  }
  return { done, perSecond: done / w.windowS, cpu: before && after ? cpuDelta(before, after) : null };
}

/**
 * Lifecycles with `concurrency` contracts driven in parallel: commands (fund, submit, release) completed
 * in the window. Counting commands rather than whole lifecycles keeps the figure fine-grained when one
 * lifecycle takes seconds (concurrency 32); lifecycles per second are commands / 3.
 */
export async function lifecycleLoad(stack: BenchStack, path: ContractPath, concurrency: number, milestones: number, w: Window,
  withCpu = false): Promise<LoadMeasured & { exhausted: number }> {
  // Set up SETUP_PARALLEL contracts at a time: 32 creates and 150-milestone plans at once would only
  // measure a queue (and on a loaded machine pass the API's deadline).
  const ids: string[] = [];
  for (let i = 0; i < concurrency; i += SETUP_PARALLEL) {
    ids.push(...await Promise.all(Array.from({ length: Math.min(SETUP_PARALLEL, concurrency - i) }, async (_, j) => {
      const id = await path.create(`Lifecycles c${concurrency} #${i + j}`);
      await path.savePlan(id, planOps(milestones));
      return id;
    })));
  }
  let exhausted = 0;
  const measured = await windowed(stack, w, withCpu, ids.map((id) => async (inWindow, until) => {
    for (let i = 1; performance.now() < until; i++) {
      if (i > milestones) {
        exhausted++;
        return;
      }
      await path.fund(id);
      inWindow();
      await path.submit(id, `m${i}`);
      inWindow();
      await path.release(id, `m${i}`);
      inWindow();
    }
  }));
  return { ...measured, exhausted };
}

/** No-op Updates from `concurrency` lanes, each on its own floor workflow. */
export async function floorLoad(stack: BenchStack, concurrency: number, w: Window): Promise<LoadMeasured> {
  const handles = await Promise.all(Array.from({ length: concurrency }, () =>
    stack.temporal.workflow.start(floorWorkflow, { taskQueue: stack.floorTaskQueue, workflowId: `floor-load-${randomUUID()}` })));
  try {
    return await windowed(stack, w, true, handles.map((handle) => async (inWindow, until) => {
      for (let i = 0; performance.now() < until; i++) {
        await within(handle.executeUpdate(noopUpdate, { args: [i] }), 30_000, 'a no-op Update');
        inWindow();
      }
    }));
  } finally {
    await Promise.all(handles.map((h) => h.signal(stopSignal)));
  }
}
