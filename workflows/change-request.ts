// One change request or proposal (`change-request-<id>`): waits for the first of approve, reject,
// withdraw, submit work / release payment (auto-cancel, R18) or — change requests only — seven days
// (R19), then signals its outcome to the contract workflow, which applies it. Operators may send these
// signals from the Temporal UI or CLI with the same effect as the API.
import {
  CancellationScope, condition, getExternalWorkflowHandle, isCancellation, log, setCurrentDetails, setHandler,
} from '@temporalio/workflow';
import { CHANGE_REQUEST_TTL, CHANGE_REQUEST_TTL_MS, type RequestKind, type RequestOutcome } from '../domain/change-request.js';
import { spoken } from '../domain/describe.js';
import { isId } from '../domain/fields.js';
import { contractWorkflowId } from '../domain/names.js';
import { operatorActor } from '../domain/operator.js';
import {
  type DecisionSignal,
  approveSignal,
  disputeOpenedSignal,
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
  /** Change requests expire after seven days; proposals wait for the client. */
  expires: boolean;
  /** Overrides the seven days (the fault suite's short expiry); absent in production. */
  ttlMs?: number;
  /**
   * When the request expires, as the contract recorded it (R19). The timer ends then, not seven days
   * after this workflow starts: the contract starts it only once the request is stored, which a
   * PostgreSQL outage can delay by hours. Absent on requests started before it was passed.
   */
  expiresAt?: string;
}

export async function changeRequestWorkflow(input: ChangeRequestInput): Promise<RequestOutcome> {
  let outcome: RequestOutcome | undefined;
  let decidedBy = 'system';
  const decide = (o: RequestOutcome) => (by?: DecisionSignal) => {
    if (outcome) return; // the first decision wins; later signals are ignored
    outcome = o;
    // The contract forwards the party; a signal without one came from an operator (UI or CLI). Whatever
    // an operator typed is kept only if it is a well-formed id (it goes into the audit trail).
    const actor = isId(by?.actorId) ? by.actorId : undefined;
    decidedBy = actor ?? operatorActor(isId(by?.operatorId) ? by.operatorId : undefined);
  };
  // R16: the version is the number of edits, each forwarded here by the contract as an `edit` signal.
  let version = 0;
  const answer = (o: RequestOutcome) => (by?: DecisionSignal) => {
    if (!outcome && by?.version !== version) {
      // A signal cannot be refused to its sender: it is logged and changes nothing (nobody agrees to terms unseen).
      log.warn('answer ignored: it does not name the current version', { requestId: input.requestId, version, named: by?.version ?? null });
      return;
    }
    decide(o)(by);
  };
  setHandler(approveSignal, answer('approved'));
  setHandler(rejectSignal, answer('rejected'));
  setHandler(withdrawSignal, decide('withdrawn'));
  setHandler(submitWorkSignal, decide('canceled'));
  setHandler(releasePaymentSignal, decide('canceled'));
  setHandler(disputeOpenedSignal, decide('canceled')); // R28: the milestone's money is frozen
  // Edits live in the contract's state; the signal marks them in this request's history and raises the version.
  setHandler(editSignal, () => {
    version += 1;
  });

  const report = (final: RequestOutcome, extra: { reason?: string } = {}) =>
    getExternalWorkflowHandle(contractWorkflowId(input.contractId)).signal(requestResolvedSignal, {
      requestId: input.requestId,
      kind: input.kind,
      outcome: final,
      decidedBy,
      operator: decidedBy.startsWith('operator'),
      ...extra,
    });

  // The UI's current details (metadata, no command): who must answer, and until when. At least 1 ms: a
  // request whose expiry passed during an outage expires at once rather than waiting with no timer.
  const untilExpiry = input.expiresAt === undefined ? undefined : Math.max(1, Date.parse(input.expiresAt) - new Date().getTime());
  const ttl = input.ttlMs ?? untilExpiry ?? CHANGE_REQUEST_TTL_MS;
  // Spoken to the minute when it comes from expiresAt: a timer started a few milliseconds after the
  // request reads "7 days", not "10080 minutes".
  const shownTtl = input.ttlMs === undefined && untilExpiry !== undefined ? Math.max(60_000, Math.round(ttl / 60_000) * 60_000) : ttl;
  const waitingFor = input.kind === 'change' ? 'the freelancer (approve or reject)' : 'the client (accept or decline)';
  const until = input.expires ? `; expires ${new Date(new Date().getTime() + ttl).toISOString()} (R19)` : '; no expiry';
  setCurrentDetails(`**Waiting for ${waitingFor}** on contract \`${input.contractId}\`${until}`);

  let decided: boolean;
  try {
    // R19: a durable timer; `false` means seven days passed with no decision. Proposals wait for the
    // client for as long as it takes: a person's answer, or an operator's resolveRequest.
    decided = input.expires
      ? await condition(() => outcome !== undefined, input.ttlMs ?? untilExpiry ?? CHANGE_REQUEST_TTL, {
        summary: `change request expires in ${spoken(shownTtl)} (R19)`,
      })
      : (await condition(() => outcome !== undefined), true);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled from the UI or CLI: tell the contract, so the request does not stay pending for ever.
    decidedBy = operatorActor(undefined);
    await CancellationScope.nonCancellable(() => report('canceled', { reason: 'its workflow was cancelled' }));
    throw err;
  }
  const final: RequestOutcome = decided && outcome ? outcome : 'expired';
  setCurrentDetails(`**${final}** (decided by \`${decided && outcome ? decidedBy : 'system'}\`); reported to contract \`${input.contractId}\``);
  await report(final);
  return final;
}
