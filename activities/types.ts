// The activity surface the workflows call. Workflows import this file with `import type` only.
import type { ContractState } from '../domain/contract.js';
import type { ChangeRequestOutcome } from '../domain/change-request.js';

export interface ChangeRequestOpened {
  contractId: string;
  requestId: string;
  createdAt: string;
  expiresAt: string;
}

export interface ChangeRequestClosed {
  contractId: string;
  requestId: string;
  outcome: ChangeRequestOutcome;
  resolvedAt: string;
}

export interface ContractActivities {
  persistContract(state: ContractState): Promise<void>;
  persistChangeRequestOpened(event: ChangeRequestOpened): Promise<void>;
  persistChangeRequestClosed(event: ChangeRequestClosed): Promise<void>;
}
