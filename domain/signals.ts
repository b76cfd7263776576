// The product's verbs as signals on a contract: which command a signal stands for, which
// party the rules check it as, and whom the audit trail names. Pure; the workflow runs the command through
// the same decide() as the Updates (workflows/signals.ts).
import { COMMAND_ROLE, type Command } from './commands.js';
import type { ContractState } from './contract.js';
import { refuse } from './errors.js';
import { isId } from './fields.js';
import { operatorActor } from './operator.js';

export const SIGNAL_COMMANDS = {
  submitWork: 'submitWork',
  releasePayment: 'releasePayment',
  approve: 'approveChangeRequest',
  reject: 'rejectChangeRequest',
} as const;
export type ContractSignalVerb = keyof typeof SIGNAL_COMMANDS;

export interface SignalInput {
  actorId?: unknown;
  operatorId?: unknown;
  milestoneId?: unknown;
  amountCents?: unknown;
  requestId?: unknown;
  version?: unknown;
}

export interface SignalledCommand {
  command: Command;
  /** The party the rules check the command as: the sender, or the party an operator acts for. */
  partyId: string;
  /** Who the audit trail and the request's history name: the party, or `operator:<id>`. */
  auditActor: string;
  /** The operator the signal names, to be checked against the configured operators before it acts. */
  operatorId?: string;
}

export function signalCommand(verb: ContractSignalVerb, input: SignalInput | undefined, state: ContractState): SignalledCommand {
  return operatorSignal(verb, input ?? {}, state);
}

/**
 * Whoever can signal a workflow holds access to Temporal, not a party's token: a signal is an operator acting
 * for the party the verb belongs to. It names the operator (`operatorId`; the caller checks it is one) and
 * may name that party (`actorId`); a signal naming only a party is refused, never recorded as the party.
 */
function operatorSignal(verb: ContractSignalVerb, s: SignalInput, state: ContractState): SignalledCommand {
  if (s.operatorId === undefined) {
    refuse('SENDER_REQUIRED', undefined, 'a signal names the operator who sends it (operatorId), and may name the party they act for (actorId)',
      'invalid');
  }
  if (!isId(s.operatorId)) return refuse('INVALID_SENDER', undefined, 'operatorId is not a well-formed id', 'invalid');
  const type = SIGNAL_COMMANDS[verb];
  const partyId = COMMAND_ROLE[type] === 'client' ? state.clientId : state.freelancerId;
  if (s.actorId !== undefined && s.actorId !== partyId) {
    refuse('FORBIDDEN_FOR_ROLE', undefined, `only the ${COMMAND_ROLE[type]} may ${type}; an operator acts for that party only`, 'forbidden');
  }
  return { command: commandFor(type, s, state), partyId, auditActor: operatorActor(s.operatorId), operatorId: s.operatorId };
}

// Values are handed on as sent (`as`): decide()'s own field checks refuse a wrong type, as for an Update
// sent from the CLI with a malformed payload.
function commandFor(type: (typeof SIGNAL_COMMANDS)[ContractSignalVerb], s: SignalInput, state: ContractState): Command {
  switch (type) {
    case 'submitWork':
      return { type, milestoneId: s.milestoneId as string };
    case 'releasePayment':
      return { type, milestoneId: s.milestoneId as string, ...(s.amountCents === undefined ? {} : { amountCents: s.amountCents as number }) };
    default: {
      // Approve and reject go to the contract's pending change request (one at a time, R15).
      const requestId = s.requestId ?? state.changeRequest?.id;
      if (requestId === undefined) return refuse('NO_PENDING_CHANGE_REQUEST', 'R15', 'this contract has no pending change request', 'conflict');
      return { type, requestId: requestId as string, ...(s.version === undefined ? {} : { version: s.version as number }) };
    }
  }
}
