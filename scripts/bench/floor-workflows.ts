// The physical floor the benchmark compares every command with: a trivial workflow whose Updates do
// nothing, await one local activity, or await one regular activity. Bundled only by scripts/bench.ts for
// its own task queue, never into the product's bundle (workflows/). It ends when signalled `stop`.
import { condition, defineSignal, defineUpdate, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { FloorActivities } from './floor-activities.js';

export const noopUpdate = defineUpdate<number, [number]>('noop');
export const localActivityUpdate = defineUpdate<number, [number]>('localActivity');
export const activityUpdate = defineUpdate<number, [number]>('activity');
export const stopSignal = defineSignal('stop');

// The same timeout as the product's persistence, so the only difference is the work itself.
const { echo: echoLocal } = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '5 seconds' });
const { echo } = proxyActivities<FloorActivities>({ startToCloseTimeout: '5 seconds' });

export async function floorWorkflow(): Promise<void> {
  let stopped = false;
  setHandler(noopUpdate, (n) => n);
  setHandler(localActivityUpdate, (n) => echoLocal(n));
  setHandler(activityUpdate, (n) => echo(n));
  setHandler(stopSignal, () => void (stopped = true));
  await condition(() => stopped);
}
