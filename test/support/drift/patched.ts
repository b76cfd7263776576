// The same change guarded with patched(): histories recorded before it keep their timer, new runs
// schedule the activity. The release gate passes it.
import { patched, proxyActivities, sleep } from '@temporalio/workflow';

const { notify } = proxyActivities<{ notify(): Promise<void> }>({ startToCloseTimeout: '1 minute' });

export async function driftWorkflow(): Promise<string> {
  if (patched('notify-instead-of-timer')) await notify();
  else await sleep('1 ms');
  return 'done';
}
