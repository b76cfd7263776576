// Every signal, update and query of the product's workflows, in one place. The wire name is the export
// name without its suffix, so history in the Temporal UI reads like the code.
import type { UpdateDefinition } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RequestKind, RequestOutcome } from '../domain/change-request.js';
import type { Command, CommandType } from '../domain/commands.js';
import type { ContractState, ContractSummary, CreateContract } from '../domain/contract.js';
import type { Milestone } from '../domain/milestone.js';
import type { ResolveRequestArgs } from '../domain/operator.js';
import type { ResolveDisputeArgs } from '../domain/disputes.js';
import type { PlanDiff } from '../domain/plan.js';

/**
 * What every contract Update answers once the command is adopted: the contract's summary and the milestones
 * that differ between the state at seq `base` and this one. The API builds its answer from it and the read
 * model's rows at `base` (api/command-answer.ts), without waiting for the projection to store this seq.
 */
export interface CommandResult {
  contract: ContractSummary;
  milestones: Milestone[];
  /** The seq `milestones` (and `order`) are counted from; absent on answers from memory and on answers recorded before it. */
  base?: number;
  /** Milestone ids in contract order, when the order or the set differs from the state at `base`. */
  order?: string[];
  /** When the state answered was adopted (its last transition's time, the read model's `updatedAt`); absent with `base`. */
  at?: string;
  diff?: PlanDiff;
  /** R22: the last milestone was released; ask the client to end the contract or keep it open. */
  prompt?: 'END_OR_KEEP_OPEN';
  requestId?: string;
}

/** A command's payload plus the authenticated caller. */
export type CommandArgs<T extends CommandType> = Omit<Extract<Command, { type: T }>, 'type'> & {
  actorId: string;
  /** A platform key that sent it for the party (`platform:<key>`): the history and notices name both. */
  via?: string;
};
type CommandUpdate<T extends CommandType> = UpdateDefinition<CommandResult, [CommandArgs<T>], T>;

// Contract workflow: every command is an Update, so the API gets a validated, synchronous answer and a
// refused command never reaches history.
export const createContractUpdate = defineUpdate<CommandResult, [CreateContract]>('createContract');
export const previewPlanUpdate: CommandUpdate<'previewPlan'> = defineUpdate('previewPlan');
export const savePlanUpdate: CommandUpdate<'savePlan'> = defineUpdate('savePlan');
export const fundMilestoneUpdate: CommandUpdate<'fundMilestone'> = defineUpdate('fundMilestone');
export const submitWorkUpdate: CommandUpdate<'submitWork'> = defineUpdate('submitWork');
export const releasePaymentUpdate: CommandUpdate<'releasePayment'> = defineUpdate('releasePayment');
export const requestChangeUpdate: CommandUpdate<'requestChange'> = defineUpdate('requestChange');
export const editChangeRequestUpdate: CommandUpdate<'editChangeRequest'> = defineUpdate('editChangeRequest');
export const withdrawChangeRequestUpdate: CommandUpdate<'withdrawChangeRequest'> = defineUpdate('withdrawChangeRequest');
export const approveChangeRequestUpdate: CommandUpdate<'approveChangeRequest'> = defineUpdate('approveChangeRequest');
export const rejectChangeRequestUpdate: CommandUpdate<'rejectChangeRequest'> = defineUpdate('rejectChangeRequest');
export const proposeChangesUpdate: CommandUpdate<'proposeChanges'> = defineUpdate('proposeChanges');
export const withdrawProposalUpdate: CommandUpdate<'withdrawProposal'> = defineUpdate('withdrawProposal');
export const acceptProposalUpdate: CommandUpdate<'acceptProposal'> = defineUpdate('acceptProposal');
export const declineProposalUpdate: CommandUpdate<'declineProposal'> = defineUpdate('declineProposal');
export const endContractUpdate: CommandUpdate<'endContract'> = defineUpdate('endContract');
export const keepOpenUpdate: CommandUpdate<'keepOpen'> = defineUpdate('keepOpen');
export const withdrawFundsUpdate: CommandUpdate<'withdrawFunds'> = defineUpdate('withdrawFunds');
export const requestRevisionsUpdate: CommandUpdate<'requestRevisions'> = defineUpdate('requestRevisions');
export const openDisputeUpdate: CommandUpdate<'openDispute'> = defineUpdate('openDispute');
export const requestRefundUpdate: CommandUpdate<'requestRefund'> = defineUpdate('requestRefund');
export const acceptRefundUpdate: CommandUpdate<'acceptRefund'> = defineUpdate('acceptRefund');
export const declineRefundUpdate: CommandUpdate<'declineRefund'> = defineUpdate('declineRefund');
// Offers (R30): the contract starts as one (createContract with `offer`); these answer or change it.
export const editOfferUpdate: CommandUpdate<'editOffer'> = defineUpdate('editOffer');
export const withdrawOfferUpdate: CommandUpdate<'withdrawOffer'> = defineUpdate('withdrawOffer');
export const acceptOfferUpdate: CommandUpdate<'acceptOffer'> = defineUpdate('acceptOffer');
export const declineOfferUpdate: CommandUpdate<'declineOffer'> = defineUpdate('declineOffer');

