// Every signal, update and query of the product's workflows, in one place. The wire name is the export
// name without its suffix, so history in the Temporal UI reads like the code.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ContractState, CreateContract } from '../domain/contract.js';
import type { ChangeRequestOutcome } from '../domain/change-request.js';

// Contract workflow: commands are Updates so the API gets a validated, synchronous answer.
export const createContractUpdate = defineUpdate<ContractState, [CreateContract]>('createContract');
export interface RequestChange {
  requestId: string;
}
export const requestChangeUpdate = defineUpdate<ContractState, [RequestChange]>('requestChange');
export const contractStateQuery = defineQuery<ContractState | undefined>('contractState');

// Change-request workflow → contract workflow: the child reports how it ended; the parent applies it.
export interface ChangeRequestResolved {
  requestId: string;
  outcome: ChangeRequestOutcome;
}
export const changeRequestResolvedSignal = defineSignal<[ChangeRequestResolved]>('changeRequestResolved');

// Change-request workflow: the design card's verbs, as signals an operator can also send from the UI/CLI.
export const approveSignal = defineSignal('approve');
export const rejectSignal = defineSignal('reject');
export const submitWorkSignal = defineSignal('submitWork');
export const releasePaymentSignal = defineSignal('releasePayment');
export const withdrawSignal = defineSignal('withdraw');
