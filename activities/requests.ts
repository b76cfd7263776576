// describeRequest: whether a change request's or proposal's workflow is still open. The contract watches
// requests started by an earlier run this way: a run holds no handle on the result of another run's child.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/common';
import { changeRequestWorkflowId } from '../domain/names.js';

export interface RequestWorkflowStatus {
  /** Running, or completed (it reported): the contract waits for its report rather than resolving it. */
  open: boolean;
  /** RUNNING, COMPLETED, TERMINATED, CANCELLED, FAILED, TIMED_OUT, … or NOT_FOUND. */
  status: string;
}

export function createRequestWatch() {
  return {
    async describeRequest(requestId: string): Promise<RequestWorkflowStatus> {
      const handle = Context.current().client.workflow.getHandle(changeRequestWorkflowId(requestId));
      try {
        const { status } = await handle.describe();
        // A request's workflow completes only after its report to the contract was accepted (it signals,
        // then returns): the report is on its way or already queued. Open, so the watch never resolves
        // the request as closed without a report ahead of its real outcome; the report ends the watch.
        return { open: status.name === 'RUNNING' || status.name === 'COMPLETED', status: status.name };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { open: false, status: 'NOT_FOUND' }; // removed by retention
        throw err;
      }
    },
  };
}
