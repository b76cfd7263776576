// One change request (`change-request-<id>`): waits for the first of approve, reject, withdraw,
// submit work / release payment (auto-cancel, R18) or seven days (R19), then signals its outcome to the
// contract workflow, which applies it. Operators may send these signals from the Temporal UI or CLI.
import { condition, getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import { CHANGE_REQUEST_TTL, type ChangeRequestOutcome } from '../domain/change-request.js';
import { contractWorkflowId } from '../domain/names.js';
import {
  approveSignal,
  changeRequestResolvedSignal,
  rejectSignal,
  releasePaymentSignal,
  submitWorkSignal,
  withdrawSignal,
} from './messages.js';

export interface ChangeRequestInput {
  requestId: string;
  contractId: string;
}

export async function changeRequestWorkflow(input: ChangeRequestInput): Promise<ChangeRequestOutcome> {
  let outcome: ChangeRequestOutcome | undefined;
  const decide = (o: ChangeRequestOutcome) => () => {
    outcome ??= o; // the first decision wins; later signals are ignored
  };
  setHandler(approveSignal, decide('approved'));
  setHandler(rejectSignal, decide('rejected'));
  setHandler(withdrawSignal, decide('withdrawn'));
  setHandler(submitWorkSignal, decide('canceled'));
  setHandler(releasePaymentSignal, decide('canceled'));

  // R19: a durable timer; `false` means seven days passed with no decision.
  const decided = await condition(() => outcome !== undefined, CHANGE_REQUEST_TTL);
  const final: ChangeRequestOutcome = decided && outcome ? outcome : 'expired';

  await getExternalWorkflowHandle(contractWorkflowId(input.contractId)).signal(changeRequestResolvedSignal, {
    requestId: input.requestId,
    outcome: final,
  });
  return final;
}
