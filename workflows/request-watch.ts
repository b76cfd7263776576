// Requests that an earlier run of the contract started: this run holds no handle on their workflows'
// results, so it asks whether each is still open, at once and then every WATCH_EVERY, until the request is
// no longer pending. A workflow closed without reporting (terminated, failed, timed out, removed) leaves
// its request to be resolved as canceled, as a child of this run would be. Workflow code: deterministic.
import { condition, log, proxyActivities } from '@temporalio/workflow';
import type { ContractActivities } from '../activities/types.js';
import { requestWatchOptions } from './activity-options.js';

const { describeRequest } = proxyActivities<ContractActivities>(requestWatchOptions);

/**
 * How often an open request's workflow is asked about: a terminated request blocks its contract (R21 for a
 * proposal) for at most this long, and a proposal pending for weeks costs a few history events an hour.
 * An operator settles one at once with the resolveRequest route.
 */
export const WATCH_EVERY_MS = 60 * 60_000;

export interface WatchHooks {
  isPending(requestId: string): boolean;
  /** Resolves the request as canceled (under the contract's lock; a request already resolved is left alone). */
  closedWithoutReport(requestId: string, status: string): Promise<void>;
}

/** Runs until the request is no longer pending, or this run continues-as-new (the next run watches again). */
export async function watchEarlierRequest(requestId: string, hooks: WatchHooks, everyMs = WATCH_EVERY_MS): Promise<void> {
  // Bounded by the request's life: each pass is one describe and one timer, and a pass ends the loop once
  // the request is resolved, however it was.
  while (hooks.isPending(requestId)) {
    try {
      const { open, status } = await describeRequest.executeWithOptions(
        { ...requestWatchOptions, summary: `Is the workflow of ${requestId} still open?` }, [requestId]);
      if (!open) {
        await hooks.closedWithoutReport(requestId, status);
        return;
      }
    } catch (err) {
      log.warn('request workflow not described; asking again later', { requestId, err: String(err) });
    }
    await condition(() => !hooks.isPending(requestId), everyMs, { summary: `watch ${requestId} again` });
  }
}
