// The next version changed its commands without a patch: an activity where history has a timer. Replaying
// a history of before.ts against this code is the nondeterminism the release gate must refuse.
import { proxyActivities } from '@temporalio/workflow';

const { notify } = proxyActivities<{ notify(): Promise<void> }>({ startToCloseTimeout: '1 minute' });

export async function driftWorkflow(): Promise<string> {
  await notify();
  return 'done';
}
