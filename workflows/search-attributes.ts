// Custom search attributes, registered on the dev server at start (scripts/) and upserted by the
// workflows, so operators can filter e.g. contracts with a change request about to expire:
//   ChangeRequestExpiresAt < "2026-12-01T00:00:00Z" AND ExecutionStatus = "Running"
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { upsertSearchAttributes } from '@temporalio/workflow';
import { type ContractState, type PendingRequest, currentMilestone } from '../domain/contract.js';

export const ContractIdKey = defineSearchAttributeKey('ContractId', SearchAttributeType.KEYWORD);
export const ClientIdKey = defineSearchAttributeKey('ClientId', SearchAttributeType.KEYWORD);
export const FreelancerIdKey = defineSearchAttributeKey('FreelancerId', SearchAttributeType.KEYWORD);
export const ContractStatusKey = defineSearchAttributeKey('ContractStatus', SearchAttributeType.KEYWORD);
export const ActiveMilestoneStatusKey = defineSearchAttributeKey('ActiveMilestoneStatus', SearchAttributeType.KEYWORD);
export const PendingChangeRequestKey = defineSearchAttributeKey('PendingChangeRequest', SearchAttributeType.BOOL);
export const ChangeRequestExpiresAtKey = defineSearchAttributeKey('ChangeRequestExpiresAt', SearchAttributeType.DATETIME);
/** A freelancer's proposal waits for the client (R20, R21): `PendingProposal = true` finds those contracts. */
export const PendingProposalKey = defineSearchAttributeKey('PendingProposal', SearchAttributeType.BOOL);
/** R28: a milestone of this contract has an open dispute (`OpenDispute = true` in the Temporal UI). */
export const OpenDisputeKey = defineSearchAttributeKey('OpenDispute', SearchAttributeType.BOOL);

export const allSearchAttributes = [
  ContractIdKey,
  ClientIdKey,
  FreelancerIdKey,
  ContractStatusKey,
  ActiveMilestoneStatusKey,
  PendingChangeRequestKey,
  ChangeRequestExpiresAtKey,
  PendingProposalKey,
  OpenDisputeKey,
];

/** The operator-facing attributes a contract's state implies, each with a value that compares by string. */
function contractPairs(state: ContractState): [SearchAttributePair, string][] {
  const pairs: SearchAttributePair[] = [
    { key: ContractIdKey, value: state.id },
    { key: ClientIdKey, value: state.clientId },
    { key: FreelancerIdKey, value: state.freelancerId },
    { key: ContractStatusKey, value: state.status },
    { key: ActiveMilestoneStatusKey, value: currentMilestone(state)?.state ?? 'none' },
    { key: PendingChangeRequestKey, value: state.changeRequest !== null },
    { key: PendingProposalKey, value: state.proposal !== null },
    { key: OpenDisputeKey, value: state.milestones.some((m) => Boolean(m.dispute)) },
  ];
  return pairs.map((p) => [p, String(p.value)]);
}

/**
 * Keeps the operator-facing search attributes in step with the contract, upserting only the values that
 * changed: an upsert is a command (a history event and a visibility write), and most commands change none
 * of them. A continued run starts from the state it was handed, whose attributes the run before it
 * published and continue-as-new carried over. Call from workflow code only.
 */
export class ContractAttributes {
  private readonly published = new Map<string, string>();

  constructor(carried?: ContractState) {
    if (carried) for (const [p, v] of contractPairs(carried)) this.published.set(p.key.name, v);
  }

  publish(state: ContractState): void {
    const changed = contractPairs(state).filter(([p, v]) => this.published.get(p.key.name) !== v);
    if (!changed.length) return;
    upsertSearchAttributes(changed.map(([p]) => p));
    for (const [p, v] of changed) this.published.set(p.key.name, v);
  }
}

/** A change-request workflow's attributes, set when it starts. */
export function requestAttributes(contractId: string, request: PendingRequest): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [{ key: ContractIdKey, value: contractId }];
  if (request.expiresAt) pairs.push({ key: ChangeRequestExpiresAtKey, value: new Date(request.expiresAt) });
  return pairs;
}
