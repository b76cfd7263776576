// What the Temporal UI shows on a contract's page besides its history: current details in
// Markdown, refreshed after every accepted transition. Metadata only: setCurrentDetails writes no command,
// so histories recorded before it replay unchanged (test/workflow/replay.test.ts).
import { setCurrentDetails } from '@temporalio/workflow';
import type { ContractState } from '../domain/contract.js';
import { contractDetails } from '../domain/describe.js';

/** Call from workflow code only: `new Date()` is workflow time there. */
export function showContractDetails(state: ContractState): void {
  setCurrentDetails(contractDetails(state, new Date().toISOString()));
}