/** Command type → its Update, for the workflow's handler loop and the API's routes. */
export const commandUpdates: { [T in CommandType]: CommandUpdate<T> } = {
  previewPlan: previewPlanUpdate,
  savePlan: savePlanUpdate,
  fundMilestone: fundMilestoneUpdate,
  submitWork: submitWorkUpdate,
  releasePayment: releasePaymentUpdate,
  requestChange: requestChangeUpdate,
  editChangeRequest: editChangeRequestUpdate,
  withdrawChangeRequest: withdrawChangeRequestUpdate,
  approveChangeRequest: approveChangeRequestUpdate,
  rejectChangeRequest: rejectChangeRequestUpdate,
  proposeChanges: proposeChangesUpdate,
  withdrawProposal: withdrawProposalUpdate,
  acceptProposal: acceptProposalUpdate,
  declineProposal: declineProposalUpdate,
  endContract: endContractUpdate,
  keepOpen: keepOpenUpdate,
  withdrawFunds: withdrawFundsUpdate,
  requestRevisions: requestRevisionsUpdate,
  openDispute: openDisputeUpdate,
  requestRefund: requestRefundUpdate,
  acceptRefund: acceptRefundUpdate,
  declineRefund: declineRefundUpdate,
  editOffer: editOfferUpdate,
  withdrawOffer: withdrawOfferUpdate,
  acceptOffer: acceptOfferUpdate,
  declineOffer: declineOfferUpdate,
};

export const contractStateQuery = defineQuery<ContractState | undefined>('contractState');

// Change-request workflow → contract workflow: the child reports how it ended; the parent applies it.
export interface RequestResolved {
  requestId: string;
  kind: RequestKind;
  outcome: RequestOutcome;
  /** The party (forwarded by the contract), `operator:<id>` / `operator (unnamed)`, or `system` (expiry). */
  decidedBy?: string;
  operator?: boolean;
  reason?: string;
}

/** An operator settles a pending request (audited; docs/operations.md, "Runbook"). */
export const resolveRequestUpdate = defineUpdate<CommandResult, [ResolveRequestArgs]>('resolveRequest');
/** R28: an operator resolves a dispute (audited; the API's operator route or the Temporal CLI). */
export const resolveDisputeUpdate = defineUpdate<CommandResult, [ResolveDisputeArgs]>('resolveDispute');
export const requestResolvedSignal = defineSignal<[RequestResolved]>('requestResolved');

/** R31: a charge that was pending (a bank debit) confirmed or failed, from the provider's webhook. */
export interface PaymentSettled {
  key: string;
  reference: string;
  succeeded: boolean;
  reason?: string;
}
export const paymentSettledSignal = defineSignal<[PaymentSettled]>('paymentSettled');

/** R31: a payout or refund the provider has not carried out yet (workflows/money-movement.ts): the party is told. */
export interface PaymentPending {
  key: string;
  type: 'transfer' | 'refund';
  milestoneId: string | null;
  amountCents: number;
}
export const paymentPendingSignal = defineSignal<[PaymentPending]>('paymentPending');

/**
 * Who sends a decision signal: the contract forwards the party's `actorId`; an operator may name
 * themselves (`temporal workflow signal … --input '{"operatorId":"jane"}'`), or send nothing.
 */
export interface DecisionSignal {
  actorId?: string;
  operatorId?: string;
  /** Approve and reject name the request's version they answer (R16): its number of edits. */
  version?: number;
}

/**
 * The product's verbs sent to `contract-<id>`: the command's fields beside its sender, a
 * party (`actorId`) or an operator acting for the party the verb belongs to (`operatorId`). Approve and
 * reject go to the pending change request (`requestId` may be left out) and name its `version` (R16).
 */
export interface ContractSignal extends DecisionSignal {
  milestoneId?: string;
  amountCents?: number;
  requestId?: string;
}

// The product's verbs, as signals an operator can also send from the UI/CLI: on a change-request
// workflow they decide it; on a contract workflow submitWork, releasePayment, approve and reject run the
// same commands as the Updates of those names (workflows/signals.ts). One definition per wire name.
export const approveSignal = defineSignal<[ContractSignal?]>('approve');
export const rejectSignal = defineSignal<[ContractSignal?]>('reject');
export const withdrawSignal = defineSignal<[DecisionSignal?]>('withdraw');
export const editSignal = defineSignal<[DecisionSignal?]>('edit');
export const submitWorkSignal = defineSignal<[ContractSignal?]>('submitWork');
export const releasePaymentSignal = defineSignal<[ContractSignal?]>('releasePayment');
/** R28: a dispute opened on the milestone cancels its pending change request. */
export const disputeOpenedSignal = defineSignal<[DecisionSignal?]>('disputeOpened');
export const requestSignals = {
  approve: approveSignal,
  reject: rejectSignal,
  withdraw: withdrawSignal,
  edit: editSignal,
  submitWork: submitWorkSignal,
  releasePayment: releasePaymentSignal,
  disputeOpened: disputeOpenedSignal,
};
