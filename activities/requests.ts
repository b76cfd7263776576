// describeRequest: whether a change request's or proposal's workflow is still open. The contract watches
// requests started by an earlier run this way: a run holds no handle on the result of another run's child.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/common';
import { changeRequestWorkflowId } from '../domain/names.js';

export interface RequestWorkflowStatus {
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
        return { open: status.name === 'RUNNING', status: status.name };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { open: false, status: 'NOT_FOUND' }; // removed by retention
        throw err;
      }
    },
  };
}
