// Where a contract's notices are delivered: on the notices task queue beside the contract's,
// so an email outage never holds persistence's activity slots, with retries bounded at two hours.
import { type ActivityOptions, workflowInfo } from '@temporalio/workflow';
import { noticeTaskQueue } from '../domain/names.js';
import { deliveryOptions } from './activity-options.js';

/** The options of the next delivery. */
export function deliveryFor(): ActivityOptions {
  return { ...deliveryOptions, taskQueue: noticeTaskQueue(workflowInfo().taskQueue) };
}
