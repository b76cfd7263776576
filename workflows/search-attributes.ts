// Custom search attributes, registered on the dev server at start (scripts/) and upserted by the
// workflows, so operators can filter e.g. contracts with a change request about to expire:
//   ChangeRequestExpiresAt < "2026-12-01T00:00:00Z" AND ExecutionStatus = "Running"
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const ContractIdKey = defineSearchAttributeKey('ContractId', SearchAttributeType.KEYWORD);
export const ClientIdKey = defineSearchAttributeKey('ClientId', SearchAttributeType.KEYWORD);
export const FreelancerIdKey = defineSearchAttributeKey('FreelancerId', SearchAttributeType.KEYWORD);
export const ContractStatusKey = defineSearchAttributeKey('ContractStatus', SearchAttributeType.KEYWORD);
export const ActiveMilestoneStatusKey = defineSearchAttributeKey('ActiveMilestoneStatus', SearchAttributeType.KEYWORD);
export const PendingChangeRequestKey = defineSearchAttributeKey('PendingChangeRequest', SearchAttributeType.BOOL);
export const ChangeRequestExpiresAtKey = defineSearchAttributeKey('ChangeRequestExpiresAt', SearchAttributeType.DATETIME);

export const allSearchAttributes = [
  ContractIdKey,
  ClientIdKey,
  FreelancerIdKey,
  ContractStatusKey,
  ActiveMilestoneStatusKey,
  PendingChangeRequestKey,
  ChangeRequestExpiresAtKey,
];
