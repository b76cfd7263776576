// The release gate's test workflow as deployed: one timer. (after.ts and patched.ts are its next versions.)
import { sleep } from '@temporalio/workflow';

export async function driftWorkflow(): Promise<string> {
  await sleep('1 ms');
  return 'done';
}
