// One change request or proposal (`change-request-<id>`): waits for the first of approve, reject,
// withdraw, submit work / release payment (auto-cancel, R18) or — change requests only — seven days
// (R19), then signals its outcome to the contract workflow, which applies it. Operators may send these
// signals from the Temporal UI or CLI with the same effect as the API.
import { condition, getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import { CHANGE_REQUEST_TTL, type RequestKind, type RequestOutcome } from '../domain/change-request.js';
import { contractWorkflowId } from '../domain/names.js';
import {
  approveSignal,
  editSignal,
  rejectSignal,
  releasePaymentSignal,
  requestResolvedSignal,
  submitWorkSignal,
  withdrawSignal,
} from './messages.js';

export interface ChangeRequestInput {
  requestId: string;
  contractId: string;
  kind: RequestKind;
  /** Change requests expire after seven days; proposals wait for the client (README). */
  expires: boolean;
}

export async function changeRequestWorkflow(input: ChangeRequestInput): Promise<RequestOutcome> {
  let outcome: RequestOutcome | undefined;
  const decide = (o: RequestOutcome) => () => {
    outcome ??= o; // the first decision wins; later signals are ignored
  };
  setHandler(approveSignal, decide('approved'));
  setHandler(rejectSignal, decide('rejected'));
  setHandler(withdrawSignal, decide('withdrawn'));
  setHandler(submitWorkSignal, decide('canceled'));
  setHandler(releasePaymentSignal, decide('canceled'));
  // Edits live in the contract's state; the signal only marks them in this request's history.
  setHandler(editSignal, () => {});

  // R19: a durable timer; `false` means seven days passed with no decision.
  const decided = input.expires
    ? await condition(() => outcome !== undefined, CHANGE_REQUEST_TTL)
    : (await condition(() => outcome !== undefined), true);
  const final: RequestOutcome = decided && outcome ? outcome : 'expired';

  await getExternalWorkflowHandle(contractWorkflowId(input.contractId)).signal(requestResolvedSignal, {
    requestId: input.requestId,
    kind: input.kind,
    outcome: final,
  });
  return final;
}
