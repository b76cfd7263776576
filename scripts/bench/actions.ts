// Temporal Cloud billable actions, counted from real event histories with Temporal Cloud's published
// rules (docs.temporal.io/cloud/actions, read 2026-11-27). Per history event:
//   workflow started (client start, continue-as-new)   WorkflowExecutionStarted            1
//   child workflow: start + its execution               StartChildWorkflowExecutionInitiated 2 (the child's
//                                                        own WorkflowExecutionStarted is then not counted again)
//   update received by the worker (incl. with-start)    WorkflowExecutionUpdateAccepted     1
//   signal sent (from a client or a workflow)           WorkflowExecutionSignaled           1 (counted where it
//                                                        lands; SignalExternalWorkflowExecutionFailed also 1)
//   activity started or retried                         ActivityTaskStarted                 its `attempt` (every try)
//   local activities of one workflow task               MarkerRecorded core_local_activity  1 per workflow task
//   timer started (incl. condition(…, timeout))         TimerStarted                        1
//   search-attribute upsert                             UpsertWorkflowSearchAttributes      1 (none if it sets only
//                                                        TemporalChangeVersion, which is exempt)
//   workflow execution options updated                  WorkflowExecutionOptionsUpdated     1
// Not counted, because no history shows them: queries (the API reads PostgreSQL, never queries), rejected
// Updates (billed, but none happen here), activity heartbeats (none here), workflow-task heartbeats of
// long local activities. Patch markers (core_patch) are not actions.
import type { Client } from '@temporalio/client';

type HistoryEvent = NonNullable<Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']>[number];

export const ACTION_RULES = [
  'workflowStarted', 'childWorkflowStarted', 'update', 'signal', 'activityAttempt', 'localActivityTask', 'timer',
  'searchAttributeUpsert', 'executionOptionsUpdated',
] as const;
export type ActionRule = (typeof ACTION_RULES)[number];
export type ActionCount = Record<ActionRule, number> & { total: number };

export const emptyCount = (): ActionCount => ({ ...Object.fromEntries(ACTION_RULES.map((r) => [r, 0])), total: 0 }) as ActionCount;

/** Adds the actions of `events` (one history, in order) to `into`. */
export function countActions(events: readonly HistoryEvent[], into: ActionCount = emptyCount()): ActionCount {
  const add = (rule: ActionRule, n = 1) => {
    into[rule] += n;
    into.total += n;
  };
  let lastTaskCompleted = -1;
  let laTaskCounted = -1;
  for (const e of events) {
    if (e.workflowTaskCompletedEventAttributes) lastTaskCompleted = Number(e.eventId);
    else if (e.workflowExecutionStartedEventAttributes) {
      if (!e.workflowExecutionStartedEventAttributes.parentWorkflowExecution) add('workflowStarted');
    } else if (e.startChildWorkflowExecutionInitiatedEventAttributes) add('childWorkflowStarted', 2);
    else if (e.workflowExecutionUpdateAcceptedEventAttributes) add('update');
    else if (e.workflowExecutionSignaledEventAttributes || e.signalExternalWorkflowExecutionFailedEventAttributes) add('signal');
    else if (e.activityTaskStartedEventAttributes) add('activityAttempt', Math.max(1, e.activityTaskStartedEventAttributes.attempt ?? 1));
    else if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') {
      if (laTaskCounted !== lastTaskCompleted) add('localActivityTask');
      laTaskCounted = lastTaskCompleted;
    } else if (e.timerStartedEventAttributes) add('timer');
    else if (e.upsertWorkflowSearchAttributesEventAttributes) {
      const keys = Object.keys(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {});
      if (keys.some((k) => k !== 'TemporalChangeVersion')) add('searchAttributeUpsert');
    } else if (e.workflowExecutionOptionsUpdatedEventAttributes) add('executionOptionsUpdated');
  }
  return into;
}

/** The events of one workflow's current run after `afterEventId`. */
export async function eventsAfter(temporal: Client, workflowId: string, afterEventId: number): Promise<HistoryEvent[]> {
  const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter((e) => Number(e.eventId) > afterEventId);
}

export async function lastEventId(temporal: Client, workflowId: string): Promise<number> {
  return (await temporal.workflow.getHandle(workflowId).describe()).historyLength;
}

/**
 * Waits until the workflow has no pending activity and no pending workflow task (nor child, unless
 * `children` is false: a change request's child waits for its decision): the notices a command sends
 * after answering are delivered, so their actions are in the history being counted.
 */
export async function settle(temporal: Client, workflowId: string, timeoutMs = 30_000, children = true): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { raw } = await temporal.workflow.getHandle(workflowId).describe();
    if (!raw.pendingActivities?.length && !raw.pendingWorkflowTask && (!children || !raw.pendingChildren?.length)) return;
    if (Date.now() > until) throw new Error(`${workflowId} did not settle within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
