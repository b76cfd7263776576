// The product's verbs as signals on `contract-<id>`: submitWork, releasePayment, approve and
// reject, for an operator or an integration using `temporal workflow signal` or the UI's Send Signal. They
// run the same commands, through the same rules, as the Updates; a signal cannot answer, so a refusal is
// recorded beside the audit trail (refused_signals) and logged, and never fails the workflow.
import { ApplicationFailure, TemporalFailure, log, proxyActivities, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/common';
import type { ContractActivities } from '../activities/types.js';
import { contractIdFromWorkflowId } from '../domain/names.js';
import { type ContractSignalVerb, SIGNAL_COMMANDS, type SignalInput } from '../domain/signals.js';
import { persistenceOptions } from './activity-options.js';
import { type ContractSignal, approveSignal, rejectSignal, releasePaymentSignal, submitWorkSignal } from './messages.js';

/** The signal's input as kept with its refusal (the row stores text; an operator reads it). */
const PAYLOAD_MAX = 4000;

/** One insert; unlike a transition, nothing waits on it: after an hour of outage the log line remains. */
const refusalOptions: ActivityOptions = { ...persistenceOptions, scheduleToCloseTimeout: '1 hour' };
const { recordRefusal } = proxyActivities<ContractActivities>(refusalOptions);

/** Runs the command a verb stands for, under the contract's lock; throws an ApplicationFailure to refuse. */
export type SignalRunner = (verb: ContractSignalVerb, input: SignalInput | undefined) => Promise<void>;

/** What the UI's Send Signal and `temporal workflow metadata` show next to each signal. */
const SENDER = 'actorId (the party) or operatorId (an operator acting for it)';
const DESCRIPTIONS: Record<ContractSignalVerb, string> = {
  submitWork: `Freelancer submits work (R5): {milestoneId, ${SENDER}}. Refusals go to refused_signals.`,
  releasePayment: `Client releases payment, full or partial (R5, R8): {milestoneId, amountCents?, ${SENDER}}.`,
  approve: `Freelancer approves the pending change request (R17): {version, requestId?, ${SENDER}}.`,
  reject: `Freelancer rejects the pending change request (R17): {version, requestId?, ${SENDER}}.`,
};

export function acceptContractSignals(run: SignalRunner): void {
  const verbs: [ContractSignalVerb, typeof approveSignal][] = [
    ['submitWork', submitWorkSignal], ['releasePayment', releasePaymentSignal], ['approve', approveSignal], ['reject', rejectSignal],
  ];
  for (const [verb, def] of verbs) {
    setHandler(def, (input?: ContractSignal) => handle(verb, input, run), { description: DESCRIPTIONS[verb] });
  }
}

async function handle(verb: ContractSignalVerb, input: ContractSignal | undefined, run: SignalRunner): Promise<void> {
  try {
    await run(verb, input);
  } catch (err) {
    // Any other error is a bug: it fails the workflow task (retried, visible), never the contract.
    if (!(err instanceof TemporalFailure)) throw err;
    await refused(verb, input, err);
  }
}

async function refused(verb: ContractSignalVerb, input: ContractSignal | undefined, err: TemporalFailure): Promise<void> {
  const code = err instanceof ApplicationFailure ? err.type ?? 'REFUSED' : err.name;
  const details = err instanceof ApplicationFailure ? (err.details?.[0] as { rule?: string } | undefined) : undefined;
  const contractId = contractIdFromWorkflowId(workflowInfo().workflowId);
  // The sender as the signal names it: the operator first (the party, if any, is who they act for).
  const actorId = storable(input?.operatorId !== undefined ? `operator:${String(input.operatorId)}` : String(input?.actorId ?? 'unknown'));
  log.warn('signal refused', { signal: verb, command: SIGNAL_COMMANDS[verb], contractId, actorId, code, rule: details?.rule, err: err.message });
  if (code === 'CONTRACT_NOT_FOUND') return; // no contract row to attach it to: the log line is the record
  try {
    await recordRefusal.executeWithOptions({ ...refusalOptions, summary: `Record refused ${verb}: ${code}` }, [{
      id: uuid4(),
      contractId,
      signal: verb,
      actorId: actorId.slice(0, 200),
      code: storable(code),
      rule: details?.rule ?? null,
      message: storable(err.message),
      payload: storable(JSON.stringify(input ?? null)).slice(0, PAYLOAD_MAX),
      at: new Date().toISOString(),
    }]);
  } catch (e) {
    log.error('refused signal not recorded', { signal: verb, contractId, err: String(e) });
  }
}

/** PostgreSQL text holds no NUL; JSON.stringify already escapes it in payloads. */
const storable = (s: string): string => s.replaceAll('\u0000', '\ufffd');
