// Where a contract's notices are delivered: on the notices task queue beside the contract's,
// so an email outage never holds persistence's activity slots, with retries bounded at two hours.
import { type ActivityOptions, patched, workflowInfo } from '@temporalio/workflow';
import { noticeTaskQueue } from '../domain/names.js';
import { deliveryOptions, legacyDeliveryOptions } from './activity-options.js';

/** patched(): deliveries move to the notices queue with bounded retries. */
const NOTICES_OWN_QUEUE = 'notices-own-queue';

/** The options of the next delivery: histories recorded before the patch keep their queue and retries. */
export function deliveryFor(): ActivityOptions {
  if (!patched(NOTICES_OWN_QUEUE)) return legacyDeliveryOptions;
  return { ...deliveryOptions, taskQueue: noticeTaskQueue(workflowInfo().taskQueue) };
}
